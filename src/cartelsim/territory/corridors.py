"""Candidate routes to the border, made once before a run; the step chooses among them.

For each origin (port, producing region, southern border) and each crossing there are up
to two candidate routes: the least-cost one on road km (`routing.least_cost_routes`,
scipy.sparse.csgraph Dijkstra) and the least-cost one when the first route's segments cost
`territory_crackdown_multiplier` times more (a detour that avoids them where the network
allows; dropped when it is the same route). Inside the week (`territory.kernel`) a
candidate costs its km plus its crossing's cost times the crackdown factor of that week;
for loads bound for a U.S. demand region (`territory.destinations`) it also costs
`territory_us_km_weight` x the road km from its crossing to the region's hub, and an
origin's tonnes of each drug bound for each region (the region's share of that drug's
demand) split over its candidates by the logit of `routing.crossing_shares`.

`crossing_factors` turns the scenario's `crossing_crackdown` interventions into a factor
per week and crossing (1 = no crackdown) with the weeks of `interventions.plan`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from cartelsim.errors import CartelsimError
from cartelsim.interventions.effects import RaiseCrossingCost
from cartelsim.interventions.plan import InterventionPlan
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.params.catalogue import Params
from cartelsim.system.model import System
from cartelsim.territory.destinations import Markets, load_markets
from cartelsim.territory.market import DRUGS
from cartelsim.territory.network import NODES_FILE, CorridorNetwork, load_network
from cartelsim.territory.routing import least_cost_routes


@dataclass(frozen=True)
class RouteTable:
    """Candidate routes as flat arrays (k = candidate).

    `origin_state[o]` state index of origin o; `origin_drugs[d, o]` 1 where origin o sends
    drug d (market.DRUGS order, nodes.csv `drugs`), else 0; `cand_origin[k]`, `cand_crossing[k]`,
    `cand_km[k]` road km in Mexico; `onward_km[c, m]` the weighted cost of the U.S. road from
    crossing c to the hub of region m and `region_demand[d, m]` that region's share of
    the demand for drug d (us_demand.csv);
    `state_ptr`/`state_idx` the distinct Mexican states each candidate passes through (CSR
    over k); `crossing_ids` the crossing node ids, in file order.
    """

    origin_ids: tuple[str, ...]
    origin_state: np.ndarray
    origin_drugs: np.ndarray
    crossing_ids: tuple[str, ...]
    cand_origin: np.ndarray
    cand_crossing: np.ndarray
    cand_km: np.ndarray
    onward_km: np.ndarray
    region_demand: np.ndarray
    state_ptr: np.ndarray
    state_idx: np.ndarray

    @property
    def n_crossings(self) -> int:
        return len(self.crossing_ids)


def _path_nodes(network: CorridorNetwork, origin: int, segments: tuple[int, ...]) -> list[int]:
    nodes = [origin]
    for e in segments:
        a, b = (int(x) for x in network.edges[e])
        nodes.append(b if a == nodes[-1] else a)
    return nodes


@dataclass(frozen=True)
class _Candidates:
    """The candidate routes of one network and crackdown multiplier (RouteTable's fields of
    the same names); shared by every RouteTable made from the cache: never modified."""

    origins: tuple[int, ...]
    crossings: tuple[int, ...]
    cand_origin: np.ndarray
    cand_crossing: np.ndarray
    cand_km: np.ndarray
    state_ptr: np.ndarray
    state_idx: np.ndarray


def _candidates(network: CorridorNetwork, multiplier: float,
                state_codes: tuple[str, ...]) -> _Candidates:
    """Each origin's least-cost route to each crossing, and its detour when that route's
    segments cost `multiplier` times more (72 Dijkstra searches: worth caching)."""
    first = least_cost_routes(network, crossing_cost_km=0.0)
    origins, crossings = first.origins, first.crossings
    cand_origin, cand_crossing, cand_km, states = [], [], [], []
    for o, origin in enumerate(origins):
        for c in range(len(crossings)):
            path = first.paths[o][c]
            if not path:
                continue
            penalty = np.zeros(network.n_edges)
            penalty[list(path)] = multiplier - 1.0
            detour = least_cost_routes(network, penalty, crossing_cost_km=0.0).paths[o][c]
            for segments in (path, detour) if detour != path else (path,):
                nodes = _path_nodes(network, origin, segments)
                cand_origin.append(o)
                cand_crossing.append(c)
                cand_km.append(float(network.km[list(segments)].sum()))
                codes = sorted({network.state_codes[n] for n in nodes})
                states.append([state_codes.index(code) for code in codes])
    counts = np.array([len(s) for s in states])
    return _Candidates(
        origins=tuple(origins), crossings=tuple(crossings),
        cand_origin=np.array(cand_origin, dtype=np.int64),
        cand_crossing=np.array(cand_crossing, dtype=np.int64), cand_km=np.array(cand_km),
        state_ptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        state_idx=np.array([s for row in states for s in row], dtype=np.int64))


@lru_cache(maxsize=16)
def _packaged(detour: float, multiplier: float,
              state_codes: tuple[str, ...]) -> tuple[CorridorNetwork, _Candidates]:
    """The packaged network and its candidates: read and searched once per (detour,
    multiplier), not once per run or per calibration point."""
    network = load_network(detour=detour)
    return network, _candidates(network, multiplier, state_codes)


def route_table(params: Params, state_codes: Sequence[str],
                network: CorridorNetwork | None = None,
                markets: Markets | None = None) -> RouteTable:
    """The candidate routes of `network` (default: the packaged one, with `params`' detour)
    to the U.S. demand regions of `markets` (default: the packaged us_markets.csv)."""
    codes = tuple(state_codes)
    multiplier = params["territory_crackdown_multiplier"]
    if network is None:
        network, found = _packaged(params["territory_road_detour"], multiplier, codes)
    else:
        found = _candidates(network, multiplier, codes)
    markets = markets or load_markets()
    origins = found.origins
    sends = np.array([[drug in network.drugs[i] for i in origins] for drug in DRUGS], dtype=float)
    for drug, row in zip(DRUGS, sends, strict=True):
        if not row.any():
            raise CartelsimError(f"{NODES_FILE}: no origin sends {drug} (column drugs); every "
                                 f"drug of {', '.join(DRUGS)} needs one")
    return RouteTable(
        origin_ids=tuple(network.node_ids[i] for i in origins),
        origin_state=np.array([codes.index(network.state_codes[i]) for i in origins],
                              dtype=np.int64),
        origin_drugs=sends,
        crossing_ids=tuple(network.node_ids[i] for i in found.crossings),
        cand_origin=found.cand_origin,
        cand_crossing=found.cand_crossing,
        cand_km=found.cand_km,
        onward_km=params["territory_us_km_weight"] * markets.onward_km(network),
        region_demand=markets.demand,
        state_ptr=found.state_ptr,
        state_idx=found.state_idx,
    )


def crossing_factors(system: System, params: Params, interventions: Sequence[InterventionSpec],
                     start: pd.Timestamp, weeks: int, crossing_ids: Sequence[str],
                     source: str = "interventions") -> np.ndarray:
    """Crackdown factor per week and crossing, float [weeks, crossing] (1 = none); factors of
    interventions on the same crossing at the same time multiply."""
    factors = np.ones((weeks, len(crossing_ids)))
    plan = InterventionPlan(system, params, interventions, start, weeks, source)
    for item in plan.scheduled:
        for effect in item.effects:
            if isinstance(effect, RaiseCrossingCost):
                factors[item.first:item.last, list(crossing_ids).index(item.spec.crossing)] \
                    *= effect.factor
    return factors
