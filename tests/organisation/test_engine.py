"""The organisation engine's parts: generator, keyed draws, measures (against networkx),
reproducibility."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import xarray as xr

from cartelsim.errors import CartelsimError
from cartelsim.organisation import generate, removal_experiment, weeks_to_recover
from cartelsim.organisation import graph as g
from cartelsim.organisation.draws import run_key, uniform_py, uniforms
from cartelsim.organisation.experiment import build_schedule, simulate_run, split_options
from cartelsim.organisation.state import SLOTS, capacities, live_edges, new_state
from cartelsim.organisation.structure import ROLE_NAMES
from cartelsim.params.organisation import org_parameters


def _state(members: int = 200, seed: int = 1, **overrides):
    params = org_parameters(overrides)
    org = generate(members, params, seed)
    slots, arena = capacities(org.size, org.edges.shape[0], 10, params["recruit_rate"])
    return org, new_state(org, slots, arena)


def _graph(state) -> nx.Graph:
    graph = nx.Graph()
    n = int(state.ints[SLOTS])
    graph.add_nodes_from(int(u) for u in np.flatnonzero(state.alive[:n]))
    graph.add_edges_from(map(tuple, live_edges(state).tolist()))
    return graph


def test_generator_roles_hierarchy_and_seed():
    params = org_parameters()
    org = generate(1000, params, seed=7)
    counts = org.role_counts()
    assert counts == {"leader": 1, "lieutenant": 10, "financier": 5, "contact": 5,
                      "enforcer": 250, "lookout": 729}
    assert org.boss[0] == -1 and (org.boss[1:] >= 0).all()
    # bosses: lieutenants and financiers answer to the leader, lookouts to enforcers
    assert (org.boss[org.role == 1] == 0).all() and (org.boss[org.role == 2] == 0).all()
    assert (org.role[org.boss[org.role == 5]] == 4).all()
    assert (org.role[org.boss[org.role == 4]] == 1).all()
    graph = nx.Graph(org.edges.tolist())
    assert nx.is_connected(graph) and graph.number_of_nodes() == 1000
    assert (org.edges[:, 0] < org.edges[:, 1]).all()
    same = generate(1000, params, seed=7)
    assert np.array_equal(same.edges, org.edges)
    assert not np.array_equal(generate(1000, params, seed=8).edges, org.edges)
    compact = generate(1000, params, seed=7, compartmentalised=True)
    assert compact.edges.shape[0] < 0.8 * org.edges.shape[0]


@pytest.mark.parametrize("kwargs, fragment", [
    ({"lieutenants": 50}, "50 lieutenants"),
    ({"enforcer_share": 0.9, "lieutenant_share": 0.5}, "impossible structure"),
    ({"arrest_rate": -0.1}, "arrest_rate"),
    ({"sweep_fraction": 1.5, "sweep_week": 3}, "sweep_fraction"),
    ({"removal_week": 99}, "outside the horizon"),
    ({"lateral_tie": 1.0}, "did you mean 'lateral_ties'"),
])
def test_impossible_structures_are_one_line_errors(kwargs, fragment):
    with pytest.raises(CartelsimError, match=fragment.replace("(", r"\(")) as info:
        removal_experiment(40, "leader", "settled", weeks=20, runs=1, seed=0, **kwargs)
    assert "\n" not in str(info.value)


def test_keyed_draws_match_the_pure_python_hash():
    root = run_key(11, 3)
    keys = np.array([0, 1, 2, 12345, 2**63 + 5], dtype=np.uint64)
    fast = uniforms(np.uint64(root), keys, 17, 4)
    slow = [uniform_py(root, int(key), 17, 4) for key in keys]
    assert np.array_equal(fast, slow)
    many = uniforms(np.uint64(root), np.arange(20000, dtype=np.uint64), 1, 0)
    assert abs(many.mean() - 0.5) < 0.01 and 0 <= many.min() and many.max() < 1


def test_a_removal_does_not_reshuffle_other_members_luck():
    """With arrests as the only loss (no recruitment, deaths, exits or exposure through
    ties) and equal exposure for every role, the members arrested are decided by their own
    keyed draws: removing the leader changes nobody else's fate. A sequential generator
    (one stream drawn member after member) would shift every later member's draws."""
    quiet = dict(recruit_rate=0.0, death_rate=0.0, exit_rate=0.0, tie_exposure=0.0,
                 arrest_rate=0.01, arrest_exposure_leader=1.0, arrest_exposure_specialist=1.0)
    ends = {}
    for strategy in ("none", "leader"):
        options, params, _ = split_options(300, strategy, "uncertain", 60,
                                           {**quiet, "removal_week": 5})
        org = generate(300, params, seed=2)
        result = simulate_run(org, params, options, build_schedule(options, params), 2, 0)
        state = result.state
        n = int(state.ints[SLOTS])
        ends[strategy] = set(state.key[:n][state.alive[:n]].tolist())
    assert 0 not in ends["leader"]
    assert ends["leader"] == ends["none"] - {0}
    assert len(ends["none"]) < 260  # arrests did happen


