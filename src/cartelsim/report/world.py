"""The world the brief's experiments run in, and a runner that keeps only what they need.

`Setup` fixes the system (Mexico 2025, BACRIM 2020 or a BACRIM folder), the start, the
horizon, the paired runs and the seed, and picks the groups the claims are about (CJNG as
the removal target, La Mayiza as the tolerated group, or stand-ins on other systems).
`Runner` simulates scenarios given as dicts (validated by the scenario schema, run by
`scenarios.runner.run_scenario`) and keeps the national series, the territory's series by
state and crossing when territory is on (C5, C6), and the series of the claim groups; results are cached by content, so a status quo shared by
several claims runs once.

With a posterior (`Setup.draws`), world k of every scenario runs with posterior draw k
(the paired runner's `world_params`), so paired intervals carry parameter uncertainty as
well as noise; a sensitivity override then moves one parameter in every world.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from cartelsim.errors import CartelsimError
from cartelsim.interventions.effects import RemoveLeader, SetPressure
from cartelsim.params.catalogue import Params
from cartelsim.scenarios.paired import run_slices
from cartelsim.scenarios.schema import DEFAULT_START, Scenario, parse_scenario
from cartelsim.system.model import System

KEPT_GROUP_VARS = ("members", "command_integrity", "deaths", "arrests")
REMOVAL_DAY = 52  # days after the start: 22 Feb 2026 on Mexico 2025 (the reported killing)
POLICY_DAY = 31  # policies start on 1 Feb 2026 on Mexico 2025, as the shipped scenarios


@dataclass(frozen=True)
class Setup:
    """What every experiment of one brief shares."""

    system_section: dict
    system: System
    start: dt.date
    weeks: int
    runs: int
    seed: int
    target: str  # group id whose leader is removed (C1, C2)
    tolerated: str  # group id the state tolerates (C4)
    draws: tuple[dict[str, float], ...] = ()  # posterior draw of world k (empty: defaults)
    posterior: str = ""  # where the draws came from ("" without a posterior)
    calibrated_defaults: bool = False  # the scenarios' defaults are the posterior's median

    @property
    def centre(self) -> str:
        """Where the unswung verdicts are computed, for the verdicts' wording."""
        if self.draws:
            return "the calibrated posterior"
        if self.calibrated_defaults:
            return "the calibrated posterior's median"
        return "the default parameters"

    @property
    def removal_date(self) -> dt.date:
        return self.start + dt.timedelta(days=REMOVAL_DAY)

    @property
    def policy_date(self) -> dt.date:
        return self.start + dt.timedelta(days=POLICY_DAY)

    def name_of(self, group: str) -> str:
        return self.system.group_names[self.system.index_of(group)]


def resolve_system(choice: str) -> dict:
    """The [system] section for a name ('mexico2025', 'bacrim2020') or a BACRIM folder."""
    if choice in ("mexico2025", "bacrim2020"):
        return {"name": choice}
    path = Path(choice)
    if path.is_dir():
        return {"name": "bacrim2020", "data": str(path)}
    if path.exists():
        raise CartelsimError(f"--system {choice}: not a folder; expected mexico2025, "
                             "bacrim2020 or a folder with the BACRIM 2020 CSV files")
    raise CartelsimError(f"--system {choice!r}: unknown system and no such folder; expected "
                         "mexico2025, bacrim2020 or a folder with the BACRIM 2020 CSV files")


def make_setup(choice: str, weeks: int, runs: int, seed: int) -> Setup:
    """Validate the choice and build the system once (bad folders fail here, before runs)."""
    section = resolve_system(choice)
    scenario = parse_scenario({"system": section, "horizon": {"weeks": weeks},
                               "run": {"runs": runs, "seed": seed}}, source="--system")
    system = scenario.build_system()
    target = _pick(system, ("cjng",), ("jalisco",), exclude=())
    tolerated = _pick(system, ("cds_mayiza",), ("cártel de sinaloa",), exclude=(target,))
    return Setup(section, system, DEFAULT_START[section["name"]], weeks, runs, seed,
                 target, tolerated)


