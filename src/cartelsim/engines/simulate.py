"""`simulate`: run an engine on a System and return a labelled Dataset.

    >>> ds = simulate(system, weeks=520)                               # the published model
    >>> ds = simulate(system, engine="stochastic", runs=200, seed=7)   # with demographic noise
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from cartelsim.engines import kernels
from cartelsim.engines.initial import zipf_sizes
from cartelsim.engines.observation import add_observations
from cartelsim.engines.plan import ConstantPlan, Plan, Setting
from cartelsim.engines.rates import ConflictStructure
from cartelsim.engines.results import build_dataset
from cartelsim.engines.stochastic_kernel import rng_list, stochastic_batch, stochastic_serial
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
    first_run: int = 0,
) -> np.ndarray:
    """Initial members [run, group] from a rule name or an explicit array.

    Runs are numbered from `first_run`, so a slice of an ensemble draws what the whole
    ensemble would draw for those runs.
    """
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
                               "sizes" if system.size_hint is not None else "zipf", seed, engine,
                               first_run)
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
        array = np.stack([stream(seed, "initial_sizes", first_run + r).poisson(expected)
                          for r in range(runs)])
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

    totals: np.ndarray  # [run, time, 5]: members, recruits, arrests, deaths, exits
    active: np.ndarray  # [run, time]
    group_members: np.ndarray  # [run, time, group] or empty
    group_flows: np.ndarray  # [run, time, 4, group] or empty
    status: np.ndarray  # [run]
    observable: dict[str, np.ndarray]  # observable actions per [run, time]
    transfers: np.ndarray | None = None  # members moved between groups [run, time, group]


def run_arrays(
    structure: ConflictStructure,
    members0: np.ndarray,
    plan: Plan,
    weeks: int,
    *,
    engine: str = "deterministic",
    seed: int | None = 0,
    record_groups: bool = True,
    progress: Progress | None = None,
    first_run: int = 0,
) -> EngineOutput:
    """Run an engine from members0 [run, group] under `plan` for `weeks` weeks.

    The horizon is cut into segments where the plan changes; removals at a segment's start
    are subtracted from members and counted as arrests of that week.
    """
    runs, n = members0.shape
    shape_groups = (runs, weeks + 1) if record_groups else (0, 0)
    out = EngineOutput(
        # every cell is written (NaN after a failure), so no zero-filling
        totals=np.empty((runs, weeks + 1, 5)),
        active=np.empty((runs, weeks + 1), dtype=np.int64),
        group_members=np.empty((*shape_groups, n)),
        group_flows=np.empty((*shape_groups, 4, n)),
        status=np.zeros(runs, dtype=np.int64),
        observable={},
    )
    members = members0.astype(float).copy()
    _record_start(members, out, record_groups)
    memory = Memory.empty(runs, n, record_groups)
    previous: Setting | None = None
    rngs = (rng_list([stream(seed, "demography", first_run + r) for r in range(runs)])
            if engine == "stochastic" else None)
    lo = 0
    while lo < weeks:
        setting = plan.setting(lo, members)
        hi = min(max(plan.next_change(lo, weeks), lo + 1), weeks)
        if setting.transfers is not None:
            members += setting.transfers
            out.transfers = out.transfers if out.transfers is not None else np.zeros(
                (runs, weeks + 1, n))
            out.transfers[:, lo + 1] += setting.transfers  # the week ending at lo + 1
        jump = _removals(setting.removal, members, engine, seed, lo, first_run)
        members -= jump
        if previous is None or jump.any() or setting.transfers is not None \
                or not _same_rates(previous, setting):
            memory.since[:] = 0  # restart the multistep rule with RK4
        previous = setting
        for name, counts in setting.observable.items():
            out.observable.setdefault(name, np.zeros((runs, weeks + 1)))[:, lo] += counts
        schedule = _schedule_arrays(setting, runs, hi - lo)
        if engine == "deterministic":
            _segment_deterministic(members, setting, jump, structure, lo, hi - lo, out, memory,
                                   schedule)
        else:
            _segment_stochastic(members, setting, jump, structure, lo, hi - lo, rngs, out,
                                schedule)
        if progress is not None:
            progress(hi, weeks)
        lo = hi
    return out


def _record_start(members: np.ndarray, out: EngineOutput, record_groups: bool) -> None:
    """Row 0: members at the start; no week has passed, so flows are NaN."""
    out.totals[:, 0, 0] = members.sum(axis=1)
    out.totals[:, 0, 1:] = np.nan
    out.active[:, 0] = (members >= 1.0).sum(axis=1)
    if record_groups:
        out.group_members[:, 0] = members
        out.group_flows[:, 0] = np.nan


def _removals(fraction: np.ndarray, members: np.ndarray, engine: str, seed: int | None,
              week: int, first_run: int) -> np.ndarray:
    """Members removed at once: the expected share, or binomial draws for integer members.

    Draws come from a stream keyed by run and week, so a policy's sweep never shifts the
    demographic draws it shares with the status quo (common random numbers).
    """
    if not fraction.any():
        return np.zeros_like(members)
    if engine == "deterministic":
        return members * fraction
    drawn = np.empty_like(members)
    for r in range(members.shape[0]):
        rng = stream(seed, "interventions", first_run + r, week)
        drawn[r] = rng.binomial(members[r].astype(np.int64), fraction[r])
    return drawn


@dataclass
class Memory:
    """What the deterministic engine remembers between segments: the last four weeks' rates
    (ring buffers) and how many weeks have passed since the multistep rule (re)started."""

    net: np.ndarray  # [run, 4, group]
    comps: np.ndarray  # [run, 4, 4, group] (empty group axis without per-group records)
    sums: np.ndarray  # [run, 4, 5]
    since: np.ndarray  # [run] int64

    @classmethod
    def empty(cls, runs: int, groups: int, record_groups: bool) -> Memory:
        return cls(np.zeros((runs, 4, groups)),
                   np.zeros((runs, 4, 4, groups if record_groups else 0)),
                   np.zeros((runs, 4, 5)), np.zeros(runs, dtype=np.int64))

    def part(self, rows: slice) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self.net[rows], self.comps[rows], self.sums[rows], self.since[rows]


def _same_rates(a: Setting, b: Setting) -> bool:
    """True when two settings give the engines the same rates (no need to restart)."""
    return np.array_equal(a.coef, b.coef) and all(
        np.array_equal(a.rates[key], b.rates[key]) for key in a.rates)


def _schedule_arrays(setting: Setting, runs: int,
                     weeks: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(groups, coef [run, week, 3, k], restart [week]) for the kernels; empty without a
    schedule. restart[s] is set where week s's coefficients differ from week s-1's, which
    is where separate one-week segments would have restarted the multistep rule."""
    schedule = setting.schedule
    if schedule is None:
        return (np.zeros(0, dtype=np.int64), np.zeros((runs, 0, kernels.N_COEFFICIENTS, 0)),
                np.zeros(0, dtype=bool))
    coef = np.ascontiguousarray(schedule.coef[:, :weeks], dtype=float)
    if coef.shape[1] < weeks:
        raise ValueError(f"a schedule of {coef.shape[1]} weeks for a segment of {weeks}")
    restart = np.zeros(weeks, dtype=bool)
    restart[1:] = (coef[:, 1:] != coef[:, :-1]).any(axis=(0, 2, 3))
    return np.asarray(schedule.groups, dtype=np.int64), coef, restart


