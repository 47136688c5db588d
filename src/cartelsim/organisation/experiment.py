"""Removal experiments: many replicate organisations, one schedule, labelled results.

`removal_experiment` draws `runs` organisations, applies the same removal schedule to each
and returns an xarray Dataset with dims (run, time), time in weeks since the start (0 = the
organisation as generated). `weeks_to_recover` reads how long command reach took to return
to 90 % of its level the week before the removal.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import xarray as xr

from cartelsim.errors import CartelsimError
from cartelsim.organisation import kernel as k
from cartelsim.organisation.draws import run_key
from cartelsim.organisation.state import (
    OK,
    SPLIT_SHARE,
    SPLIT_WEEK,
    SPLITS,
    SUCCESSION,
    SUCCESSION_WEEK,
    State,
    capacities,
    new_state,
)
from cartelsim.organisation.structure import (
    ROLE_NAMES,
    Organisation,
    command_depth,
    generate,
    role_counts,
)
from cartelsim.params.catalogue import Params
from cartelsim.params.organisation import KIND_HANDOVER, ORG_CATALOGUE, org_parameters

STRATEGIES = ("none", "leader", "degree", "betweenness", "random", "role:<role>")
SUCCESSIONS = ("settled", "contested", "uncertain")
KINDS = tuple(KIND_HANDOVER)
MAX_MEMBERS = 5_000_000
MAX_WEEKS = 52 * 50
LARGE = 20_000  # above this many members, efficiency is sampled every 4 weeks from 4 sources

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Options:
    """Everything of an experiment besides the organisation parameters (validated)."""

    members: int
    weeks: int
    strategy: str
    succession: str
    kind: str = "killed"
    removal_week: int = 26
    removal_count: int = 1
    repeat_every: int = 0
    repeats: int = 0
    pressure: float = 1.0
    pressure_start: int = 1
    sweep_fraction: float = 0.0
    sweep_week: int = 0
    reach_depth: int = 3  # default: the depth of the generated chain of command
    exact_below: int = 400
    efficiency_sources: int = 16
    efficiency_every: int = 1
    betweenness_sources: int = 64
    splinter_min_size: int = 0
    compartmentalised: bool = False
    lieutenants: int | None = None

    @property
    def removal_weeks(self) -> list[int]:
        if self.strategy == "none":
            return []
        return [self.removal_week + i * self.repeat_every for i in range(self.repeats + 1)]


OPTION_NAMES = ("kind", "removal_week", "removal_count", "removal_fraction", "repeat_every",
                "repeats", "pressure", "pressure_start", "sweep_fraction", "sweep_week",
                "reach_depth", "exact_below", "efficiency_sources", "efficiency_every",
                "betweenness_sources",
                "splinter_min_size", "compartmentalised", "lieutenants", "threads")


def _whole(name: str, value: object, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise CartelsimError(f"{name} must be a whole number, got {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise CartelsimError(f"{name} must be {bound}, got {value}")
    return int(value)


def _fraction(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise CartelsimError(f"{name} must be a number in [0, 1], got {value!r}")
    if not 0.0 <= float(value) <= 1.0:  # also refuses NaN
        raise CartelsimError(f"{name} must lie in [0, 1], got {value!r}")
    return float(value)


def parse_strategy(strategy: str) -> tuple[int, int]:
    """(kernel strategy code, role code) for a strategy name."""
    codes = {"none": k.NONE, "leader": k.BY_LEADER, "degree": k.BY_DEGREE,
             "betweenness": k.BY_BETWEENNESS, "random": k.AT_RANDOM}
    if strategy in codes:
        return codes[strategy], -1
    role = strategy.removeprefix("role:")
    if role in ROLE_NAMES[1:]:
        return k.BY_ROLE, ROLE_NAMES.index(role)
    choices = ", ".join(list(codes) + [f"role:{r}" for r in ROLE_NAMES[1:]])
    raise CartelsimError(f"unknown removal strategy {strategy!r}; choose one of {choices}")


def split_options(members: int, strategy: str, succession: str, weeks: int,
                  structure: dict[str, object]) -> tuple[Options, dict[str, float], int]:
    """Separate organisation parameters from experiment options and validate both."""
    members = _whole("members", members, 2, MAX_MEMBERS)
    weeks = _whole("weeks", weeks, 1, MAX_WEEKS)
    parse_strategy(strategy)
    if succession not in SUCCESSIONS:
        raise CartelsimError(f"succession must be one of {', '.join(SUCCESSIONS)}, "
                             f"got {succession!r}")
    unknown = [name for name in structure if name not in ORG_CATALOGUE and name not in OPTION_NAMES]
    if unknown:
        from cartelsim.textmatch import closest

        hint = closest(unknown[0], list(ORG_CATALOGUE) + list(OPTION_NAMES))
        raise CartelsimError(f"unknown organisation option {unknown[0]!r}"
                             + (f"; did you mean {hint!r}?" if hint else ""))
    params = org_parameters({n: v for n, v in structure.items() if n in ORG_CATALOGUE})
    raw = {n: v for n, v in structure.items() if n in OPTION_NAMES}
    threads = _whole("threads", raw.pop("threads", os.cpu_count() or 1), 1, 256)
    kind = raw.pop("kind", "killed")
    if kind not in KINDS:
        raise CartelsimError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    values: dict[str, object] = {"kind": kind}
    values["removal_week"] = _whole("removal week", raw.pop(
        "removal_week", max(1, min(52, weeks // 4))), 1)
    if values["removal_week"] > weeks:  # type: ignore[operator]
        raise CartelsimError(f"removal week {values['removal_week']} is outside the horizon "
                             f"(weeks 1-{weeks})")
    if "removal_fraction" in raw:
        fraction = _fraction("removal_fraction", raw.pop("removal_fraction"))
        values["removal_count"] = max(1, round(fraction * members))
    else:
        values["removal_count"] = _whole("removal_count", raw.pop("removal_count", 1), 1)
    values["repeat_every"] = _whole("repeat_every", raw.pop("repeat_every", 0), 0)
    values["repeats"] = _whole("repeats", raw.pop("repeats", 0), 0)
    if values["repeats"] and not values["repeat_every"]:
        raise CartelsimError("repeats needs repeat_every (weeks between removals) >= 1")
    pressure = raw.pop("pressure", 1.0)
    if isinstance(pressure, bool) or not isinstance(pressure, int | float) or \
            not 0.0 <= float(pressure) <= 1000.0:
        raise CartelsimError(f"pressure must be a number between 0 and 1000 (a factor on "
                             f"arrests), got {pressure!r}")
    values["pressure"] = float(pressure)
    values["pressure_start"] = _whole("pressure_start", raw.pop("pressure_start", 1), 1)
    values["sweep_fraction"] = _fraction("sweep_fraction", raw.pop("sweep_fraction", 0.0))
    values["sweep_week"] = _whole("sweep week", raw.pop("sweep_week", 0), 0)
    if values["sweep_fraction"] and not 1 <= values["sweep_week"] <= weeks:  # type: ignore[operator]
        raise CartelsimError(f"sweep week {values['sweep_week']} is outside the horizon "
                             f"(weeks 1-{weeks})")
    depth = command_depth(role_counts(members, params, raw.get("lieutenants")),  # type: ignore[arg-type]
                          max(2, int(params["span_of_control"])))
    values["reach_depth"] = _whole("reach_depth", raw.pop("reach_depth", depth), 1, 1000)
    values["exact_below"] = _whole("exact_below", raw.pop("exact_below", 400), 0)
    large = members > LARGE
    values["efficiency_sources"] = _whole("efficiency_sources",
                                          raw.pop("efficiency_sources", 4 if large else 16),
                                          1, 100_000)
    values["efficiency_every"] = _whole("efficiency_every",
                                        raw.pop("efficiency_every", 4 if large else 1), 1, 10_000)
    values["betweenness_sources"] = _whole("betweenness_sources",
                                           raw.pop("betweenness_sources", 64), 1, 100_000)
    values["splinter_min_size"] = _whole("splinter_min_size", raw.pop(
        "splinter_min_size", max(3, round(0.02 * members))), 1)
    compartmentalised = raw.pop("compartmentalised", False)
    if not isinstance(compartmentalised, bool):
        raise CartelsimError(f"compartmentalised must be true or false, got {compartmentalised!r}")
    values["compartmentalised"] = compartmentalised
    lieutenants = raw.pop("lieutenants", None)
    if lieutenants is not None:
        lieutenants = _whole("lieutenants", lieutenants, 1)
        if lieutenants >= members:
            raise CartelsimError(f"impossible structure: {lieutenants} lieutenants in an "
                                 f"organisation of {members} members (a leader included)")
    values["lieutenants"] = lieutenants
    options = Options(members=members, weeks=weeks, strategy=strategy, succession=succession,
                      **values)  # type: ignore[arg-type]
    role_counts(members, params, lieutenants)  # refuse impossible structures before any work
    return options, params, threads


def parameter_vector(params: Mapping[str, float], options: Options) -> np.ndarray:
    """The kernel's parameter vector (indices in `kernel`)."""
    par = np.zeros(k.N_PARAMS)
    names = {
        k.P_ARREST: "arrest_rate", k.P_EXPO_LEADER: "arrest_exposure_leader",
        k.P_EXPO_SPECIALIST: "arrest_exposure_specialist", k.P_TIE_EXPOSURE: "tie_exposure",
        k.P_DEATH: "death_rate", k.P_EXIT: "exit_rate", k.P_RECRUIT: "recruit_rate",
        k.P_RECRUIT_LATERAL: "recruit_lateral", k.P_PROMOTION: "promotion_rate",
        k.P_REWIRE: "rewire_rate", k.P_REWIRE_EFFICIENCY: "rewire_efficiency",
        k.P_ALLEGIANCE: "allegiance_rate", k.P_HEIR: "heir_acceptance",
        k.P_STANDING_SIGMA: "standing_sigma", k.P_CONTEST_RATIO: "contest_ratio",
        k.P_SPLIT_MIN: "split_min_share", k.P_MAX_CONTEST: "max_contest_weeks",
    }
    for index, name in names.items():
        par[index] = params[name]
    if options.compartmentalised:  # secure recovery: no new lateral ties
        par[k.P_REWIRE_EFFICIENCY] = par[k.P_RECRUIT_LATERAL] = 0.0
    par[k.P_SUCCESSION] = SUCCESSIONS.index(options.succession)
    par[k.P_DEPTH] = options.reach_depth
    par[k.P_SPLINTER_MIN] = options.splinter_min_size
    par[k.P_EXACT_BELOW] = options.exact_below
    par[k.P_SOURCES] = options.efficiency_sources
    par[k.P_BETWEENNESS_SOURCES] = options.betweenness_sources
    par[k.P_EFFICIENCY_EVERY] = options.efficiency_every
    return par