def test_measures_agree_with_networkx():
    """Exact efficiency, command reach, components and betweenness on a damaged
    organisation equal networkx's."""
    _, state = _state(250, seed=3)
    rng = np.random.default_rng(0)
    for member in rng.choice(np.arange(1, 250), 40, replace=False):  # dead members are skipped
        state.alive[member] = False
        state.stamp[member] = -1  # as the engine marks them
    graph = _graph(state)
    eff, se = g.efficiency(state, np.uint64(1), 1, 10_000, 4)
    assert se == 0 and eff == pytest.approx(nx.global_efficiency(graph), rel=1e-12)
    reach, members = g.command_reach(state, 3)
    within = nx.single_source_shortest_path_length(graph, 0, cutoff=3)
    assert members == graph.number_of_nodes()
    assert reach == pytest.approx(len(within) / graph.number_of_nodes())
    reach_too, parent, largest, splinters, alive = g.structure_measures(state, 3, 3)
    assert (reach_too, parent) == (reach, members)
    parts = sorted(nx.connected_components(graph), key=len, reverse=True)
    assert alive == graph.number_of_nodes()
    assert largest == pytest.approx(len(parts[0]) / alive)
    assert splinters == sum(1 for p in parts if 0 not in p and len(p) >= 3)
    between = g.betweenness(state, np.uint64(1), 1, 10_000, 4)
    expected = nx.betweenness_centrality(graph, normalized=False)
    for node, value in expected.items():
        assert between[node] == pytest.approx(2 * value, abs=1e-9)


def test_sampled_efficiency_is_within_its_stated_error():
    _, state = _state(3000, seed=4)
    exact, _ = g.efficiency(state, np.uint64(1), 1, 10_000, 1)
    inside = 0
    for week in range(20):
        estimate, se = g.efficiency(state, np.uint64(9), week, 0, 32)
        assert se > 0
        inside += abs(estimate - exact) <= 2 * se
    assert inside >= 15  # about 95 % expected within 2 standard errors


def test_same_seed_same_results_whatever_the_threads():
    a = removal_experiment(120, "betweenness", "uncertain", weeks=40, runs=6, seed=9,
                           removal_week=10, threads=1)
    b = removal_experiment(120, "betweenness", "uncertain", weeks=40, runs=6, seed=9,
                           removal_week=10, threads=2)
    xr.testing.assert_identical(a, b)
    c = removal_experiment(120, "betweenness", "uncertain", weeks=40, runs=6, seed=10,
                           removal_week=10)
    assert not np.array_equal(a.command_reach.values, c.command_reach.values)


def test_dataset_layout_and_weeks_to_recover():
    ds = removal_experiment(200, "leader", "uncertain", weeks=80, runs=5, seed=1,
                            removal_week=20, exact_below=0, efficiency_sources=4)
    for name in ("command_reach", "efficiency", "largest_component", "splinters"):
        assert ds[name].dims == ("run", "time")
    assert ds.sizes == {"run": 5, "time": 81}
    assert ds.attrs["removal_week"] == 20 and (ds.status == 0).all()
    assert ((ds.command_reach >= 0) & (ds.command_reach <= 1)).all()
    weeks = weeks_to_recover(ds)
    assert weeks.shape == (5,)
    reach = ds.command_reach.values
    for run, w in enumerate(weeks):
        target = 0.9 * reach[run, 19]
        if np.isnan(w):
            assert (reach[run, 20:] < target).all()
        else:
            w = int(w)
            assert reach[run, 20 + w] >= target and (reach[run, 20:20 + w] < target).all()


def test_removal_strategies_remove_what_they_say():
    for strategy in ("leader", "degree", "random", "role:enforcer"):
        ds = removal_experiment(200, strategy, "settled", weeks=12, runs=2, seed=2,
                                removal_week=5, removal_count=2, exact_below=0,
                                efficiency_sources=1, death_rate=0.0, exit_rate=0.0,
                                arrest_rate=0.0, recruit_rate=0.0)
        removed = ds.removed.values
        assert (removed[:, 5] == (1 if strategy == "leader" else 2)).all(), strategy
        assert removed.sum() == removed[:, 5].sum()
        assert (ds.members.values[:, 5] == 200 - removed[:, 5]).all()
    assert "enforcer" in ROLE_NAMES


def test_member_engine_values_keep_their_origin_and_chain() -> None:
    params = org_parameters({"lieutenant_share": 0.02}, origin="org.toml")
    assert params["lieutenant_share"] == 0.02
    assert params.origin("lieutenant_share") == "org.toml"
    assert params.chain("lieutenant_share") == (("default", 0.01), ("org.toml", 0.02))
    assert params.origin("span_of_control") == "default"
