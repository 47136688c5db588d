"""Same seed, same results: repeated runs, every executor, and a fresh interpreter that
compiles the engines from an empty Numba cache (what a reinstall does).

The scenario exercises every random stream at once: the stochastic engine, Poisson initial
sizes, a contested leader removal (splits), an arrest sweep, money and protection on.
Equality is bitwise (`assert_array_equal`), not within a tolerance.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

SCENARIO = """name = "determinism"
[system]
groups = 30
[horizon]
start = 2026-01-01
weeks = 40
[run]
engine = "{engine}"
runs = 3
seed = 9
initial = "{initial}"
[mechanisms]
money = true
protection = true
[[interventions]]
action = "remove_leader"
kind = "killed"
succession = "contested"
start = 2026-02-05
target = {{ groups = ["cjng"] }}
[[interventions]]
action = "arrest_sweep"
effect = 0.1
start = 2026-03-05
every_weeks = 8
end = 2026-09-01
target = {{ largest = 3 }}
"""


def write(folder: Path, engine: str = "stochastic", name: str = "s.toml") -> Path:
    initial = "poisson" if engine == "stochastic" else "zipf"
    path = folder / name
    path.write_text(SCENARIO.format(engine=engine, initial=initial), encoding="utf-8")
    return path


def assert_identical_numbers(a: xr.Dataset, b: xr.Dataset) -> None:
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)
    for name in a.coords:
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)


@pytest.mark.parametrize("engine", ["stochastic", "deterministic"])
def test_repeated_runs_are_identical(tmp_path: Path, engine: str) -> None:
    from cartelsim.scenarios.runner import run_scenario
    from cartelsim.scenarios.schema import load_scenario

    scenario = load_scenario(write(tmp_path, engine))
    first, second = run_scenario(scenario), run_scenario(scenario)
    assert_identical_numbers(first, second)
    assert first.attrs == second.attrs
    assert (first["status"] == 0).all()


def test_another_seed_gives_other_numbers(tmp_path: Path) -> None:
    """The check above could pass with a constant; a different seed must change things."""
    from cartelsim.scenarios.runner import run_scenario
    from cartelsim.scenarios.schema import load_scenario, parse_scenario

    scenario = load_scenario(write(tmp_path))
    data = scenario.model_dump(exclude={"source", "digest"})
    data["run"]["seed"] = 10
    other = run_scenario(parse_scenario(data))
    assert not np.array_equal(run_scenario(scenario)["total_deaths"].values[:, 1:],
                              other["total_deaths"].values[:, 1:])


LONG_ONLY = pytest.mark.long  # deselected by default; `make reliability` runs it


@LONG_ONLY
@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_every_executor_gives_the_serial_ensemble(tmp_path: Path, executor: str) -> None:
    """The same ensemble (2 scenarios x 2 sampled parameter sets x 3 runs in chunks of 2)
    on the serial executor and on `executor` (2 workers)."""
    from cartelsim.ensembles.executors import make_executor
    from cartelsim.ensembles.runner import build_design, run_ensemble

    base = write(tmp_path, name="base.toml")
    policy = tmp_path / "policy.toml"
    policy.write_text(base.read_text(encoding="utf-8").replace(
        'name = "determinism"', 'name = "policy"') + '[[interventions]]\naction = '
        '"scale_arrests"\neffect = 1.5\nstart = 2026-04-02\n', encoding="utf-8")
    design, scenarios = build_design([base, policy], runs=3, samples=2, seed=4, method="lhs",
                                     parameters=["recruitment_rate", "split_hazard"],
                                     chunk_runs=2)
    results = {}
    for name in ("serial", executor):
        pool = make_executor(name, None, 2)
        try:
            store = run_ensemble(design, scenarios, tmp_path / name, pool)
        finally:
            pool.close()
        results[name] = store.gather()
    assert_identical_numbers(results["serial"], results[executor])


def _run_in_fresh_interpreter(folder: Path, out: str, cache: Path | None) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = str(cache)  # empty: every kernel is compiled again
    done = subprocess.run([sys.executable, "-m", "cartelsim", "run", "s.toml", "--quiet",
                           "--out", out], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("cache", [
    "usual", pytest.param("clean", marks=LONG_ONLY)])  # a clean cache compiles for ~30 s
def test_a_fresh_interpreter_gives_the_same_numbers(tmp_path: Path, cache: str) -> None:
    """One scenario computed in this process and in a new interpreter; with `clean`, the new
    interpreter compiles every kernel from an empty NUMBA_CACHE_DIR (a reinstall). The NetCDF
    file holds the same numbers bit for bit, and its provenance names the same inputs."""
    from cartelsim.io.export import load_results
    from cartelsim.scenarios.runner import run_scenario
    from cartelsim.scenarios.schema import load_scenario

    write(tmp_path)
    folder = None
    if cache == "clean":
        folder = tmp_path / "numba-cache"
        folder.mkdir()
    _run_in_fresh_interpreter(tmp_path, "fresh.nc", folder)
    if folder is not None:
        assert any(folder.rglob("*.nbi")), "nothing was compiled into the clean cache"
    here = run_scenario(load_scenario(tmp_path / "s.toml"))
    fresh = load_results(tmp_path / "fresh.nc")
    assert_identical_numbers(here[list(fresh.data_vars)], fresh)
    for key in ("seed", "engine", "parameters", "scenario_digest", "cartelsim_version"):
        assert fresh.attrs[key] == here.attrs[key], key
