"""Groups control the states they hold: a route through rivals' ground costs more
(territory.kernel.route_control), so loads move to routes through the shipper's own states."""

from __future__ import annotations

import numpy as np
import pytest

from cartelsim.params.catalogue import Params
from cartelsim.territory.corridors import RouteTable
from cartelsim.territory.kernel import TP_DISPERSION, route_control, state_traffic
from cartelsim.territory.results import drug_supply, territory_vector

KM = 500.0
# lineage 0 holds the origin's state 0 and state 1; lineage 1 alone holds state 2
PRESENCE = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])


def two_routes() -> RouteTable:
    """One origin (state 0), two crossings at equal km: route a through state 1 (the
    shipper's own), route b through state 2 (a rival's)."""
    return RouteTable(
        origin_ids=("origin",), origin_state=np.array([0]), origin_drugs=np.ones((3, 1)),
        crossing_ids=("a", "b"), cand_origin=np.array([0, 0]), cand_crossing=np.array([0, 1]),
        cand_km=np.array([KM, KM]), onward_km=np.zeros((2, 1)), region_demand=np.ones((3, 1)),
        state_ptr=np.array([0, 2, 4]), state_idx=np.array([0, 1, 0, 2]),
        segment_ptr=np.array([0, 1, 2]), segment_idx=np.array([0, 1]),
        segment_km=np.array([KM, KM]))


def control_costs(lineage: np.ndarray, penalty: float, routes: RouteTable) -> np.ndarray:
    out = np.zeros(routes.cand_km.size)
    n_origins = routes.origin_state.size
    route_control(lineage, PRESENCE, lineage @ PRESENCE, routes.origin_state,
                  routes.cand_origin, routes.cand_km, routes.state_ptr, routes.state_idx,
                  penalty, np.zeros((n_origins, lineage.size)),
                  np.zeros((n_origins, lineage.size), dtype=np.int64),
                  np.zeros(n_origins, dtype=np.int64), out)
    return out


def test_a_route_through_a_rivals_state_costs_the_penalty_on_its_share_of_rival_ground() -> None:
    cost = control_costs(np.array([100.0, 100.0]), 1.5, two_routes())
    assert cost[0] == 0.0  # both states of route a are the shipper's
    # route b: the shipper holds state 0 and none of state 2 -> half the route is rivals'
    assert cost[1] == pytest.approx(1.5 * KM * 0.5)


def test_a_shared_origin_ships_for_each_holder_in_proportion() -> None:
    """With two lineages in the origin's state, each load is one holder's: the rival share is
    averaged over the holders by their members there."""
    presence = np.array([[1.0, 0.0], [0.5, 0.5]])
    lineage = np.array([100.0, 100.0])  # state 0: 100 of lineage 0, 50 of lineage 1
    routes = RouteTable(
        origin_ids=("origin",), origin_state=np.array([0]), origin_drugs=np.ones((3, 1)),
        crossing_ids=("a",), cand_origin=np.array([0]), cand_crossing=np.array([0]),
        cand_km=np.array([KM]), onward_km=np.zeros((1, 1)), region_demand=np.ones((3, 1)),
        state_ptr=np.array([0, 2]), state_idx=np.array([0, 1]),
        segment_ptr=np.array([0, 1]), segment_idx=np.array([0]), segment_km=np.array([KM]))
    out = np.zeros(1)
    route_control(lineage, presence, lineage @ presence, routes.origin_state,
                  routes.cand_origin, routes.cand_km, routes.state_ptr, routes.state_idx, 1.0,
                  np.zeros((1, 2)), np.zeros((1, 2), dtype=np.int64),
                  np.zeros(1, dtype=np.int64), out)
    q0, q1 = 100.0 / 150.0, 50.0 / 150.0  # holders of the origin's state
    held = q0 * (q0 + 0.0) / 2 + q1 * (q1 + 1.0) / 2  # state 1 is lineage 1's alone
    assert out[0] == pytest.approx(KM * (1.0 - held))


def test_loads_avoid_the_rivals_route_by_the_logit_of_its_extra_cost() -> None:
    routes = two_routes()
    lineage = np.array([100.0, 100.0])
    ones = np.ones(2)
    for penalty in (0.0, 1.0):
        params = Params.defaults().override({"territory_control_penalty": penalty}, "test")
        tp, supply = territory_vector(params), drug_supply(params)
        traffic = state_traffic(lineage, PRESENCE, tp, routes, supply, ones)
        own, rivals = traffic[1], traffic[2]
        assert own + rivals == pytest.approx(supply.sum())
        expected = np.exp(-penalty * KM * 0.5 / tp[TP_DISPERSION])
        assert rivals / own == pytest.approx(expected)
    assert rivals < own  # with a penalty the rivals' route carries less


def test_nobody_at_the_origin_means_no_control_cost() -> None:
    assert not control_costs(np.array([0.0, 100.0]), 2.0, two_routes()).any()


def test_in_the_embedded_world_control_moves_tonnes_between_crossings_not_deaths() -> None:
    """The penalty re-routes the flow north (and so where diverted traffic goes) and leaves
    every national number alone; with penalty 0 the re-reading period changes nothing."""
    from cartelsim.system.embedded import mexico_2025
    from cartelsim.world.run import run_world

    mexico = mexico_2025()

    def run(**values: float):
        params = Params.defaults().override(values, "test")
        return run_world(mexico, params, weeks=30, runs=2, engine="stochastic", seed=5,
                         start="2026-01-01", territory=True)

    free, dear = run(territory_control_penalty=0.0), run(territory_control_penalty=2.0)
    np.testing.assert_array_equal(free.total_deaths.values, dear.total_deaths.values)
    np.testing.assert_array_equal(free.members.values, dear.members.values)
    weeks = slice(1, None)
    np.testing.assert_allclose(free.flow_north.sum("crossing")[:, weeks],
                               dear.flow_north.sum("crossing")[:, weeks], rtol=1e-9)
    moved = np.abs(free.flow_north - dear.flow_north)[:, weeks].sum("crossing")
    assert float(moved.min()) > 0.01 * float(free.flow_north.sum("crossing")[:, weeks].min())
    weekly = run(territory_control_penalty=0.0, territory_control_weeks=1.0)
    np.testing.assert_array_equal(free.flow_north.values, weekly.flow_north.values)
