"""The world the brief's experiments run in, and a runner that keeps only what they need.

`Setup` fixes the system (Mexico 2025, BACRIM 2020 or a BACRIM folder), the start, the
horizon, the paired runs and the seed, and picks the groups the claims are about (CJNG as
the removal target, La Mayiza as the tolerated group, or stand-ins on other systems).
`Runner` simulates scenarios given as dicts (validated by the scenario schema, run by
`scenarios.runner.run_scenario`) and keeps the national series, the flow index and the
series of the claim groups; results are cached by content, so a status quo shared by
several claims runs once.
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

from cartelsim.analysis.flow import flow_index
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
                  money: bool = False, protection: bool = False) -> dict:
    """A scenario as the data of a TOML file, on the brief's world."""
    return {
        "name": name,
        "system": setup.system_section,
        "horizon": {"start": setup.start, "weeks": setup.weeks},
        "run": {"engine": "stochastic", "runs": setup.runs, "seed": setup.seed},
        "mechanisms": {"money": money, "protection": protection},
        "interventions": interventions,
    }


Request = tuple[dict, dict, int | None, int | None]  # data, overrides, runs, weeks
Job = tuple[Callable[[Any], Any], Any]  # a top-level function and its argument


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


def simulate_slim(task: tuple[Scenario, dict[str, float], tuple[str, ...]]) -> xr.Dataset:
    """Run one scenario and keep what the brief needs (a pure function for worker processes).

    Keeps the national series, the drug-flow index (`analysis.flow`) and, for the groups
    in task[2] and their splinters, members, command integrity, deaths, arrests and share.
    Runs through the paired runner's `run_slices`, as every paired caller does.
    """
    scenario, overrides, groups = task
    params = scenario.params()
    if overrides:
        params = params.override(overrides, origin="brief sensitivity")
    ds = run_slices(scenario, params=params)
    failed = int((ds["status"] != 0).sum())
    if failed:
        raise CartelsimError(f"{failed} run(s) of {scenario.name} failed (rates too fast for "
                             "a weekly step); narrow the parameters")
    flow = flow_index(ds, params["payroll_weeks"], params["member_wage"])
    keep = [g for g in groups if g in ds.group.values]
    keep += [f"{g}_splinter" for g in keep if f"{g}_splinter" in ds.group.values]
    national = [v for v in ds.data_vars if "group" not in ds[v].dims]
    slim = ds[national]
    slim = slim.drop_vars([c for c in slim.coords if "group" in slim[c].dims])
    slim["flow_index"] = flow
    chosen = ds[[v for v in KEPT_GROUP_VARS if v in ds]].sel(group=keep)
    chosen = chosen.drop_vars([c for c in chosen.coords
                               if c not in ("run", "time", "week", "group")])
    for var in chosen.data_vars:
        slim[f"group_{var}"] = chosen[var]
    slim["group_share"] = chosen["members"] / ds["total_members"]
    return slim.copy(deep=True)


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
        """Slim results of a scenario: national series, `flow_index`, claim groups."""
        scenario, overrides, key = normalise(data, overrides, runs, weeks)
        return self._run(scenario, overrides, key)

    def _run(self, scenario: Scenario, overrides: dict[str, float], key: str) -> xr.Dataset:
        if key not in self.cache:
            self._say(scenario, overrides)
            self.cache[key] = simulate_slim((scenario, overrides, self.groups))
            self.simulated += scenario.run.runs
        return self.cache[key]

    def prefetch(self, requests: list[Request], jobs: dict[str, Job] | None = None) -> None:
        """Run every request not yet cached, and `jobs` (other slow work, such as the
        organisation engine, as a top-level function and its argument), in `workers`
        processes; results go to the cache under their keys."""
        jobs = {key: job for key, job in (jobs or {}).items() if key not in self.cache}
        tasks: dict[str, tuple[Scenario, dict[str, float], tuple[str, ...]]] = {}
        for request in requests:
            scenario, overrides, key = normalise(*request)
            if key not in self.cache:
                tasks[key] = (scenario, overrides, self.groups)
        total = sum(_cost(scenario) for scenario, _, _ in tasks.values())
        if self.workers <= 1 or len(tasks) + len(jobs) < 2 or total < self.parallel_from:
            for key, (function, argument) in jobs.items():
                self.cache[key] = function(argument)
            for key, (scenario, overrides, _) in tasks.items():
                self._run(scenario, overrides, key)
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
            order = sorted(tasks.items(), key=lambda item: -_cost(item[1][0]))
            key, (scenario, overrides, _) = order.pop()
            self._run(scenario, overrides, key)
            futures |= {pool.pool.submit(simulate_slim, task): key for key, task in order}
            for done, future in enumerate(as_completed(futures), start=1):
                key = futures[future]
                self.cache[key] = future.result()
                if key in tasks:
                    self.simulated += tasks[key][0].run.runs
                if self.progress is not None:
                    name = tasks[key][0].name if key in tasks else key.split(":")[0]
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
