"""A slice of runs (first_run, runs) equals the same runs of the whole (STYLE.md 5).

Ensembles cut a scenario's runs into chunks run anywhere; this holds only if every random
stream (initial sizes, demography, leader-removal events, arrest sweeps) is keyed by the
global run number, never by the position in a batch.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from cartelsim.ensembles.design import Chunk
from cartelsim.ensembles.runner import KEPT, ChunkTask, build_design, run_chunk
from cartelsim.errors import CartelsimError
from cartelsim.scenarios.runner import run_scenario
from cartelsim.scenarios.schema import load_scenario
from cartelsim.world.run import join_runs, widen_groups

RUNS = 10
SLICES = [(0, 3), (3, 4), (7, 3), (5, 1), (9, 1)]


def _assert_slice_equals_whole(part: xr.Dataset, whole: xr.Dataset, first: int, runs: int,
                               same_data) -> None:
    assert list(part.run.values) == list(range(first, first + runs))
    expected = whole.isel(run=slice(first, first + runs))
    # the world engine's group axis is as wide as the slice's busiest run needs
    same_data(widen_groups(part, whole.sizes.get("group", 0)), expected)


@pytest.fixture(scope="module", params=["stochastic", "poisson", "deterministic"])
def policy_run(request, tmp_path_factory, make_scenario):
    """A policy scenario (probabilistic leader removals, arrest sweeps) and all its runs:
    the stochastic engine from the embedded sizes or Poisson initial sizes, and the
    deterministic engine (whose leader removals are still random)."""
    folder = tmp_path_factory.mktemp(f"slices-{request.param}")
    engine = "deterministic" if request.param == "deterministic" else "stochastic"
    path = make_scenario(folder, "policy", policy=True, weeks=78, runs=RUNS, seed=17,
                         engine=engine,
                         initial="poisson" if request.param == "poisson" else None)
    scenario = load_scenario(path)
    return scenario, run_scenario(scenario)


def test_the_whole_draws_from_every_stream(policy_run) -> None:
    """Guard against a vacuous slice test: runs differ, removals and sweeps happen."""
    scenario, whole = policy_run
    final = whole.total_members.isel(time=-1).values
    if scenario.run.engine == "stochastic":
        assert len(set(final)) == RUNS
    else:  # deterministic flows; the runs differ only by their random leader removals
        assert len(set(final)) > 1
    removals = whole.hvt_removals.sum("time").values
    assert removals.max() > 0 and len(set(removals)) > 1  # chance 0.6, uncertain succession
    # the sweep on 2026-03-01 (week 9) removes a share of the four largest groups
    assert (whole.total_arrests.isel(time=9) > 5 * whole.total_arrests.isel(time=8)).all()
    initial = whole.total_members.isel(time=0).values
    if scenario.run.initial == "poisson":
        assert len(set(initial)) == RUNS
    else:
        assert len(set(initial)) == 1


@pytest.mark.parametrize("first,runs", SLICES)
def test_a_slice_equals_the_same_runs_of_the_whole(policy_run, first: int, runs: int,
                                                   same_data) -> None:
    scenario, whole = policy_run
    part = run_scenario(scenario, first_run=first, runs=runs)
    _assert_slice_equals_whole(part, whole, first, runs, same_data)


def test_slices_put_together_are_the_whole(policy_run, same_data) -> None:
    scenario, whole = policy_run
    parts = [run_scenario(scenario, first_run=lo, runs=min(4, RUNS - lo))
             for lo in range(0, RUNS, 4)]
    same_data(join_runs(parts), whole)


def test_the_same_slice_with_sampled_parameters(policy_run, same_data) -> None:
    scenario, _ = policy_run
    params = scenario.params().override({"recruitment_rate": 0.0029, "split_hazard": 0.45},
                                        origin="sampled")
    whole = run_scenario(scenario, params=params)
    part = run_scenario(scenario, params=params, first_run=6, runs=3)
    _assert_slice_equals_whole(part, whole, 6, 3, same_data)


# --------------------------------------------------------------------------- run_chunk


@pytest.fixture(scope="module")
def chunk_design(tmp_path_factory, make_scenario):
    folder = tmp_path_factory.mktemp("chunk")
    a = make_scenario(folder, "a", weeks=60)
    b = make_scenario(folder, "b", policy=True, weeks=60, seed=4, runs=2)
    return build_design([a, b], runs=8, samples=3, seed=9, method="lhs",
                        parameters=["recruitment_rate", "split_hazard"], chunk_runs=3)


def test_a_chunk_is_those_runs_of_the_scenario_with_the_samples_values(chunk_design,
                                                                        same_data) -> None:
    design, scenarios = chunk_design
    chunk = Chunk(scenario=1, sample=2, first_run=3, runs=3)
    b = scenarios[1]
    task = ChunkTask(chunk, b.model_dump(mode="json", exclude={"source", "digest"}), b.source,
                     design.sample(2))
    returned, ds = run_chunk(task)
    assert returned == chunk
    assert set(ds.data_vars) <= set(KEPT) and "total_members" in ds
    assert set(ds.coords) <= {"run", "time", "week"}
    params = b.params().override(design.sample(2), origin="sampled")
    whole = run_scenario(b, params=params)  # runs = 8 (the design's), seed = 9
    expected = whole[list(ds.data_vars)].drop_vars(
        [c for c in whole.coords if c not in ("run", "time", "week")])
    _assert_slice_equals_whole(ds, expected, 3, 3, same_data)
    # the sample matters: the same chunk with the defaults is another result
    _, default = run_chunk(ChunkTask(chunk, task.scenario, task.source, {}))
    assert not np.array_equal(default.total_members.values, ds.total_members.values)


def test_every_sample_changes_the_world(chunk_design) -> None:
    """Samples of one scenario start from the same members and end elsewhere."""
    design, scenarios = chunk_design
    a = scenarios[0]
    data = a.model_dump(mode="json", exclude={"source", "digest"})
    starts, finals = [], []
    for p in range(design.samples):
        _, ds = run_chunk(ChunkTask(Chunk(0, p, 0, 3), data, a.source, design.sample(p)))
        starts.append(tuple(ds.total_members.isel(time=0).values))
        finals.append(tuple(ds.total_members.isel(time=-1).values))
    assert len(set(starts)) == 1
    assert len(set(finals)) == design.samples


def test_a_sampled_parameter_set_by_a_scenario_is_refused_or_used(tmp_path, make_scenario
                                                                   ) -> None:
    """The gathered ensemble labels each sample with its values (param_<name>); a scenario
    that also sets a sampled parameter must not silently replace the sampled value.

    Acceptable: build_design refuses the combination, or every sample runs with its own
    value (STYLE.md 1: default -> scenario file -> CLI -> sampled). Found: the scenario's
    value wins in run_chunk, so all samples give identical runs labelled with different
    recruitment rates.
    """
    a = make_scenario(tmp_path, "a", weeks=52, parameters="recruitment_rate = 0.0025")
    try:
        design, scenarios = build_design([a], runs=2, samples=2, seed=3, method="lhs",
                                         parameters=["recruitment_rate"], chunk_runs=2)
    except CartelsimError as exc:
        assert "recruitment_rate" in str(exc)
        return
    data = scenarios[0].model_dump(mode="json", exclude={"source", "digest"})
    finals = [run_chunk(ChunkTask(Chunk(0, p, 0, 2), data, scenarios[0].source,
                                  design.sample(p)))[1].total_members.isel(time=-1).values
              for p in range(2)]
    assert design.sample(0) != design.sample(1)
    assert not np.array_equal(finals[0], finals[1]), (
        f"samples {design.sample(0)} and {design.sample(1)} gave identical runs: the "
        "scenario's recruitment_rate = 0.0025 overrode the sampled value")