@dataclass(frozen=True)
class Schedule:
    """Week-indexed arrays the kernel reads (index 0 is the start, never stepped)."""

    pressure: np.ndarray
    sweep: np.ndarray
    strategy: np.ndarray
    count: np.ndarray
    role: np.ndarray
    handover: np.ndarray


def build_schedule(options: Options, params: Mapping[str, float]) -> Schedule:
    weeks = options.weeks + 1
    pressure = np.ones(weeks)
    pressure[options.pressure_start:] = options.pressure
    sweep = np.zeros(weeks)
    if options.sweep_fraction:
        sweep[options.sweep_week] = options.sweep_fraction
    code, role = parse_strategy(options.strategy)
    strategy = np.zeros(weeks, dtype=np.int64)
    count = np.zeros(weeks, dtype=np.int64)
    roles = np.full(weeks, -1, dtype=np.int64)
    handover = np.full(weeks, params["handover_captured"])  # leaders lost to arrests
    for week in options.removal_weeks:
        if week < weeks:
            strategy[week], count[week], roles[week] = code, options.removal_count, role
            handover[week] = params[KIND_HANDOVER[options.kind]]
    return Schedule(pressure, sweep, strategy, count, roles, handover)


@dataclass
class RunResult:
    """The weekly measures of one run and what happened to its succession."""

    out: np.ndarray
    status: int
    succession: int
    succession_week: int
    split_week: int
    split_share: float
    splits: int
    state: State


