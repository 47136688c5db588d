"""Ensemble designs: parameter samples over catalogue ranges, chunks, digests, validation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from cartelsim.ensembles.design import Chunk, Design, draw_samples, validate_parameters
from cartelsim.ensembles.runner import build_design
from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import CATALOGUE

NAMES = ("recruitment_rate", "incapacitation", "split_exponent")


def _unit(values: tuple[tuple[float, ...], ...], names: tuple[str, ...]) -> np.ndarray:
    """Sample values mapped back to [0, 1] on each parameter's plausible range."""
    points = np.array(values)
    low = np.array([CATALOGUE[n].low for n in names])
    high = np.array([CATALOGUE[n].high for n in names])
    return (points - low) / (high - low)


# --------------------------------------------------------------------------- draw_samples


@pytest.mark.parametrize("method,samples", [("lhs", 7), ("lhs", 1), ("sobol", 8)])
def test_samples_lie_within_each_parameter_range(method: str, samples: int) -> None:
    values = draw_samples(NAMES, samples, seed=11, method=method)  # type: ignore[arg-type]
    assert len(values) == samples and all(len(row) == len(NAMES) for row in values)
    for j, name in enumerate(NAMES):
        column = [row[j] for row in values]
        assert all(CATALOGUE[name].low <= v <= CATALOGUE[name].high for v in column), name
        assert all(isinstance(v, float) for v in column)


@pytest.mark.parametrize("method,samples", [("lhs", 7), ("lhs", 16), ("sobol", 8), ("sobol", 16)])
def test_one_point_in_each_stratum_of_every_dimension(method: str, samples: int) -> None:
    """Latin hypercube by construction; scrambled Sobol at a power of two is a net whose
    one-dimensional projections are stratified the same way."""
    unit = _unit(draw_samples(NAMES, samples, seed=5, method=method), NAMES)  # type: ignore[arg-type]
    strata = np.clip(np.floor(unit * samples).astype(int), 0, samples - 1)
    for j, name in enumerate(NAMES):
        assert sorted(strata[:, j]) == list(range(samples)), name


def test_sobol_differs_from_latin_hypercube() -> None:
    lhs = draw_samples(NAMES, 8, seed=3, method="lhs")
    sobol = draw_samples(NAMES, 8, seed=3, method="sobol")
    assert lhs != sobol


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_same_seed_same_values_other_seed_other_values(method: str) -> None:
    first = draw_samples(NAMES, 8, seed=42, method=method)  # type: ignore[arg-type]
    assert draw_samples(NAMES, 8, seed=42, method=method) == first  # type: ignore[arg-type]
    other = draw_samples(NAMES, 8, seed=43, method=method)  # type: ignore[arg-type]
    assert all(a != b for row_a, row_b in zip(first, other, strict=True)
               for a, b in zip(row_a, row_b, strict=True))


def test_unknown_method_is_refused() -> None:
    with pytest.raises(CartelsimError, match="'lhs' or 'sobol'.*'foo'"):
        draw_samples(NAMES, 4, seed=0, method="foo")  # type: ignore[arg-type]


def test_no_parameters_no_values() -> None:
    assert validate_parameters([]) == ()
    assert draw_samples((), 4, seed=0, method="lhs") == ()
    design = Design(("a.toml",), ("d",), runs=4, samples=1, seed=0)
    assert design.sample(0) == {}


def test_unknown_parameter_is_refused_with_a_suggestion() -> None:
    with pytest.raises(CartelsimError) as info:
        validate_parameters(["recruitment_rate", "incapacitaton"])
    message = str(info.value)
    assert "'incapacitaton'" in message and "did you mean 'incapacitation'" in message
    assert "\n" not in message


def test_a_parameter_listed_twice_is_refused() -> None:
    with pytest.raises(CartelsimError, match="twice"):
        validate_parameters(["recruitment_rate", "incapacitation", "recruitment_rate"])


