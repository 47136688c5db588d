"""The short Python API: run a scenario in one call, compare two on the same random worlds.

    import cartelsim as cs
    result = cs.run("cjng-leader-killed", runs=50)   # an example name, a .toml file or a Scenario
    result.summary(); result.plot()
    diff = cs.compare("status-quo", "cjng-leader-killed", runs=50, groups=["cjng"])
    diff.summary(); diff.plot()

A scenario is run by `scenarios.runner.run_scenario`, and a comparison is the paired
difference of `analysis.compare.paired_differences`, as `cartelsim run` and `cartelsim compare`
do; the objects returned (`analysis.results`) turn the results into tables and figures.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import xarray as xr

from cartelsim.analysis.compare import (
    DEFAULT_HORIZONS_MONTHS,
    first_intervention,
    months_to_weeks,
    origin_week,
    paired_differences,
)
from cartelsim.analysis.results import Comparison, Result
from cartelsim.engines.simulate import Progress
from cartelsim.scenarios.examples import example_names, example_path
from cartelsim.scenarios.paired import run_paired
from cartelsim.scenarios.runner import run_scenario
from cartelsim.scenarios.schema import Scenario, load_scenario

ScenarioLike = Scenario | str | os.PathLike


def scenario_of(scenario: ScenarioLike, *, runs: int | None = None, seed: int | None = None,
                engine: str | None = None, weeks: int | None = None) -> Scenario:
    """A validated scenario from a Scenario, a scenario file, or the name of an example
    (`cartelsim examples`), with the given run settings replacing the file's."""
    if isinstance(scenario, Scenario):
        chosen = scenario
    else:
        path = Path(scenario)
        if not path.is_file() and path.parent == Path("."):
            stem = path.name.removesuffix(".toml")
            if path.suffix != ".toml" or stem in example_names():
                path = example_path(stem)  # an unknown name: a one-line error with a hint
        chosen = load_scenario(path)
    overrides = {k: v for k, v in {"runs": runs, "seed": seed, "engine": engine}.items()
                 if v is not None}
    if not overrides and weeks is None:
        return chosen
    return chosen.derive(run=overrides, **({"horizon": {"weeks": weeks}} if weeks else {}),
                         source=f"{chosen.source} (with run settings from Python)")


def run(scenario: ScenarioLike = "status-quo", *, runs: int | None = None,
        seed: int | None = None, engine: str | None = None, weeks: int | None = None,
        progress: Progress | None = None) -> Result:
    """Simulate a scenario (an example name, a .toml file or a Scenario) and return its
    results; `runs`, `seed`, `engine` ("deterministic" or "stochastic") and `weeks` replace
    the scenario's own. `progress(done, total)` is called as weeks are simulated."""
    chosen = scenario_of(scenario, runs=runs, seed=seed, engine=engine, weeks=weeks)
    chosen.params()  # refuse bad parameter values before any work starts
    return Result(run_scenario(chosen, progress=progress))


def compare(base: ScenarioLike, policy: ScenarioLike, *, runs: int | None = None,
            seed: int | None = None, engine: str | None = None, weeks: int | None = None,
            horizons: Sequence[float] | None = None, groups: Sequence[str] = (),
            progress: Progress | None = None) -> Comparison:
    """Run `policy` and `base` on the same random worlds (run k of both shares its random
    draws) and return their paired differences at `horizons` (months after the first
    intervention, as `cartelsim compare` counts them;
    default: 3, 12 and 36 months, those within the horizon, else its end), also for the
    command integrity and members of each of `groups`. The run settings apply to both;
    everything else that makes the world must already be the same in both."""
    first, second = (scenario_of(s, runs=runs, seed=seed, engine=engine, weeks=weeks)
                     for s in (base, policy))
    if isinstance(groups, str):
        groups = (groups,)
    base_ds, policy_ds = _paired_runs(first, second, progress)
    since = first_intervention(first, second)
    if horizons is None:
        origin = origin_week(policy_ds.time.values, since)
        horizons = default_horizons(first.horizon.weeks - origin)
    table = paired_differences(base_ds, policy_ds, tuple(horizons),
                               groups=tuple(groups), since=since)
    return Comparison(Result(base_ds), Result(policy_ds), table, tuple(groups))


def default_horizons(weeks: int) -> tuple[float, ...]:
    """The default horizons (months) that fit in `weeks`; the end when none does."""
    fitting = tuple(m for m in DEFAULT_HORIZONS_MONTHS if months_to_weeks(m) < weeks)
    return fitting or (round(weeks * 12 / 52, 6),)


def _paired_runs(first: Scenario, second: Scenario,
                 progress: Progress | None) -> tuple[xr.Dataset, xr.Dataset]:
    """Both scenarios' runs on the same random worlds, through the one paired runner."""
    for scenario in (first, second):
        scenario.params()  # refuse bad parameter values before any work starts
    share = None if progress is None else (lambda done: progress(round(done * 1000), 1000))
    pair = run_paired(first, second, progress=share,
                      hint=" (pass runs=, seed=, engine=, weeks= to set them for both)")
    return pair.base, pair.policy
