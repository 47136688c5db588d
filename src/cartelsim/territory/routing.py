"""Least-cost routes to the border and how a flow splits over the crossings.

Costs are in km-equivalents. A segment costs ``km × (1 + penalty)``, where the penalty array
says how much harder that segment is to use (a rival's control, a crackdown: see
`crackdown_penalties`). Using crossing ``c`` adds ``crossing_cost_km × (1 + crossing_penalty[c])``.
Routes come from Dijkstra's algorithm in ``scipy.sparse.csgraph``.

A shipper does not put everything on the single cheapest crossing: the split is a logit over
the route costs, ``share_c ∝ exp(-cost_c / dispersion)`` (dispersion in km-equivalents, from the
catalogue). Raising one crossing's cost therefore lowers its share and raises every other
crossing's share — the diversion of EVIDENCE F7 (Dell 2015) and F17 (Magliocca et al. 2019).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from cartelsim.territory.network import CorridorNetwork


@dataclass(frozen=True)
class Routes:
    """Least-cost routes from every origin to every crossing.

    `cost[o, c]` is the km-equivalent cost from origin `origins[o]` to crossing `crossings[c]`,
    crossing cost included (``inf`` if unreachable); `paths[o][c]` the segment indices in order.
    """

    origins: tuple[int, ...]
    crossings: tuple[int, ...]
    cost: np.ndarray  # (n_origins, n_crossings)
    paths: tuple[tuple[tuple[int, ...], ...], ...]


def _check(name: str, values: np.ndarray, size: int) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if values.shape != (size,):
        raise ValueError(f"{name} must have shape ({size},), got {values.shape}")
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(f"{name} must be finite and non-negative")
    return values


def segment_costs(network: CorridorNetwork, penalty: np.ndarray | None = None) -> np.ndarray:
    """km × (1 + penalty) per segment; `penalty` has shape (n_edges,), default zeros."""
    if penalty is None:
        return network.km.copy()
    return network.km * (1.0 + _check("penalty", penalty, network.n_edges))


def least_cost_routes(network: CorridorNetwork, penalty: np.ndarray | None = None,
                      crossing_penalty: np.ndarray | None = None,
                      crossing_cost_km: float | None = None) -> Routes:
    """Cheapest route from each origin to each crossing (Dijkstra on the undirected network).

    `crossing_penalty` has one entry per crossing (order of `network.crossings`); the cost of
    using crossing c is ``crossing_cost_km × (1 + crossing_penalty[c])``.
    """
    if crossing_cost_km is None:
        from cartelsim.params.catalogue import CATALOGUE

        crossing_cost_km = CATALOGUE["territory_crossing_cost"].default
    origins, crossings = network.origins, network.crossings
    extra = np.zeros(len(crossings)) if crossing_penalty is None else _check(
        "crossing_penalty", crossing_penalty, len(crossings))
    weights = segment_costs(network, penalty)
    i, j = network.edges[:, 0], network.edges[:, 1]
    graph = sp.csr_matrix((weights, (i, j)), shape=(network.n_nodes, network.n_nodes))
    distance, predecessors = dijkstra(graph, directed=False, indices=list(origins),
                                      return_predecessors=True)
    edge_of = {}
    for e, (a, b) in enumerate(network.edges):
        edge_of[(int(a), int(b))] = edge_of[(int(b), int(a))] = e
    cost = distance[:, list(crossings)] + crossing_cost_km * (1.0 + extra)[None, :]
    paths = []
    for o, origin in enumerate(origins):
        row = []
        for crossing in crossings:
            segments: list[int] = []
            node = crossing
            if np.isfinite(distance[o, crossing]):
                while node != origin:
                    previous = int(predecessors[o, node])
                    segments.append(edge_of[(previous, node)])
                    node = previous
            row.append(tuple(reversed(segments)))
        paths.append(tuple(row))
    return Routes(tuple(origins), tuple(crossings), cost, tuple(paths))


def crossing_shares(cost: np.ndarray, dispersion_km: float | None = None) -> np.ndarray:
    """Logit split over crossings along the last axis: exp(-cost/dispersion), normalised.

    Rows whose crossings are all unreachable (all ``inf``) get zero shares. Shapes: (..., n_c).
    """
    if dispersion_km is None:
        from cartelsim.params.catalogue import CATALOGUE

        dispersion_km = CATALOGUE["territory_route_dispersion"].default
    if not dispersion_km > 0:
        raise ValueError(f"dispersion_km must be positive, got {dispersion_km!r}")
    cost = np.asarray(cost, dtype=float)
    best = np.min(cost, axis=-1, keepdims=True)
    finite_best = np.where(np.isfinite(best), best, 0.0)
    weight = np.where(np.isfinite(cost), np.exp(-(cost - finite_best) / dispersion_km), 0.0)
    total = weight.sum(axis=-1, keepdims=True)
    return np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)


def split_flow(routes: Routes, supply: np.ndarray, dispersion_km: float | None = None) -> np.ndarray:
    """Tonnes per crossing from tonnes supplied per origin; conserves the total reachable supply.

    `supply` has shape (n_origins,), the order of `routes.origins`.
    """
    supply = _check("supply", supply, len(routes.origins))
    return supply @ crossing_shares(routes.cost, dispersion_km)


def segment_flows(network: CorridorNetwork, routes: Routes, supply: np.ndarray,
                  dispersion_km: float | None = None) -> np.ndarray:
    """Tonnes carried by each segment when every origin-crossing flow takes its cheapest route."""
    supply = _check("supply", supply, len(routes.origins))
    flow = supply[:, None] * crossing_shares(routes.cost, dispersion_km)
    on_edge = np.zeros(network.n_edges)
    for o, row in enumerate(routes.paths):
        for c, path in enumerate(row):
            if path:
                on_edge[list(path)] += flow[o, c]
    return on_edge


def crackdown_penalties(network: CorridorNetwork, *, segments: tuple[int, ...] = (),
                        crossings: tuple[str, ...] = (), multiplier: float | None = None,
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Penalty arrays for a crackdown: affected segments and crossings cost `multiplier` times more.

    Returns (segment penalty (n_edges,), crossing penalty (n_crossings,)) to pass to
    `least_cost_routes`; ``multiplier`` defaults to the catalogue's ``territory_crackdown_multiplier``.
    """
    if multiplier is None:
        from cartelsim.params.catalogue import CATALOGUE

        multiplier = CATALOGUE["territory_crackdown_multiplier"].default
    if not multiplier >= 1.0:
        raise ValueError(f"multiplier must be >= 1, got {multiplier!r}")
    segment_penalty = np.zeros(network.n_edges)
    segment_penalty[list(segments)] = multiplier - 1.0
    crossing_penalty = np.zeros(len(network.crossings))
    crossing_ids = [network.node_ids[c] for c in network.crossings]
    for name in crossings:
        if name not in crossing_ids:
            raise ValueError(f"{name!r} is not a crossing; expected one of {', '.join(crossing_ids)}")
        crossing_penalty[crossing_ids.index(name)] = multiplier - 1.0
    return segment_penalty, crossing_penalty