def test_valid_names_keep_their_order() -> None:
    assert validate_parameters(list(reversed(NAMES))) == tuple(reversed(NAMES))


# --------------------------------------------------------------------------- Design


def _design(**changes: object) -> Design:
    base = Design(scenarios=("a.toml", "b.toml"), scenario_digests=("da", "db"), runs=10,
                  samples=3, seed=7, method="lhs", parameters=("recruitment_rate",),
                  chunk_runs=4, values=((0.0021,), (0.0025,), (0.0029,)))
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize("runs,chunk_runs", [(10, 4), (9, 3), (5, 5), (1, 1), (7, 100)])
def test_chunks_cover_every_run_exactly_once(runs: int, chunk_runs: int) -> None:
    design = _design(runs=runs, chunk_runs=chunk_runs)
    chunks = design.chunks()
    seen = [(c.scenario, c.sample, run) for c in chunks
            for run in range(c.first_run, c.first_run + c.runs)]
    expected = [(s, p, r) for s in range(2) for p in range(3) for r in range(runs)]
    assert sorted(seen) == expected  # every (scenario, sample, run) once, nothing else
    assert len({c.key for c in chunks}) == len(chunks)
    per_slice = -(-runs // chunk_runs)
    assert len(chunks) == 2 * 3 * per_slice
    for c in chunks:
        assert 1 <= c.runs <= chunk_runs
        assert c.first_run % chunk_runs == 0


def test_the_last_chunk_of_each_slice_is_shorter() -> None:
    design = _design(runs=10, chunk_runs=4)
    for s in range(2):
        for p in range(3):
            mine = [c for c in design.chunks() if (c.scenario, c.sample) == (s, p)]
            assert [(c.first_run, c.runs) for c in mine] == [(0, 4), (4, 4), (8, 2)]


def test_chunk_keys_sort_like_chunks() -> None:
    keys = [c.key for c in _design(runs=25, chunk_runs=3).chunks()]
    assert keys == sorted(keys)
    assert Chunk(1, 2, 30, 3).key == "s001_p00002_r0000030"


def test_sample_returns_named_values() -> None:
    design = _design()
    assert design.sample(1) == {"recruitment_rate": 0.0025}


def test_digest_is_stable_and_changes_with_every_field() -> None:
    base = _design()
    assert base.digest() == _design().digest()
    changed = {
        "scenarios": ("a.toml", "c.toml"), "scenario_digests": ("da", "dc"), "runs": 11,
        "samples": 2, "seed": 8, "method": "sobol", "parameters": ("incapacitation",),
        "chunk_runs": 5, "values": ((0.0021,), (0.0025,), (0.00291,)),
    }
    assert set(changed) == {f.name for f in dataclasses.fields(Design)}, "a field is untested"
    digests = {base.digest()}
    for name, value in changed.items():
        digest = _design(**{name: value}).digest()
        assert digest != base.digest(), name
        digests.add(digest)
    assert len(digests) == len(changed) + 1


# --------------------------------------------------------------------------- build_design


def test_samples_above_one_need_parameters(tmp_path: Path, make_scenario) -> None:
    a = make_scenario(tmp_path, "a")
    with pytest.raises(CartelsimError, match="--parameters"):
        build_design([a], runs=4, samples=3, seed=0, method="lhs", parameters=[], chunk_runs=2)


def test_build_design_refuses_unknown_parameters(tmp_path: Path, make_scenario) -> None:
    a = make_scenario(tmp_path, "a")
    with pytest.raises(CartelsimError, match="did you mean 'recruitment_rate'"):
        build_design([a], runs=4, samples=2, seed=0, method="lhs",
                     parameters=["recruitment_rat"], chunk_runs=2)


@pytest.mark.parametrize("field,options", [
    ("system", {"groups": 40}),
    ("start", {"start": "2026-06-01"}),
    ("horizon", {"weeks": 60}),
    ("engine", {"engine": "deterministic"}),
    # `cartelsim compare` refuses this pair too: money on changes the status quo itself
    ("mechanisms", {"extra": "[mechanisms]\nmoney = true\n"}),
], ids=["system", "start", "horizon", "engine", "mechanisms"])
def test_scenarios_must_share_their_world(tmp_path: Path, make_scenario, field: str,
                                          options: dict) -> None:
    a = make_scenario(tmp_path, "a")
    b = make_scenario(tmp_path, "b", policy=True)
    c = make_scenario(tmp_path, "c", **options)
    with pytest.raises(CartelsimError) as info:
        build_design([a, b, c], runs=4, samples=1, seed=0, method="lhs", parameters=[],
                     chunk_runs=2)
    message = str(info.value)
    assert f"differ in {field}" in message
    assert str(c) in message and "\n" not in message


def test_seeds_and_runs_are_the_ensembles_for_every_scenario(tmp_path: Path,
                                                             make_scenario) -> None:
    a = make_scenario(tmp_path, "a", seed=1, runs=5)
    b = make_scenario(tmp_path, "b", policy=True, seed=99, runs=300)
    design, scenarios = build_design([a, b], runs=6, samples=4, seed=3, method="sobol",
                                     parameters=["recruitment_rate", "incapacitation"],
                                     chunk_runs=4)
    for scenario in scenarios:
        assert scenario.run.seed == 3 and scenario.run.runs == 6
        assert scenario.run.record == "totals"
    assert [s.source for s in scenarios] == [str(a), str(b)]
    assert design.scenarios == (str(a), str(b))
    assert design.scenario_digests == tuple(s.digest for s in scenarios)
    assert design.runs == 6 and design.seed == 3 and design.samples == 4
    assert design.method == "sobol" and design.chunk_runs == 4
    assert design.parameters == ("recruitment_rate", "incapacitation")
    assert design.values == draw_samples(design.parameters, 4, 3, "sobol")


def test_scenarios_differing_only_in_seed_and_runs_pair(tmp_path: Path, make_scenario) -> None:
    """The files' own seeds and runs are replaced, so two copies become the same world."""
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    one = make_scenario(tmp_path / "one", "a", seed=1, runs=5)
    two = make_scenario(tmp_path / "two", "a", seed=77, runs=40)
    _, (first, second) = build_design([one, two], runs=6, samples=1, seed=3, method="lhs",
                                      parameters=[], chunk_runs=3)
    assert first.digest == second.digest


def test_build_design_is_reproducible(tmp_path: Path, make_scenario) -> None:
    a = make_scenario(tmp_path, "a")
    args = dict(runs=7, samples=3, seed=5, method="lhs", parameters=["split_fraction"],
                chunk_runs=100)
    first, _ = build_design([a], **args)  # type: ignore[arg-type]
    second, _ = build_design([a], **args)  # type: ignore[arg-type]
    assert first == second and first.digest() == second.digest()
    assert first.chunk_runs == 7  # never more than the runs
    a.write_text(a.read_text(encoding="utf-8").replace("weeks = 52", "weeks = 53"),
                 encoding="utf-8")
    changed, _ = build_design([a], **args)  # type: ignore[arg-type]
    assert changed.digest() != first.digest()


@pytest.mark.parametrize("runs,samples,chunk_runs", [(0, 1, 1), (1, 0, 1), (1, 1, 0)])
def test_counts_must_be_positive(tmp_path: Path, make_scenario, runs: int, samples: int,
                                 chunk_runs: int) -> None:
    a = make_scenario(tmp_path, "a")
    with pytest.raises(CartelsimError, match="at least 1"):
        build_design([a], runs=runs, samples=samples, seed=0, method="lhs",
                     parameters=["split_fraction"], chunk_runs=chunk_runs)


def test_no_scenario_is_refused() -> None:
    with pytest.raises(CartelsimError, match="at least one scenario"):
        build_design([], runs=1, samples=1, seed=0, method="lhs", parameters=[], chunk_runs=1)