def simulate_run(org: Organisation, params: Mapping[str, float], options: Options,
                 schedule: Schedule, seed: int, run: int) -> RunResult:
    """One replicate: allocate, run, and retry with twice the room if it ran out."""
    slots, arena = capacities(org.size, org.edges.shape[0], options.weeks,
                              params["recruit_rate"])
    for _ in range(8):
        state = new_state(org, slots, arena)
        out = np.zeros((k.N_OUT, options.weeks + 1))
        status = k.run_weeks(state, np.uint64(run_key(seed, run)),
                             parameter_vector(params, options), schedule.pressure,
                             schedule.sweep, schedule.strategy, schedule.count, schedule.role,
                             schedule.handover, out)
        if status == OK:
            break
        slots, arena = 2 * slots, 2 * arena
    ints = state.ints
    return RunResult(out=out, status=int(status), succession=int(ints[SUCCESSION]),
                     succession_week=int(ints[SUCCESSION_WEEK]), split_week=int(ints[SPLIT_WEEK]),
                     split_share=float(state.floats[SPLIT_SHARE]) if ints[SPLIT_WEEK] >= 0
                     else float("nan"), splits=int(ints[SPLITS]), state=state)


def states_at(members: int, strategy: str, succession: str, weeks: int, seed: int,
              at_weeks: list[int], run: int = 0, **structure: object) -> list[State]:
    """The member arrays of replicate `run` at the end of each week in `at_weeks` (0 = as
    generated), for drawing the network; the same replicate as in removal_experiment."""
    options, params, _ = split_options(members, strategy, succession, weeks, structure)
    schedule = build_schedule(options, params)
    org = generate(options.members, params, seed, run,
                   compartmentalised=options.compartmentalised, lieutenants=options.lieutenants)
    states = []
    for week in at_weeks:
        if not 0 <= week <= weeks:
            raise CartelsimError(f"week {week} is outside the horizon (0-{weeks})")
        cut = Schedule(*(getattr(schedule, f.name)[:week + 1]
                         for f in dataclasses.fields(Schedule)))
        states.append(simulate_run(org, params, dataclasses.replace(options, weeks=week), cut,
                                   seed, run).state)
    return states


