"""Sample parameters with SALib, run the scenario at each point, collect one output.

Each point is one chunk of the ensemble machinery (same executors, same streams): run k of
every point uses the same random draws, so differences between points come from the
parameters, not from noise (common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from cartelsim.analysis.compare import FLOW_WINDOW_WEEKS, FLOWS, months_to_weeks
from cartelsim.ensembles.design import Chunk, validate_parameters
from cartelsim.ensembles.executors import Executor
from cartelsim.ensembles.runner import OUTPUTS, chunk_task, run_chunk
from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import CATALOGUE
from cartelsim.scenarios.schema import Scenario

MAX_POINTS = 20_000


def problem_for(names: list[str]) -> dict:
    """The SALib problem over the catalogue's plausible ranges."""
    names = list(validate_parameters(names))
    if len(names) < 2:
        raise CartelsimError("sensitivity needs at least two parameters")
    return {"num_vars": len(names), "names": names,
            "bounds": [[CATALOGUE[n].low, CATALOGUE[n].high] for n in names]}


def sample(problem: dict, method: str, base: int, seed: int) -> np.ndarray:
    """Morris: `base` trajectories; Sobol: `base` (a power of two) x (D + 2) points."""
    if method == "morris":
        points = morris_sample.sample(problem, base, num_levels=4, seed=seed)
    elif method == "sobol":
        if base & (base - 1):
            raise CartelsimError(f"--samples for sobol must be a power of two, got {base}")
        points = sobol_sample.sample(problem, base, calc_second_order=False, seed=seed)
    else:
        raise CartelsimError(f"method must be morris or sobol, got {method!r}")
    if len(points) > MAX_POINTS:
        raise CartelsimError(f"{len(points)} points is more than {MAX_POINTS}; lower --samples")
    return points


def evaluate(scenario: Scenario, problem: dict, points: np.ndarray, output: str,
             horizon_months: float, executor: Executor,
             progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """The output (mean over the scenario's runs) at the horizon, for every point."""
    if output not in OUTPUTS:
        raise CartelsimError(f"output must be one of {', '.join(OUTPUTS)}, "
                             f"got {output!r}")
    step = months_to_weeks(horizon_months)
    if not 1 <= step <= scenario.horizon.weeks:
        raise CartelsimError(f"horizon {horizon_months:g} months is outside the scenario's "
                             f"{scenario.horizon.weeks} weeks")
    totals = scenario.derive(run={"record": "totals"})
    tasks = [chunk_task(Chunk(0, i, 0, scenario.run.runs), totals,
                        dict(zip(problem["names"], map(float, row), strict=True)))
             for i, row in enumerate(points)]
    values = np.full(len(points), np.nan)
    window = slice(max(1, step - FLOW_WINDOW_WEEKS + 1), step + 1) if output in FLOWS \
        else slice(step, step + 1)
    for done, (chunk, ds) in enumerate(executor.run(run_chunk, tasks), start=1):
        ok = ds["status"].values == 0
        if ok.any():
            values[chunk.sample] = float(ds[output].isel(time=window).mean("time")
                                         .values[ok].mean())
        if progress is not None:
            progress(done, len(tasks))
    return values