def _segment_deterministic(members, setting, jump, structure, start, weeks, out,
                           memory, schedule) -> None:
    runs = members.shape[0]
    for lo in range(0, runs, _DETERMINISTIC_SLICE):
        hi = min(lo + _DETERMINISTIC_SLICE, runs)
        kernel = kernels.deterministic_batch if hi - lo > 1 else kernels.deterministic_serial
        part = slice(lo, hi)
        kernel(
            members[part], setting.rates["rho"][part], setting.rates["eta"][part],
            setting.rates["theta"][part], setting.rates["omega"][part], setting.coef[part],
            jump[part], structure.indptr, structure.indices, structure.weights,
            structure.inv_alliance, start, weeks, out.totals[part], out.active[part],
            out.group_members[part] if out.group_members.shape[0] else out.group_members,
            out.group_flows[part] if out.group_flows.shape[0] else out.group_flows,
            out.status[part], memory.part(part), schedule[0], schedule[1][part], schedule[2],
        )


def _segment_stochastic(members, setting, jump, structure, start, weeks, rngs, out,
                        schedule) -> None:
    """All runs in one compiled call, threads sharing the runs (the kernel's contract:
    run r draws only from its own stream and writes only row r)."""
    threads = min(members.shape[0], os.cpu_count() or 1)
    kernel = stochastic_batch if threads > 1 else stochastic_serial
    kernel(
        members, setting.rates["rho"], setting.rates["eta"], setting.rates["theta"],
        setting.rates["omega"], setting.coef, jump, structure.indptr, structure.indices,
        structure.weights, structure.inv_alliance, start, weeks, rngs, out.totals, out.active,
        out.group_members, out.group_flows, out.status, schedule[0], schedule[1],
    )


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
    plan: Plan | None = None,
    progress: Progress | None = None,
    first_run: int = 0,
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
        plan: a policy (see `engines.plan`); default: the published model unchanged.
        progress: called as progress(weeks_done, weeks).
        first_run: number of the first run; an ensemble split into slices passes each
            slice's offset so that run k draws the same numbers in any slice (STYLE.md 5).
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
    members0 = initial_members(system, params, runs, initial, seed, engine, first_run)
    structure = ConflictStructure.from_system(system)
    active_plan = plan or ConstantPlan(params)
    out = run_arrays(structure, members0, active_plan, weeks, engine=engine,
                     seed=seed, record_groups=record == "groups", progress=progress,
                     first_run=first_run)
    ds = build_dataset(
        system=system, params=params, engine=engine, seed=seed, start=start_date,
        week_offset=week_offset, totals=out.totals, active=out.active,
        group_members=out.group_members if record == "groups" else None,
        group_flows=out.group_flows if record == "groups" else None, status=out.status,
        observable=out.observable, first_run=first_run,
        extra_attrs={"initial": initial if isinstance(initial, str) else "given"},
    )
    if out.transfers is not None and record == "groups":
        ds["split_transfers"] = (("run", "time", "group"), out.transfers)
        ds["split_transfers"].attrs.update(
            units="members", description="members moved into (+) or out of (-) the group when "
            "a group split, over the week ending at the date")
    for name, (dims, values, attrs) in active_plan.outputs(weeks + 1,
                                                           groups=record == "groups").items():
        if "group" in dims and record != "groups":
            continue
        ds[name] = (dims, values)
        ds[name].attrs.update(attrs)
    return add_observations(ds, params)