def removal_experiment(members: int, strategy: str, succession: str, weeks: int, runs: int,
                       seed: int, progress: Progress | None = None,
                       **structure: object) -> xr.Dataset:
    """Remove members of `runs` replicate organisations and follow them for `weeks` weeks.

    members: initial size; strategy: 'leader', 'degree', 'betweenness', 'random',
    'role:<role>' (lieutenant, financier, contact, enforcer, lookout) or 'none';
    succession: 'settled', 'contested' or 'uncertain' (decided by the contenders'
    standing and, for a leader removal, the kind: killed, captured or extradited).
    `structure` takes organisation parameters (`cartelsim params --layer L4`) and options:
    removal_week (default min(52, weeks/4)), removal_count or removal_fraction, repeat_every,
    repeats, kind, pressure (factor on arrests from pressure_start), sweep_fraction and
    sweep_week (a one-week mass arrest), reach_depth (k; default: the depth of the chain of
    command, 3 up to span_of_control lieutenants), exact_below,
    efficiency_sources and efficiency_every (defaults 16 and 1; above 20,000 members 4
    and 4, the weeks between are NaN), betweenness_sources, splinter_min_size,
    compartmentalised,
    lieutenants, threads.

    Returns a Dataset with dims (run, time); time = weeks since the start.
    """
    runs = _whole("runs", runs, 1, 1_000_000)
    seed = _whole("seed", seed, 0)
    options, params, threads = split_options(members, strategy, succession, weeks, structure)
    schedule = build_schedule(options, params)

    def one(run: int) -> RunResult:
        org = generate(options.members, params, seed, run,
                       compartmentalised=options.compartmentalised,
                       lieutenants=options.lieutenants)
        result = simulate_run(org, params, options, schedule, seed, run)
        result.state = None  # type: ignore[assignment]  # free the arrays
        return result

    results: list[RunResult] = []
    with ThreadPoolExecutor(max_workers=min(threads, runs)) as pool:
        for done, result in enumerate(pool.map(one, range(runs)), start=1):
            results.append(result)
            if progress:
                progress(done, runs)
    return to_dataset(results, options, params, seed)


