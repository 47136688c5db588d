"""`simulate`: run an engine on a System and return a labelled Dataset.

    >>> ds = simulate(system, weeks=520)                               # the published model
    >>> ds = simulate(system, engine="stochastic", runs=200, seed=7)   # with demographic noise
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from cartelsim.engines import kernels
from cartelsim.engines.initial import zipf_sizes
from cartelsim.engines.rates import ConflictStructure
from cartelsim.engines.results import build_dataset
from cartelsim.engines.streams import stream
from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import Params
from cartelsim.system.model import System

ENGINES = ("deterministic", "stochastic")
Engine = Literal["deterministic", "stochastic"]
Record = Literal["groups", "totals"]
Progress = Callable[[int, int], None]

# Deterministic runs are integrated in slices of this many runs, so progress can be shown
# and the working set stays in cache; the slice does not change any result.
_DETERMINISTIC_SLICE = 2048


def initial_members(
    system: System,
    params: Params,
    runs: int,
    initial: str | np.ndarray,
    seed: int | None,
    engine: str,
) -> np.ndarray:
    """Initial members [run, group] from a rule name or an explicit array."""
    if isinstance(initial, np.ndarray):
        array = np.asarray(initial, dtype=float)
        if array.ndim == 1:
            array = np.broadcast_to(array, (runs, array.size)).copy()
        if array.shape != (runs, system.n_groups):
            raise CartelsimError(
                f"initial members must have shape ({system.n_groups},) or "
                f"({runs}, {system.n_groups}), got {array.shape}"
            )
        if not np.isfinite(array).all() or (array < 0).any():
            raise CartelsimError("initial members must be finite and non-negative")
    elif initial == "auto":
        return initial_members(system, params, runs,
                               "sizes" if system.size_hint is not None else "zipf", seed, engine)
    elif initial == "sizes":
        if system.size_hint is None or not np.isfinite(system.size_hint).all():
            raise CartelsimError(f"system {system.name!r} has no member count for every group; "
                                 "use initial='zipf'")
        array = np.broadcast_to(np.asarray(system.size_hint, dtype=float),
                                (runs, system.n_groups)).copy()
    elif initial == "zipf":
        array = np.broadcast_to(zipf_sizes(system, params["initial_members"]),
                                (runs, system.n_groups)).copy()
    elif initial == "poisson":
        if seed is None:
            raise CartelsimError("initial='poisson' needs a seed")
        expected = zipf_sizes(system, params["initial_members"])
        array = np.stack([stream(seed, "initial_sizes", r).poisson(expected) for r in range(runs)])
        array = array.astype(float)
    else:
        raise CartelsimError(
            f"initial must be 'auto', 'sizes', 'zipf', 'poisson' or an array, got {initial!r}")
    if engine == "stochastic":
        array = np.rint(array)
    return array


@dataclass
class EngineOutput:
    """Raw engine arrays (see `kernels` for shapes); `simulate` labels them."""

    totals: np.ndarray
    active: np.ndarray
    group_members: np.ndarray
    group_flows: np.ndarray
    status: np.ndarray


def run_arrays(
    structure: ConflictStructure,
    members0: np.ndarray,
    per_run: dict[str, np.ndarray],
    weeks: int,
    *,
    engine: str = "deterministic",
    seed: int | None = 0,
    record_groups: bool = True,
    progress: Progress | None = None,
) -> EngineOutput:
    """Run an engine on initial members [run, group] with per-run rates rho/eta/theta/omega."""
    runs, n = members0.shape
    shape_groups = (runs, weeks + 1) if record_groups else (0, 0)
    out = EngineOutput(
        # every cell is written by the kernels (NaN after a failure), so no zero-filling
        totals=np.empty((runs, weeks + 1, 5)),
        active=np.empty((runs, weeks + 1), dtype=np.int64),
        group_members=np.empty((*shape_groups, n)),
        group_flows=np.empty((*shape_groups, 4, n)),
        status=np.zeros(runs, dtype=np.int64),
    )
    if engine == "deterministic":
        _run_deterministic(members0, per_run, structure, weeks, out.totals, out.active,
                           out.group_members, out.group_flows, out.status, progress)
    else:
        _run_stochastic(members0, per_run, structure, weeks, seed, out.totals, out.active,
                        out.group_members, out.group_flows, out.status, progress)
    return out


def rates_per_run(params: Params, runs: int) -> dict[str, np.ndarray]:
    """The four L1 rates as arrays over runs (identical here; sampled in ensembles)."""
    return {
        key: np.full(runs, params[name])
        for key, name in (("rho", "recruitment_rate"), ("eta", "incapacitation"),
                          ("theta", "conflict_lethality"), ("omega", "saturation"))
    }


def simulate(
    system: System,
    params: Params | None = None,
    *,
    weeks: int = 520,
    runs: int = 1,
    engine: Engine = "deterministic",
    seed: int | None = 0,
    start: str | pd.Timestamp = "2012-01-01",
    week_offset: int = 0,
    initial: str | np.ndarray = "auto",
    record: Record = "groups",
    progress: Progress | None = None,
) -> xr.Dataset:
    """Run the L1 model and return a Dataset with dims (run, time[, group]).

    Args:
        system: the groups and their rivalry/alliance graph.
        params: parameter values (defaults: the published ones).
        weeks: number of weekly steps; the result has weeks + 1 dates.
        runs: replicates; deterministic runs differ only through `initial`.
        engine: "deterministic" (RK4 over each week) or "stochastic" (integer members).
        seed: root seed of every random stream (STYLE.md 5).
        start: calendar date of the first time point.
        week_offset: absolute week number of the first time point (for continuations).
        initial: "zipf" (expected published allocation), "poisson" (drawn around it),
            "sizes" (the system's own member counts), "auto" (sizes if the system has them,
            else zipf) or an array of members shaped [group] or [run, group].
        record: "groups" keeps per-group series; "totals" keeps national totals only
            (needed for large ensembles: per-group series take runs*weeks*groups*40 bytes).
        progress: called as progress(done_runs, total_runs).
    """
    if engine not in ENGINES:
        raise CartelsimError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if not isinstance(weeks, int | np.integer) or weeks < 1:
        raise CartelsimError(f"weeks must be a positive whole number, got {weeks!r}")
    if not isinstance(runs, int | np.integer) or runs < 1:
        raise CartelsimError(f"runs must be a positive whole number, got {runs!r}")
    if record not in ("groups", "totals"):
        raise CartelsimError(f"record must be 'groups' or 'totals', got {record!r}")
    if engine == "stochastic" and seed is None:
        raise CartelsimError("the stochastic engine needs a seed")
    params = params or Params.defaults()
    try:
        start_date = pd.Timestamp(start)
    except (ValueError, TypeError):
        raise CartelsimError(f"start must be a date like 2012-01-01, got {start!r}") from None
    members0 = initial_members(system, params, runs, initial, seed, engine)
    structure = ConflictStructure.from_system(system)
    out = run_arrays(structure, members0, rates_per_run(params, runs), weeks, engine=engine,
                     seed=seed, record_groups=record == "groups", progress=progress)
    return build_dataset(
        system=system, params=params, engine=engine, seed=seed, start=start_date,
        week_offset=week_offset, totals=out.totals, active=out.active,
        group_members=out.group_members if record == "groups" else None,
        group_flows=out.group_flows if record == "groups" else None, status=out.status,
        extra_attrs={"initial": initial if isinstance(initial, str) else "given"},
    )


def _run_deterministic(members0, per_run, structure, weeks, totals, active, group_members,
                       group_flows, status, progress) -> None:
    runs = members0.shape[0]
    record = group_members.shape[0] > 0
    for lo in range(0, runs, _DETERMINISTIC_SLICE):
        hi = min(lo + _DETERMINISTIC_SLICE, runs)
        batch = kernels.deterministic_batch if hi - lo > 1 else kernels.deterministic_serial
        batch(
            members0[lo:hi], per_run["rho"][lo:hi], per_run["eta"][lo:hi],
            per_run["theta"][lo:hi], per_run["omega"][lo:hi], structure.indptr,
            structure.indices, structure.weights, structure.inv_alliance, weeks,
            totals[lo:hi], active[lo:hi],
            group_members[lo:hi] if record else group_members,
            group_flows[lo:hi] if record else group_flows, status[lo:hi],
        )
        if progress is not None:
            progress(hi, runs)


def _run_stochastic(members0, per_run, structure, weeks, seed, totals, active, group_members,
                    group_flows, status, progress) -> None:
    """Runs go to a small thread pool (the kernel releases the GIL). Run r always draws from
    its own stream and writes only row r, so results do not depend on the thread count."""
    runs = members0.shape[0]

    def one(r: int) -> None:
        kernels.stochastic_run(
            members0[r], per_run["rho"][r], per_run["eta"][r], per_run["theta"][r],
            per_run["omega"][r], structure.indptr, structure.indices, structure.weights,
            structure.inv_alliance, weeks, stream(seed, "demography", r), totals, active,
            group_members, group_flows, r, status,
        )

    workers = min(runs, os.cpu_count() or 1)
    if workers == 1:
        for r in range(runs):
            one(r)
            if progress is not None:
                progress(r + 1, runs)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for done, _ in enumerate(pool.map(one, range(runs)), start=1):
            if progress is not None:
                progress(done, runs)
