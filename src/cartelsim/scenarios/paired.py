"""The paired runner: two scenarios on the same random worlds (STYLE.md 5).

Run k of a base scenario and of a policy scenario share their random draws when both have
the same system, start, horizon, engine, mechanisms, runs and seed; the effect of the
policy in world k is then a paired difference (`analysis.compare`). Every caller that
pairs scenarios goes through here: `cartelsim compare`, the dashboard (`web.paired`), the
ensembles (`ensembles.runner`, one chunk of runs at a time) and the brief
(`report.world`).

Runs may be simulated in slices (`first_run`) of `chunk_runs`: a slice equals the same
runs of one big call (tests/ensembles/test_slices.py), so slicing bounds memory without
changing a number; `keep` reduces each slice at once to what the caller needs.

`world_params` gives each world its own parameters (a posterior draw per world, the same
draw in both arms of a pair): consecutive worlds that share one `Params` object run as one
slice, each with the random draws it has in a whole call, so its noise stays paired as well
as its parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import xarray as xr

from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import Params
from cartelsim.scenarios.schema import Scenario

# What two scenarios must share to be run on the same worlds; an ensemble sets runs and
# seed itself, so it checks only the first five.
WORLD = ("system", "start", "horizon", "engine", "mechanisms")
REPLICATES = ("runs", "seed")

Keep = Callable[[xr.Dataset], xr.Dataset]


def world_of(scenario: Scenario) -> dict[str, object]:
    """What fixes the random worlds a scenario runs on (see WORLD and REPLICATES)."""
    return {"system": scenario.system, "start": scenario.start,
            "horizon": scenario.horizon.weeks, "engine": scenario.run.engine,
            "mechanisms": scenario.mechanisms, "runs": scenario.run.runs,
            "seed": scenario.run.seed}


def check_same_world(first: Scenario, second: Scenario, *,
                     fields: tuple[str, ...] = WORLD + REPLICATES, hint: str = "") -> None:
    """Refuse to pair scenarios that do not run on the same worlds (one-line error)."""
    a, b = world_of(first), world_of(second)
    for name in fields:
        if a[name] != b[name]:
            shown = f" ({a[name]} vs {b[name]})" if name not in ("system", "mechanisms") \
                else ""
            raise CartelsimError(f"{first.source} and {second.source} differ in {name}{shown}; "
                                 f"a paired comparison needs the same worlds{hint}")


def run_slices(scenario: Scenario, *, params: Params | None = None, first_run: int = 0,
               runs: int | None = None, chunk_runs: int | None = None,
               keep: Keep | None = None,
               progress: Callable[[int, int], None] | None = None,
               serial: AbstractContextManager | None = None,
               world_params: Sequence[Params] | None = None) -> xr.Dataset:
    """Runs `first_run` .. `first_run + runs` of `scenario` (default: all of them), in
    slices of `chunk_runs` (default: one slice), each reduced by `keep`, joined over runs.

    `params` replaces the scenario's own parameters (a sample); `world_params[k]`, when
    given, replaces them for world k (a slice per block of consecutive worlds sharing one
    `Params` object; see the module docstring);
    `progress(done, total)` counts weeks over all slices; `serial` is held around each
    slice of the deterministic engine (whose parallel kernel may not be entered from two
    threads at once).
    """
    from cartelsim.scenarios.runner import run_scenario

    runs = scenario.run.runs - first_run if runs is None else runs
    if world_params is not None and len(world_params) < first_run + runs:
        raise CartelsimError(f"{scenario.source}: {len(world_params)} parameter sets for "
                             f"{first_run + runs} worlds; give one per world")
    slices = _blocks(world_params, first_run, runs) if world_params is not None else [
        (start, min(chunk_runs or runs, first_run + runs - start))
        for start in range(first_run, first_run + runs, chunk_runs or runs)]
    starts = [start for start, _ in slices]
    weeks = scenario.horizon.weeks
    parts = []
    for number, (start, size) in enumerate(slices):
        def report(done: int, total: int, number: int = number) -> None:
            if progress is not None:
                progress(number * weeks + done, len(starts) * weeks)

        guard = serial if serial is not None and scenario.run.engine == "deterministic" \
            else nullcontext()
        with guard:
            chosen = world_params[start] if world_params is not None else params
            ds = run_scenario(scenario, report, params=chosen, first_run=start, runs=size)
        parts.append(keep(ds) if keep is not None else ds)
    if len(parts) == 1:
        return parts[0]
    from cartelsim.world.run import join_runs

    return join_runs(parts)


def _blocks(world_params: Sequence[Params], first_run: int,
            runs: int) -> list[tuple[int, int]]:
    """(first run, runs) of each block of consecutive worlds sharing one Params object."""
    blocks: list[tuple[int, int]] = []
    for k in range(first_run, first_run + runs):
        if blocks and world_params[k] is world_params[blocks[-1][0]]:
            blocks[-1] = (blocks[-1][0], blocks[-1][1] + 1)
        else:
            blocks.append((k, 1))
    return blocks


@dataclass(frozen=True)
class PairedRuns:
    """Both scenarios' results, run k of each in the same random world."""

    base_scenario: Scenario
    policy_scenario: Scenario
    base: xr.Dataset
    policy: xr.Dataset


def run_paired(base: Scenario, policy: Scenario, *, chunk_runs: int | None = None,
               keep: Keep | None = None, progress: Callable[[float], None] | None = None,
               serial: AbstractContextManager | None = None, hint: str = "",
               world_params: Sequence[Params] | None = None) -> PairedRuns:
    """Check that `base` and `policy` share their worlds, then run both (base first).

    `progress` gets the share done (0..1) over both scenarios; `hint` ends the error
    message when the worlds differ (say how the caller's user can align them);
    `world_params[k]` are world k's parameters in both arms (see `run_slices`).
    """
    check_same_world(base, policy, hint=hint)
    results = []
    for index, scenario in enumerate((base, policy)):
        def share(done: int, total: int, index: int = index) -> None:
            if progress is not None:
                progress((index + done / max(total, 1)) / 2)

        results.append(run_slices(scenario, chunk_runs=chunk_runs, keep=keep,
                                  progress=share, serial=serial, world_params=world_params))
    return PairedRuns(base, policy, results[0], results[1])