def _pick(system: System, ids: tuple[str, ...], fragments: tuple[str, ...],
          exclude: tuple[str, ...]) -> str:
    """A group by id, else by name fragment, else the strongest group with rivals."""
    for gid in ids:
        if gid in system.group_ids:
            return gid
    for fragment in fragments:
        for gid, name in zip(system.group_ids, system.group_names, strict=True):
            if fragment in name.lower() and gid not in exclude:
                return gid
    rank = system.strength_rank()
    rivals = system.rivalry_strength > 0
    for i in np.argsort(rank):
        if rivals[i] and system.group_ids[i] not in exclude:
            return system.group_ids[i]
    raise CartelsimError(f"system {system.name!r} has no group with rivals to study")


def scenario_data(setup: Setup, name: str, interventions: list[dict], *,
                  money: bool = False, protection: bool = False,
                  territory: bool = False) -> dict:
    """A scenario as the data of a TOML file, on the brief's world; `territory` adds the
    states, routes and flow north (world engine), for the claims on pressure and flows."""
    mechanisms = {"money": money, "protection": protection} | (
        {"territory": True} if territory else {})
    return {
        "name": name,
        "system": setup.system_section,
        "horizon": {"start": setup.start, "weeks": setup.weeks},
        "run": {"engine": "stochastic", "runs": setup.runs, "seed": setup.seed},
        "mechanisms": mechanisms,
        "interventions": interventions,
    }


def territory_data(setup: Setup, name: str, interventions: list[dict]) -> dict:
    """A scenario of the territorial claims (C5, C6): territory with money and protection
    on, so that drug revenue comes from the tonnes that cross and the state's structural
    answer to pressure acts on money and protection as well as on recruitment."""
    return scenario_data(setup, name, interventions, money=True, protection=True,
                         territory=True)


Request = tuple[dict, dict, int | None, int | None]  # data, overrides, runs, weeks
Job = tuple[Callable[[Any], Any], Any]  # a top-level function and its argument


@dataclass(frozen=True)
class Task:
    """One scenario to run in a worker: plain data, cheap to send."""

    scenario: Scenario
    overrides: dict[str, float]
    groups: tuple[str, ...]  # claim groups whose series are kept
    draws: tuple[dict[str, float], ...] = ()  # posterior draw per world (empty: none)
    posterior: str = ""


def normalise(data: dict, overrides: dict[str, float] | None = None, runs: int | None = None,
              weeks: int | None = None) -> tuple[Scenario, dict[str, float], str]:
    """The validated scenario with runs and weeks applied (`Scenario.derive`), the
    overrides in a fixed order, and its cache key (content digest + overrides)."""
    scenario = parse_scenario(data, source=f"brief: {data['name']}")
    if runs is not None or weeks is not None:
        scenario = scenario.derive(run={} if runs is None else {"runs": runs},
                                   horizon={} if weeks is None else {"weeks": weeks})
    overrides = dict(sorted((overrides or {}).items()))
    return scenario, overrides, json.dumps([scenario.digest, overrides])


def world_params(params: Params, draws: tuple[dict[str, float], ...], posterior: str,
                 overrides: dict[str, float], runs: int) -> tuple[Params, list[Params] | None]:
    """The parameters of the whole scenario, and of each world when there are draws.

    With more worlds than draws, world k takes draw k modulo the number of draws.
    Overrides (a sensitivity swing) come after the draw, so a swung parameter takes the
    same value in every world while the others keep their draws.
    """
    if not draws:
        shown = params.override(overrides, "brief sensitivity") if overrides else params
        return shown, None
    # more worlds than draws (Morris points take at least 10 worlds, a small brief fewer
    # draws): the draws are taken again in order, each world keeping its own noise
    cycled = [draws[k % len(draws)] for k in range(runs)]
    each: list[Params] = []
    for k, draw in enumerate(cycled):
        if k and draw is cycled[k - 1]:  # the same draw: the same object, one slice
            each.append(each[-1])
            continue
        drawn = params.override(draw, f"calibrated ({posterior})")
        each.append(drawn.override(overrides, "brief sensitivity") if overrides else drawn)
    return each[0], each


