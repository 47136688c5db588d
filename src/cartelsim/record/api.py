"""`history(...)`: replay the record and, optionally, a paired counterfactual history.

    >>> import cartelsim
    >>> result = cartelsim.history(runs=20, seed=1, drop_events="kind=removal;to=2010")
    >>> result.national_by_year()        # the table the command line writes
    >>> fig = result.plot()              # the replay against the record
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

import xarray as xr

from cartelsim.calibration.posterior import PACKAGED_TERRITORY, Posterior, load_posterior
from cartelsim.engines.simulate import Progress
from cartelsim.errors import CartelsimError
from cartelsim.record.counterfactual import check_paired, select_dropped
from cartelsim.record.draws import join_runs, parameter_worlds, predictive_factors
from cartelsim.record.events import load_events
from cartelsim.record.filters import EventFilter, parse_filter
from cartelsim.record.observation import annual
from cartelsim.record.observed import group_counts, national_homicides
from cartelsim.record.replay import Runner, build_replay, replay_weeks, run_replay
from cartelsim.record.result import HistoryResult
from cartelsim.record.world import START_YEAR, embedded_group_ids, history_groups
from cartelsim.scenarios.runner import run_scenario

DEFAULT_RUNS = 50
DEFAULT_SEED = 0
# Phase progress: called as progress(phase, weeks_done, weeks) with phase "replay" or
# "counterfactual".
PhaseProgress = Callable[[str, int, int], None]


def history(
    *,
    runs: int = DEFAULT_RUNS,
    seed: int = DEFAULT_SEED,
    events: str | Path | None = None,
    drop_events: str | EventFilter | None = None,
    engine: str = "stochastic",
    fragmentation: str = "open",
    parameters: Mapping[str, float] | None = None,
    posterior: Posterior | Literal["packaged"] | None = "packaged",
    posterior_draws: int = 0,
    progress: PhaseProgress | None = None,
    runner: Runner = run_scenario,
    territory: bool = False,
) -> HistoryResult:
    """Replay 2007 to mid-2026 from the world of 2007 and the event timeline.

    Args:
        runs: paired worlds (replicates).
        seed: root seed; the same seed gives the same numbers.
        events: a user's events file, merged with the shipped timeline (`load_events`).
        drop_events: a FILTER (`cartelsim.record.filters`) choosing events to leave out of
            a paired counterfactual history, e.g. "kind=leader_*;from=2006;to=2010". None:
            no counterfactual.
        engine: the scenario engine ("stochastic" or "deterministic"; deterministic runs
            differ only through the random successions and splits).
        fragmentation: "open" (default: the world engine, any contested group splits,
            splinters again; `cartelsim.world`) or "capped" (one split per group, the older
            engines, which have no new-group entry: the posterior's entry_rate is left out).
        parameters: catalogue overrides (e.g. {"baseline_homicides": 9000}); they win over
            the posterior's values.
        posterior: a calibrated posterior (`calibration.posterior.load_posterior`);
            "packaged" (default): the one shipped with the package; None: the catalogue
            defaults. With `posterior_draws` = 0 every run uses its median.
        posterior_draws: carry parameter uncertainty: the runs are shared among this many
            draws of the posterior (seeded by `seed`), each a replay of its own with seed
            (seed, draw); the counterfactual uses the same draws and seeds.
        progress: called as progress(phase, weeks_done, weeks).
        runner: runs a scenario (default `run_scenario`).
        territory: switch on the 32 states (world engine only): the replay then carries
            ``state_homicides`` and ``flow_north`` dated by the world of 2007; with a
            posterior, the territory posterior's median (stage 2, `cartelsim calibrate
            territory`) comes under `parameters`.

    Returns:
        A `HistoryResult` (tables by year, the labelled dataset, `.plot()`, `.write(dir)`).
        With a posterior that kept its homicide discrepancy, its yearly homicides also come
        as the posterior predictive (``predictive_*`` in `national_by_year`).

    Raises:
        CartelsimError: a bad events file, filter, parameter or run setting (one line).
    """
    timeline = load_events(events)
    chosen = _filter(drop_events)
    dropped = select_dropped(timeline, chosen) if chosen is not None else ()
    if isinstance(posterior, str):
        if posterior != "packaged":
            raise CartelsimError(f"posterior must be a Posterior, 'packaged' or None, got "
                                 f"{posterior!r}")
        posterior = load_posterior()
    if territory and posterior is not None:
        parameters = {**load_posterior(packaged=PACKAGED_TERRITORY).median(),
                      **(parameters or {})}
    worlds = parameter_worlds(runs, seed, parameters, posterior, posterior_draws)
    setups = []
    for world in worlds:
        values = dict(world.parameters)
        if fragmentation == "capped" and "entry_rate" not in (parameters or {}):
            values.pop("entry_rate", None)  # the capped engines have no entry (results say so)
        common = {"runs": world.runs, "seed": world.seed, "engine": engine,
                  "fragmentation": fragmentation, "parameters": values,
                  "territory": territory}
        setups.append((build_replay(timeline, **common),  # type: ignore[arg-type]
                       build_replay(timeline, dropped=dropped, name="history-counterfactual",
                                    **common)  # type: ignore[arg-type]
                       if chosen is not None else None))
    factual_setup, counter_setup = setups[0]
    factual_parts = [run_replay(f, _phase(progress, "replay", k, len(setups)), runner)
                     for k, (f, _) in enumerate(setups)]
    counter_parts = []
    if counter_setup is not None:
        for k, (_, c) in enumerate(setups):
            assert c is not None
            counter_parts.append(run_replay(c, _phase(progress, "counterfactual", k,
                                                      len(setups)), runner))
            check_paired(factual_parts[k], counter_parts[-1])
    factual = join_runs(factual_parts)
    years = annual(factual, "homicides_inegi")["year"]
    discrepancy = None
    if any(world.discrepancy > 0.0 for world in worlds):
        discrepancy = xr.DataArray(predictive_factors(worlds, years.size, seed),
                                   dims=("run", "year"),
                                   coords={"run": factual["run"].values, "year": years.values})
    counterfactual = join_runs(counter_parts) if counter_parts else None
    uses = factual_setup.uses  # how the replay used each event; dropped from the other
    if counter_setup is not None:
        uses = tuple(dataclasses.replace(u, dropped=c.dropped)
                     for u, c in zip(uses, counter_setup.uses, strict=True))
    founders = {g.id: g.first_seen for g in history_groups() if g.active_in(START_YEAR)}
    return HistoryResult(
        factual=factual,
        counterfactual=counterfactual,
        uses=uses,
        drop_filter=chosen,
        observed=national_homicides(),
        counts=group_counts(),
        founders=founders,
        parameters=_parameters_note(posterior, posterior_draws),
        discrepancy=discrepancy,
    )


def _parameters_note(posterior: Posterior | None, draws: int) -> str:
    """Where the replay's parameters came from, in words (the figure's title)."""
    if posterior is None:
        return "at the catalogue defaults"
    if draws:
        return f"on {draws} draws of the calibrated posterior"
    return "at the calibrated posterior's median"


def _filter(drop_events: str | EventFilter | None) -> EventFilter | None:
    if drop_events is None or isinstance(drop_events, EventFilter):
        return drop_events
    if not isinstance(drop_events, str):
        raise CartelsimError(f"drop_events must be a FILTER text such as "
                             f"'kind=leader_*;to=2010', got {drop_events!r}")
    known = {g.id for g in history_groups()} | embedded_group_ids()
    return parse_filter(drop_events, known)


def _phase(progress: PhaseProgress | None, phase: str, part: int = 0,
           parts: int = 1) -> Progress | None:
    """Weeks of one part (a posterior draw) reported as weeks of the whole history."""
    if progress is None:
        return None
    return lambda done, total: progress(phase, part * total + done, parts * total)


__all__ = ["DEFAULT_RUNS", "DEFAULT_SEED", "history", "replay_weeks"]