def to_dataset(results: list[RunResult], options: Options, params: Params,
               seed: int) -> xr.Dataset:
    out = np.stack([r.out for r in results])
    dims = ("run", "time")

    def var(row: int, units: str, description: str) -> tuple:
        return dims, out[:, row], {"units": units, "description": description}

    exact = options.members <= options.exact_below
    ds = xr.Dataset(
        {
            "command_reach": var(k.O_REACH, "share", f"share of the parent faction's living "
                                 f"members within {options.reach_depth} ties of its leader"),
            "efficiency": var(k.O_EFFICIENCY, "1/ties", "global efficiency of the living "
                              "network (mean 1/distance over ordered pairs)"),
            "efficiency_se": var(k.O_EFFICIENCY_SE, "1/ties", "standard error of the "
                                 f"efficiency (0 when exact, below {options.exact_below} "
                                 f"members; else {options.efficiency_sources} sampled sources)"
                                 f"; measured every {options.efficiency_every} week(s)"),
            "largest_component": var(k.O_LARGEST, "share", "share of living members in the "
                                     "largest connected component"),
            "splinters": var(k.O_SPLINTERS, "components", "connected components without the "
                             f"leader of at least {options.splinter_min_size} members"),
            "members": var(k.O_MEMBERS, "members", "living members (all factions)"),
            "parent_members": var(k.O_PARENT, "members", "living members of the parent faction"),
            "arrests": var(k.O_ARRESTS, "members per week", "arrests (direct and through ties)"),
            "removed": var(k.O_REMOVED, "members per week", "members removed by the strategy"),
            "recruits": var(k.O_RECRUITS, "members per week", "recruits"),
            "has_leader": var(k.O_LEADER, "1/0", "the parent faction has a leader"),
            "succession": ("run", np.array([r.succession for r in results]), {
                "description": "first succession: 0 settled, 1 contested, -1 none"}),
            "succession_week": ("run", np.array([r.succession_week for r in results]),
                                {"units": "week", "description": "-1: none"}),
            "split_week": ("run", np.array([r.split_week for r in results]),
                           {"units": "week", "description": "first split; -1: none"}),
            "split_share": ("run", np.array([r.split_share for r in results]), {
                "units": "share", "description": "share of the parent's members leaving with "
                "the first splinter"}),
            "splits": ("run", np.array([r.splits for r in results]), {"units": "splits"}),
            "status": ("run", np.array([r.status for r in results]), {
                "description": "0 ok; otherwise the run failed"}),
        },
        coords={"run": np.arange(len(results)), "time": np.arange(options.weeks + 1)},
    )
    ds.time.attrs.update(long_name="weeks since the start", units="week")
    removal_weeks = options.removal_weeks
    ds.attrs.update(
        title="cartelsim organisation engine (L4) removal experiment",
        members=options.members, strategy=options.strategy, succession=options.succession,
        kind=options.kind, removal_week=removal_weeks[0] if removal_weeks else -1,
        removal_weeks=json.dumps(removal_weeks), removal_count=options.removal_count,
        seed=seed, weeks=options.weeks, reach_depth=options.reach_depth,
        efficiency_exact=int(exact), compartmentalised=int(options.compartmentalised),
        pressure=options.pressure, sweep_fraction=options.sweep_fraction,
        sweep_week=options.sweep_week,
        parameters=json.dumps(dict(params), sort_keys=True),
        parameter_origins=json.dumps(params.provenance(), sort_keys=True),
        provenance="cartelsim.organisation (layer L4, DESIGN.md §2)",
    )
    return ds


def weeks_to_recover(ds: xr.Dataset, level: float = 0.9) -> np.ndarray:
    """Weeks after the removal until command reach is back to `level` x its value the week
    before the removal, per run (0: it never fell below; NaN: not within the horizon)."""
    level = _fraction("level", level)
    week = int(ds.attrs.get("removal_week", -1))
    if week < 1:
        raise CartelsimError("this dataset has no removal (attrs removal_week)")
    reach = ds["command_reach"].transpose("run", "time").values
    before = reach[:, week - 1]
    after = reach[:, week:]
    recovered = after >= level * before[:, None]
    first = np.argmax(recovered, axis=1).astype(float)
    first[~recovered.any(axis=1)] = np.nan
    return first