def simulate_slim(task: Task) -> xr.Dataset:
    """Run one scenario and keep what the brief needs (a pure function for worker processes).

    Keeps the national series (with territory: also flow_north, seized_north and
    state_homicides by crossing or state, and us_pressure_state) and, for the claim
    groups (`task.groups`), members, command integrity, deaths, arrests, share of all
    members, the deaths of the group's whole lineage (the group and every splinter of it)
    and whether it has split. Runs through the paired runner's `run_slices`, one world per
    slice when each world has its own posterior draw.
    """
    scenario = task.scenario
    params, each = world_params(scenario.params(), task.draws, task.posterior, task.overrides,
                                scenario.run.runs)
    groups = task.groups

    def slim(ds: xr.Dataset) -> xr.Dataset:
        return _slim(ds, groups)

    ds = run_slices(scenario, params=params, keep=slim, world_params=each)
    failed = int((ds["status"] != 0).sum())
    if failed:
        raise CartelsimError(f"{failed} run(s) of {scenario.name} failed (rates too fast for "
                             "a weekly step); narrow the parameters")
    return ds


def _slim(ds: xr.Dataset, groups: tuple[str, ...]) -> xr.Dataset:
    """What the brief keeps of one slice of runs (see `simulate_slim`)."""
    keep = [g for g in groups if g in ds.group.values]
    national = [v for v in ds.data_vars if "group" not in ds[v].dims]
    slim = ds[national]
    slim = slim.drop_vars([c for c in slim.coords if "group" in slim[c].dims])
    chosen = ds[[v for v in KEPT_GROUP_VARS if v in ds]].sel(group=keep)
    chosen = chosen.drop_vars([c for c in chosen.coords
                               if c not in ("run", "time", "week", "group")])
    for var in chosen.data_vars:
        slim[f"group_{var}"] = chosen[var]
    slim["group_share"] = chosen["members"] / ds["total_members"]
    lineage = xr.concat([_lineage(ds, g) for g in keep], dim="group")
    slim["group_lineage_deaths"] = lineage["deaths"]
    slim["group_split"] = lineage["split"]
    return slim.copy(deep=True)


def _lineage(ds: xr.Dataset, group: str) -> xr.Dataset:
    """Deaths of `group` and its splinters per week, and whether a splinter of it exists
    yet (1/0 per run and date): splinter slots `<group>_splinter` of the capped engine, or
    groups whose `group_root` is `group` in the world engine."""
    ids = [str(g) for g in ds.group.values]
    index = ids.index(group)
    runs = ds.sizes["run"]
    descendant = np.zeros((runs, len(ids)), dtype=bool)
    if f"{group}_splinter" in ids:
        descendant[:, ids.index(f"{group}_splinter")] = True
    if "group_root" in ds:
        descendant |= ds["group_root"].transpose("run", "group").values == index
        descendant[:, index] = False
    mask = xr.DataArray(descendant, dims=("run", "group"))
    members = ds["members"].fillna(0.0)
    exists = ((members > 0) & mask).any("group").transpose("run", "time")
    split = exists.copy(data=np.maximum.accumulate(exists.values.astype(float), axis=1))
    own = ds["deaths"].sel(group=group).fillna(0.0)
    deaths = own + ds["deaths"].fillna(0.0).where(mask, 0.0).sum("group")
    out = xr.Dataset({"deaths": deaths.drop_vars([c for c in deaths.coords
                                                  if c not in ("run", "time", "week")]),
                      "split": split.drop_vars([c for c in split.coords
                                                if c not in ("run", "time", "week")])})
    return out.assign_coords(group=group)


