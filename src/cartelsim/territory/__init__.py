"""Territory (DESIGN.md §2 L5): presence of the groups in the 32 states, the corridor network
to the U.S. border, least-cost routes and their diversion under crackdowns, sourced market
magnitudes, and maps of Mexico's states.

The world step runs the compiled sub-step in `kernel` when `[mechanisms] territory = true`
(`states`, `corridors` and `results` prepare its inputs and label its outputs); see
docs/territory.md.
"""

from cartelsim.territory.geometry import StateShape, read_states, state_of_point, to_geojson
from cartelsim.territory.maps import (
    change_map,
    control_map,
    flow_map,
    homicide_map,
    route_map,
    state_map,
    state_polygons,
)
from cartelsim.territory.market import load_market
from cartelsim.territory.network import CorridorNetwork, great_circle_km, load_network
from cartelsim.territory.routing import (
    Routes,
    crackdown_penalties,
    crossing_shares,
    least_cost_routes,
    segment_costs,
    segment_flows,
    split_flow,
)

__all__ = [
    "CorridorNetwork", "Routes", "StateShape", "change_map", "control_map", "crackdown_penalties",
    "crossing_shares", "flow_map", "homicide_map",
    "great_circle_km", "least_cost_routes", "load_market", "load_network", "read_states",
    "route_map", "segment_costs", "segment_flows", "split_flow", "state_map",
    "state_of_point", "state_polygons", "to_geojson",
]
