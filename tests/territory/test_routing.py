"""Least-cost routes and the logit split: every crossing is reachable, flow is conserved, and a
crackdown at one crossing diverts flow to the others (EVIDENCE F7, F17)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cartelsim.territory.network import load_network
from cartelsim.territory.routing import (
    crackdown_penalties,
    crossing_shares,
    least_cost_routes,
    segment_costs,
    segment_flows,
    split_flow,
)

NETWORK = load_network()
CROSSING_IDS = [NETWORK.node_ids[c] for c in NETWORK.crossings]


def test_every_origin_reaches_every_crossing_along_connected_segments() -> None:
    routes = least_cost_routes(NETWORK)
    assert np.all(np.isfinite(routes.cost))
    for o, origin in enumerate(routes.origins):
        for c, crossing in enumerate(routes.crossings):
            path = routes.paths[o][c]
            assert path, (NETWORK.node_ids[origin], NETWORK.node_ids[crossing])
            node = origin
            for e in path:  # consecutive segments chain from the origin to the crossing
                a, b = NETWORK.edges[e]
                assert node in (a, b)
                node = b if node == a else a
            assert node == crossing


def test_route_costs_agree_with_an_independent_shortest_path_library() -> None:
    """scipy's Dijkstra (used) against networkx's, with random segment penalties."""
    rng = np.random.default_rng(7)
    penalty = rng.uniform(0, 2, NETWORK.n_edges)
    routes = least_cost_routes(NETWORK, penalty, crossing_cost_km=0.0)
    graph = nx.Graph()
    for (a, b), w in zip(NETWORK.edges, segment_costs(NETWORK, penalty), strict=True):
        graph.add_edge(int(a), int(b), weight=float(w))
    for o, origin in enumerate(routes.origins):
        lengths = nx.single_source_dijkstra_path_length(graph, origin)
        for c, crossing in enumerate(routes.crossings):
            assert routes.cost[o, c] == pytest.approx(lengths[crossing])
            path_cost = segment_costs(NETWORK, penalty)[list(routes.paths[o][c])].sum()
            assert path_cost == pytest.approx(lengths[crossing])


@pytest.mark.parametrize("crossing", CROSSING_IDS)
def test_a_crackdown_at_one_crossing_lowers_its_share_and_raises_every_other(crossing: str) -> None:
    supply = np.ones(len(NETWORK.origins))
    base = split_flow(least_cost_routes(NETWORK), supply)
    seg, cross = crackdown_penalties(NETWORK, crossings=(crossing,), multiplier=3.0)
    after = split_flow(least_cost_routes(NETWORK, seg, cross), supply)
    k = CROSSING_IDS.index(crossing)
    assert after[k] < base[k]
    others = np.arange(len(CROSSING_IDS)) != k
    assert np.all(after[others] > base[others])
    assert after.sum() == pytest.approx(base.sum()) == pytest.approx(supply.sum())


def test_a_crackdown_on_a_corridor_segment_moves_tonnes_off_it() -> None:
    """Raising the cost of the Hermosillo–Santa Ana segment moves its flow to other segments."""
    supply = np.ones(len(NETWORK.origins))
    edge = next(e for e, (a, b) in enumerate(NETWORK.edges)
                if {NETWORK.node_ids[a], NETWORK.node_ids[b]} == {"hermosillo", "santa_ana"})
    before = segment_flows(NETWORK, least_cost_routes(NETWORK), supply)
    seg, cross = crackdown_penalties(NETWORK, segments=(edge,), multiplier=5.0)
    after = segment_flows(NETWORK, least_cost_routes(NETWORK, seg, cross), supply)
    assert before[edge] > 0 and after[edge] < before[edge]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 5e3), min_size=8, max_size=8),
       st.floats(1.0, 1e4), st.integers(0, 7), st.floats(1.0, 500.0))
def test_logit_shares_sum_to_one_and_divert_from_a_dearer_crossing(
        costs: list[float], dispersion: float, k: int, raise_by: float) -> None:
    cost = np.asarray(costs)
    shares = crossing_shares(cost, dispersion)
    assert shares.sum() == pytest.approx(1.0)
    assert np.all(shares >= 0)
    dearer = cost.copy()
    dearer[k] += raise_by
    after = crossing_shares(dearer, dispersion)
    assert after[k] <= shares[k]
    assert np.all(np.delete(after, k) >= np.delete(shares, k))


def test_unreachable_crossings_get_no_share_and_unreachable_rows_nothing() -> None:
    cost = np.array([[100.0, np.inf, 300.0], [np.inf, np.inf, np.inf]])
    shares = crossing_shares(cost, 100.0)
    assert shares[0, 1] == 0 and shares[0].sum() == pytest.approx(1.0)
    assert np.all(shares[1] == 0)


def test_conservation_of_tonnes_from_origins_to_crossings() -> None:
    rng = np.random.default_rng(3)
    supply = rng.uniform(0, 10, len(NETWORK.origins))
    routes = least_cost_routes(NETWORK)
    assert split_flow(routes, supply).sum() == pytest.approx(supply.sum())


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"penalty": np.full(3, 0.1)}, "penalty must have shape"),
    ({"penalty": np.full(NETWORK.n_edges, -0.5)}, "non-negative"),
    ({"crossing_penalty": np.full(8, np.nan)}, "finite"),
])
def test_bad_penalty_arrays_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        least_cost_routes(NETWORK, **kwargs)


def test_a_crackdown_on_an_unknown_crossing_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="nuevo_laredo"):
        crackdown_penalties(NETWORK, crossings=("laredo",))
