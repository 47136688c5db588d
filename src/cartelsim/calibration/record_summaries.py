"""From a replay to the summaries the record can be compared with (shape [run, ...]).

Kept apart from the likelihood so the forecast scoring and the identifiability report read
the same numbers the fit compares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from cartelsim.calibration.record_targets import KINGPIN_WEEKS, MEMBERS_YEAR, RecordTargets
from cartelsim.record.observation import annual, year_end
from cartelsim.record.replay import ReplaySetup


@dataclass(frozen=True)
class Removal:
    """An applied removal of the replay: the week it acts and the index of the (2007) group
    whose lineage it acts on."""

    week: int
    group: int
    year: int


@dataclass(frozen=True)
class Summaries:
    """Simulated summaries on the log scale, one row per run."""

    log_homicides: np.ndarray  # [run, homicide year]
    log_groups: np.ndarray  # [run, group count]
    log_members: np.ndarray  # [run]
    log_kingpin: np.ndarray  # [run]; NaN where no removal had a before and after window


def applied_removals(setup: ReplaySetup, group_ids: list[str]) -> list[Removal]:
    """The removals that act in the replay, with their week (as the plan rounds it)."""
    start = setup.scenario.horizon.start
    removals = []
    seen = set()
    for use in setup.uses:
        if not use.acts:
            continue
        week = int(round((use.event.date - start).days / 7))
        lineage = use.lineage or use.event.group  # a later group: its 2007 lineage
        key = (week, lineage)
        if key in seen:
            continue
        seen.add(key)
        removals.append(Removal(week, group_ids.index(lineage), use.event.date.year))
    return removals


def summarise(ds: xr.Dataset, removals: list[Removal], targets: RecordTargets) -> Summaries:
    """The summaries of `targets` from a replay dataset (with the observed series added)."""
    homicides = annual(ds, "homicides_inegi").sel(year=targets.homicide_years)
    groups = year_end(ds, "active_groups").sel(year=targets.group_years)
    members = year_end(ds, "total_members").sel(year=MEMBERS_YEAR)
    with np.errstate(divide="ignore"):
        return Summaries(
            log_homicides=np.log(homicides.transpose("run", "year").to_numpy().astype(float)),
            log_groups=np.log(np.maximum(groups.transpose("run", "year").to_numpy().astype(float), 1.0)),
            log_members=np.log(members.to_numpy().astype(float)),
            log_kingpin=kingpin_effect(ds, [r for r in removals if r.year <= targets.until]),
        )


def lineage_deaths(ds: xr.Dataset) -> np.ndarray:
    """Conflict deaths per lineage [run, time, base group], NaN as 0: from the replay's
    record by lineage (``lineage_deaths``, run.record = "lineages") or summed from every
    group's series by ``group_root``."""
    if "lineage_deaths" in ds:
        return np.nan_to_num(ds["lineage_deaths"].transpose("run", "time", "lineage")
                             .to_numpy().astype(float))
    deaths = ds["deaths"].fillna(0.0).transpose("run", "time", "group").to_numpy().astype(float)
    root = ds["group_root"].transpose("run", "group").to_numpy()
    n_base = int(root.max()) + 1  # base groups are their own roots, in the first columns
    out = np.zeros((*deaths.shape[:2], n_base))
    for b in range(n_base):
        out[:, :, b] = np.einsum("rtg,rg->rt", deaths, root == b)
    return out


def kingpin_effect(ds: xr.Dataset, removals: list[Removal],
                   weeks: int = KINGPIN_WEEKS) -> np.ndarray:
    """Mean log ratio of lineage deaths after / before each removal, per run: shape [run].

    The lineage of a removed group is the group and every splinter or entrant of it
    (``group_root``). After = the `weeks` weeks following the removal week, before = the
    `weeks` weeks up to it. Removals without a full before window, or whose lineage had no
    deaths before, are left out of the run's mean.
    """
    deaths = lineage_deaths(ds)
    n_time = deaths.shape[1]
    ratios = []
    for removal in removals:
        if removal.week < weeks or removal.week + weeks >= n_time:
            continue
        before = deaths[:, removal.week - weeks + 1:removal.week + 1, removal.group].sum(axis=1)
        after = deaths[:, removal.week + 1:removal.week + weeks + 1, removal.group].sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios.append(np.where(before > 0, np.log(after / before), np.nan))
    if not ratios:
        return np.full(deaths.shape[0], np.nan)
    stacked = np.array(ratios)
    stacked[~np.isfinite(stacked)] = np.nan
    with np.errstate(invalid="ignore"):
        counted = np.sum(np.isfinite(stacked), axis=0)
        total = np.nansum(stacked, axis=0)
    return np.where(counted > 0, total / np.maximum(counted, 1), np.nan)
