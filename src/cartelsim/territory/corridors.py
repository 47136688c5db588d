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

`crackdowns` turns the scenario's `crossing_crackdown` interventions into a factor per week
and crossing (1 = no crackdown), and its `segment_crackdown` interventions into the extra
cost per week of each candidate route over the segment, with the weeks of
`interventions.plan`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from cartelsim.errors import CartelsimError
from cartelsim.interventions.effects import RaiseCrossingCost, RaiseSegmentCost
from cartelsim.interventions.plan import InterventionPlan
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.params.catalogue import Params
from cartelsim.system.model import System
from cartelsim.territory.destinations import Markets, load_markets
from cartelsim.territory.market import DRUGS
from cartelsim.territory.network import NODES_FILE, CorridorNetwork, load_network, segment_index
from cartelsim.territory.routing import least_cost_routes


@dataclass(frozen=True)
class RouteTable:
    """Candidate routes as flat arrays (k = candidate).

    `origin_state[o]` state index of origin o; `origin_drugs[d, o]` 1 where origin o sends
    drug d (market.DRUGS order, nodes.csv `drugs`), else 0; `cand_origin[k]`, `cand_crossing[k]`,
    `cand_km[k]` road km in Mexico; `onward_km[c, m]` the weighted cost of the U.S. road from
    crossing c to the hub of region m and `region_demand[d, m]` that region's share of
    the demand for drug d (us_demand.csv);
    `state_ptr`/`state_idx` the distinct Mexican states each candidate passes through and
    `segment_ptr`/`segment_idx` its road segments (CSR over k), `segment_km` each segment's
    km; `crossing_ids` the crossing node ids, in file order.
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
    segment_ptr: np.ndarray
    segment_idx: np.ndarray
    segment_km: np.ndarray

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
    segment_ptr: np.ndarray
    segment_idx: np.ndarray


def _candidates(network: CorridorNetwork, multiplier: float,
                state_codes: tuple[str, ...]) -> _Candidates:
    """Each origin's least-cost route to each crossing, and its detour when that route's
    segments cost `multiplier` times more (72 Dijkstra searches: worth caching)."""
    first = least_cost_routes(network, crossing_cost_km=0.0)
    origins, crossings = first.origins, first.crossings
    cand_origin, cand_crossing, cand_km, states, roads = [], [], [], [], []
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
                roads.append(list(segments))
                codes = sorted({network.state_codes[n] for n in nodes})
                states.append([state_codes.index(code) for code in codes])
    counts = np.array([len(s) for s in states])
    return _Candidates(
        origins=tuple(origins), crossings=tuple(crossings),
        cand_origin=np.array(cand_origin, dtype=np.int64),
        cand_crossing=np.array(cand_crossing, dtype=np.int64), cand_km=np.array(cand_km),
        state_ptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        state_idx=np.array([s for row in states for s in row], dtype=np.int64),
        segment_ptr=np.concatenate([[0], np.cumsum([len(r) for r in roads])]).astype(np.int64),
        segment_idx=np.array([e for row in roads for e in row], dtype=np.int64))


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
        segment_ptr=found.segment_ptr,
        segment_idx=found.segment_idx,
        segment_km=network.km,
    )


@dataclass(frozen=True)
class Crackdowns:
    """The scenario's crackdowns, week by week: `crossing` the factor on each crossing's cost
    and seizure share [week, crossing] (1 = none); `route_extra` the extra km-equivalents
    each candidate route costs from segment crackdowns [week, route] (one row of zeros when
    there are none)."""

    crossing: np.ndarray
    route_extra: np.ndarray


def crackdowns(system: System, params: Params, interventions: Sequence[InterventionSpec],
               start: pd.Timestamp, weeks: int, routes: RouteTable,
               source: str = "interventions") -> Crackdowns:
    """The `crossing_crackdown` and `segment_crackdown` interventions as factors per week,
    with the weeks of `interventions.plan`; factors on the same crossing or segment at the
    same time multiply. A segment cracked down on by factor f adds its km x (f - 1) to every
    route over it."""
    crossing = np.ones((weeks, routes.n_crossings))
    segment = np.ones((weeks, routes.segment_km.size))
    plan = InterventionPlan(system, params, interventions, start, weeks, source)
    for item in plan.scheduled:
        for effect in item.effects:
            if isinstance(effect, RaiseCrossingCost):
                crossing[item.first:item.last, routes.crossing_ids.index(item.spec.crossing)] \
                    *= effect.factor
            elif isinstance(effect, RaiseSegmentCost):
                segment[item.first:item.last, segment_index(item.spec.segment)] *= effect.factor
    if (segment == 1.0).all():
        return Crackdowns(crossing, np.zeros((1, routes.cand_km.size)))
    extra = (segment - 1.0) * routes.segment_km[None, :]  # [week, segment]
    per_route = np.zeros((weeks, routes.cand_km.size))
    for k in range(routes.cand_km.size):
        on_route = routes.segment_idx[routes.segment_ptr[k]:routes.segment_ptr[k + 1]]
        per_route[:, k] = extra[:, on_route].sum(axis=1)
    return Crackdowns(crossing, per_route)
