"""Benchmarks of the L1 engines, with reference implementations timed in the same run.

Figures are only comparable on one machine, so each result is reported beside a reference
measured in the same process: SciPy's LSODA for a single run and a plain batched NumPy
Euler loop for ensembles. Numba compilation is done (and timed) before any measurement.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import time
from collections.abc import Callable

import numpy as np
from scipy.integrate import solve_ivp

from cartelsim.engines.initial import zipf_sizes
from cartelsim.engines.plan import ConstantPlan
from cartelsim.engines.rates import ConflictStructure, l1_derivative
from cartelsim.engines.simulate import run_arrays, simulate
from cartelsim.engines.streams import stream
from cartelsim.params.catalogue import Params
from cartelsim.system.model import System

WEEKS = 520


def _median_ms(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def numpy_euler(structure: ConflictStructure, members0: np.ndarray, params: Params,
                weeks: int) -> np.ndarray:
    """The straightforward batched NumPy loop (explicit Euler, dense M): the reference."""
    matrix = structure.dense_matrix()
    members = members0.copy()
    rho, eta = params["recruitment_rate"], params["incapacitation"]
    theta, omega = params["conflict_lethality"], params["saturation"]
    for _ in range(weeks):
        total = members.sum(axis=1, keepdims=True)
        members = members + (rho * members - eta * members / total
                             - theta * members * (members @ matrix.T) - omega * members**2)
    return members


def _world_engine(system: System, params: Params) -> Callable[..., object]:
    """`run_arrays`'s job done by the world engine (engine arrays only, no Dataset)."""
    import pandas as pd

    from cartelsim.world.run import _simulate_chunk, base_structure
    from cartelsim.world.schedule import compile_interventions

    effects = compile_interventions(system, params, [], pd.Timestamp("2012-01-01"), WEEKS)
    base = base_structure(system)
    capacity = system.n_groups + max(32, system.n_groups // 4)  # run_world's first axis

    def run(members0: np.ndarray, weeks: int, engine: str = "deterministic",
            record_groups: bool = True) -> object:
        return _simulate_chunk(system, params, effects, members0, weeks,
                               engine == "stochastic", record_groups, 1, 0, capacity,
                               base=base)

    return run


def run_benchmarks(system: System, *, quick: bool = False, engine: str = "capped",
                   progress: Callable[[str], None] | None = None) -> dict[str, object]:
    """Measure the figures of the foundation issue; `quick` shrinks sizes for smoke tests.

    `engine` "capped" times `engines.simulate.run_arrays`, "world" the world step
    (`cartelsim.world`), both on engine arrays without building a Dataset."""
    say = progress or (lambda _message: None)
    params = Params.defaults()
    structure = ConflictStructure.from_system(system)
    expected = zipf_sizes(system, params["initial_members"])
    single = expected[None, :]
    ensemble_runs = 500 if quick else 10_000
    stochastic_runs = 20 if quick else 1_000
    euler_runs = 100 if quick else 1_000
    repeats = 5 if quick else 30
    rng = stream(0, "initial_sizes", 0)
    ensemble_initial = rng.poisson(expected, size=(ensemble_runs, system.n_groups)).astype(float)

    if engine == "world":
        run = _world_engine(system, params)
    elif engine == "capped":
        def run(members0: np.ndarray, weeks: int, **options: object) -> object:
            return run_arrays(structure, members0, ConstantPlan(params), weeks, seed=1,
                              **options)  # type: ignore[arg-type]
    else:
        raise ValueError(f"engine must be 'capped' or 'world', got {engine!r}")

    say("compiling engines")
    start = time.perf_counter()
    run(single, WEEKS)  # serial kernel
    run(ensemble_initial[:2], 2)  # threaded kernel
    run(np.rint(single), 2, engine="stochastic")
    run(np.rint(ensemble_initial[:2]), 2, engine="stochastic", record_groups=False)
    compile_s = time.perf_counter() - start

    say("single deterministic run")
    single_ms = _median_ms(lambda: run(single, WEEKS), repeats)
    totals_only_ms = _median_ms(lambda: run(single, WEEKS, record_groups=False), repeats)
    dataset_ms = _median_ms(lambda: simulate(system, params, weeks=WEEKS, initial="zipf"),
                            max(3, repeats // 3))
    rates = (params["recruitment_rate"], params["incapacitation"],
             params["conflict_lethality"], params["saturation"])
    lsoda_ms = _median_ms(
        lambda: solve_ivp(lambda _t, y: l1_derivative(y, structure, *rates), (0, WEEKS),
                          expected, method="LSODA", t_eval=np.arange(WEEKS + 1)),
        3 if quick else 10)

    say(f"deterministic ensemble of {ensemble_runs:,} runs")
    start = time.perf_counter()
    run(ensemble_initial, WEEKS, record_groups=False)
    ensemble_s = time.perf_counter() - start

    say(f"NumPy Euler reference, {euler_runs:,} runs")
    start = time.perf_counter()
    numpy_euler(structure, ensemble_initial[:euler_runs], params, WEEKS)
    euler_s = time.perf_counter() - start

    say(f"stochastic ensemble of {stochastic_runs:,} runs")
    start = time.perf_counter()
    run(np.rint(ensemble_initial[:stochastic_runs]), WEEKS, engine="stochastic",
        record_groups=False)
    stochastic_s = time.perf_counter() - start

    return {
        "system": system.name,
        "engine": engine,
        "groups": system.n_groups,
        "weeks": WEEKS,
        "quick": quick,
        "l1_single_run_ms": round(single_ms, 4),
        "l1_single_run_totals_only_ms": round(totals_only_ms, 4),
        "l1_single_run_dataset_ms": round(dataset_ms, 3),
        "scipy_lsoda_single_run_ms": round(lsoda_ms, 3),
        "speedup_vs_lsoda": round(lsoda_ms / single_ms, 1),
        "l1_ensemble_runs": ensemble_runs,
        "l1_ensemble_runs_per_s": round(ensemble_runs / ensemble_s, 1),
        "numpy_euler_runs_per_s": round(euler_runs / euler_s, 1),
        "speedup_vs_numpy_euler": round((ensemble_runs / ensemble_s) / (euler_runs / euler_s), 1),
        "l1_stochastic_runs": stochastic_runs,
        "l1_stochastic_runs_per_s": round(stochastic_runs / stochastic_s, 1),
        "compile_s": round(compile_s, 2),
        "machine": f"{_cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba_threads": _numba_threads(),
        "date": dt.date.today().isoformat(),
    }


def _numba_threads() -> int:
    import numba

    return int(numba.get_num_threads())


FLAGSHIP_PAIR = {
    "status-quo": "",
    "cjng-leader-killed": '''
[[interventions]]
action = "remove_leader"
kind = "killed"
succession = "contested"
start = 2026-02-22
target = { groups = ["cjng"] }
''',
}


def run_ensemble_benchmarks(runs: int = 1000, *,
                            progress: Callable[[str], None] | None = None) -> dict[str, object]:
    """Paired 10-year stochastic ensembles of the flagship pair on Mexico 2025, with the
    leadership mechanism, on local processes and on a local Dask cluster (same machine)."""
    import tempfile
    from pathlib import Path

    from cartelsim.ensembles.executors import make_executor
    from cartelsim.ensembles.runner import build_design, run_ensemble

    say = progress or (lambda _message: None)
    figures: dict[str, object] = {"ensemble_runs": 2 * runs}
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for name, extra in FLAGSHIP_PAIR.items():
            path = Path(folder) / f"{name}.toml"
            path.write_text(f'name = "{name}"\n[run]\nengine = "stochastic"\n{extra}',
                            encoding="utf-8")
            paths.append(path)
        design, scenarios = build_design(paths, runs, 1, 2026, "lhs", [],
                                         chunk_runs=max(1, runs // 8))
        for name in ("processes", "dask"):
            say(f"ensemble of {2 * runs:,} paired runs on {name}")
            executor = make_executor(name)
            try:
                warm = build_design(paths, 2, 1, 0, "lhs", [], chunk_runs=1)
                run_ensemble(*warm, Path(folder) / f"warm-{name}", executor)  # start workers
                start = time.perf_counter()
                run_ensemble(design, scenarios, Path(folder) / name, executor)
                seconds = time.perf_counter() - start
            finally:
                executor.close()
            figures[f"ensemble_{name}_s"] = round(seconds, 2)
    processes, dask = figures["ensemble_processes_s"], figures["ensemble_dask_s"]
    figures["ensemble_runs_per_s"] = round(2 * runs / processes, 1)
    figures["dask_overhead_vs_processes"] = round(dask / processes - 1.0, 3)
    return figures