@dataclass
class Runner:
    """Runs scenarios (with optional parameter overrides) and caches slim results.

    `prefetch` runs a list of requests in worker processes first (the weekly mechanism
    updates are Python, so two processes use two cores); `run` then serves them from the
    cache. Results do not depend on which process ran them (seeded streams per run).
    """

    setup: Setup
    progress: Callable[[str], None] | None = None
    workers: int = 1
    # below this total cost (see `_cost`; ~1 per week simulated) the work runs here:
    # starting worker processes costs seconds
    parallel_from: float = 6000.0
    cache: dict[str, Any] = field(default_factory=dict)
    simulated: int = 0  # runs simulated (not served from the cache)

    @property
    def groups(self) -> tuple[str, ...]:
        return (self.setup.target, self.setup.tolerated)

    def run(self, data: dict, overrides: dict[str, float] | None = None,
            runs: int | None = None, weeks: int | None = None) -> xr.Dataset:
        """Slim results of a scenario: national (and territory) series, claim groups."""
        task, key = self.task(*normalise(data, overrides, runs, weeks))
        return self._run(task, key)

    def task(self, scenario: Scenario, overrides: dict[str, float],
             key: str) -> tuple[Task, str]:
        """The task for a normalised request, and its cache key (with the posterior's)."""
        task = Task(scenario, overrides, self.groups, self.setup.draws, self.setup.posterior)
        return task, key + (f" posterior:{self.setup.posterior}" if self.setup.draws else "")

    def _run(self, task: Task, key: str) -> xr.Dataset:
        if key not in self.cache:
            self._say(task.scenario, task.overrides)
            self.cache[key] = simulate_slim(task)
            self.simulated += task.scenario.run.runs
        return self.cache[key]

    def prefetch(self, requests: list[Request], jobs: dict[str, Job] | None = None) -> None:
        """Run every request not yet cached, and `jobs` (other slow work, such as the
        organisation engine, as a top-level function and its argument), in `workers`
        processes; results go to the cache under their keys."""
        jobs = {key: job for key, job in (jobs or {}).items() if key not in self.cache}
        tasks: dict[str, Task] = {}
        for request in requests:
            task, key = self.task(*normalise(*request))
            if key not in self.cache:
                tasks[key] = task
        total = sum(_cost(task.scenario) for task in tasks.values())
        if self.workers <= 1 or len(tasks) + len(jobs) < 2 or total < self.parallel_from:
            for key, (function, argument) in jobs.items():
                self.cache[key] = function(argument)
            for key, task in tasks.items():
                self._run(task, key)
            return
        from concurrent.futures import as_completed

        from cartelsim.ensembles.executors import ProcessExecutor

        pool = ProcessExecutor(self.workers)
        try:
            # other jobs first: they compile their own engines in a worker while this
            # process runs the cheapest scenario, which compiles the group engines into
            # Numba's cache, so the workers load them instead of each compiling them again
            futures = {pool.pool.submit(function, argument): key
                       for key, (function, argument) in jobs.items()}
            order = sorted(tasks.items(), key=lambda item: -_cost(item[1].scenario))
            key, task = order.pop()
            self._run(task, key)
            futures |= {pool.pool.submit(simulate_slim, task): key for key, task in order}
            for done, future in enumerate(as_completed(futures), start=1):
                key = futures[future]
                self.cache[key] = future.result()
                if key in tasks:
                    self.simulated += tasks[key].scenario.run.runs
                if self.progress is not None:
                    name = tasks[key].scenario.name if key in tasks else key.split(":")[0]
                    self.progress(f"{done}/{len(futures)} experiments done ({name})")
        finally:
            pool.close()

    def _say(self, scenario: Scenario, overrides: dict[str, float]) -> None:
        if self.progress is not None:
            shown = ", ".join(f"{k}={v:g}" for k, v in overrides.items())
            self.progress(f"{scenario.name}{f' ({shown})' if shown else ''}: "
                          f"{scenario.run.runs} runs x {scenario.horizon.weeks} weeks")


def _cost(scenario: Scenario) -> float:
    """Rough relative cost: weeks, times more for mechanisms updated every week."""
    defaults = Params.defaults()
    weekly = scenario.mechanisms.money or any(
        isinstance(effect, SetPressure | RemoveLeader) for item in scenario.interventions
        for effect in item.kind_of_action.effects(float(item.effect), defaults))
    return scenario.horizon.weeks * (5.0 if weekly else 1.0) * (1 + scenario.run.runs / 100)
