"""A dashboard run: the user's scenario against the status quo on common random numbers.

The status quo is the same world (system, horizon, parameters, mechanisms, runs, seed) with
no intervention, so run k of both shares its random draws and the effect of the policy in
world k is a paired difference (analysis.compare). Runs are simulated in slices of a few
(`first_run`), which gives the same numbers as one big call while keeping memory bounded:
each slice is reduced at once to national series and members at the start and the end.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from cartelsim.analysis.compare import (
    first_intervention,
    months_to_weeks,
    origin_week,
    paired_differences,
)
from cartelsim.analysis.rounding import direction, interval_decimals, level_decimals
from cartelsim.io.export import NATIONAL, OBSERVED
from cartelsim.scenarios import paired
from cartelsim.scenarios.schema import Scenario

# Numba's parallel deterministic kernel may run on a threading layer that is not safe to
# enter from two Python threads at once, so dashboard workers take turns on that engine.
_PARALLEL_ENGINE = threading.Lock()

STANDARD_HORIZONS_MONTHS = (3, 12, 36, 60, 120)
FANS = {"homicides": "homicides / week", "total_members": "members (all groups)",
        "active_groups": "active groups"}
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
SCENARIOS = ("status-quo", "policy")
STATE_WEEKS = 52  # state homicides and flows north are kept as their mean over the last year


@dataclass(frozen=True)
class PairedResult:
    """Both scenarios reduced to what the dashboard shows and the downloads hold."""

    scenario: Scenario
    national: dict[str, xr.Dataset]    # "status-quo"/"policy" -> (run, time) national series
    members: dict[str, xr.DataArray]   # -> (run, moment=[start, end], group) members
    differences: pd.DataFrame          # analysis.compare.paired_differences
    # -> (run, state) state homicides per week, mean of the last STATE_WEEKS weeks; empty
    # when the results carry no state dimension
    states: dict[str, xr.DataArray] = field(default_factory=dict)
    # -> (run, crossing) tonnes north per week, mean of the last STATE_WEEKS weeks; or empty
    flows: dict[str, xr.DataArray] = field(default_factory=dict)


def status_quo_of(scenario: Scenario) -> Scenario:
    """The same world with no intervention: the baseline of the paired comparison."""
    return scenario.without_interventions()


def horizons_months(weeks: int) -> tuple[float, ...]:
    """The usual horizons that fit in `weeks` (the weeks simulated after the first
    intervention), and the end of the horizon unless it is within a month of the last."""
    chosen = [m for m in STANDARD_HORIZONS_MONTHS if months_to_weeks(m) < weeks]
    if not chosen or weeks - months_to_weeks(chosen[-1]) >= 4:  # not a month after the last
        chosen.append(round(weeks * 12 / 52, 6))
    return tuple(chosen)


def run_paired(scenario: Scenario, progress: Callable[[float], None],
               chunk_runs: int = 8) -> PairedResult:
    """Simulate both scenarios slice by slice; `progress` gets the share done (0..1)."""
    scenario = scenario.derive(run={"record": "groups"})
    pair = paired.run_paired(status_quo_of(scenario), scenario, chunk_runs=chunk_runs,
                             keep=_reduce, progress=progress, serial=_PARALLEL_ENGINE)
    national: dict[str, xr.Dataset] = {}
    members: dict[str, xr.DataArray] = {}
    states: dict[str, xr.DataArray] = {}
    flows: dict[str, xr.DataArray] = {}
    for label, ds in zip(SCENARIOS, (pair.base, pair.policy), strict=True):
        members[label] = ds["ends"].rename("members")
        if "state_recent" in ds:
            states[label] = ds["state_recent"].rename("state_homicides")
        if "flow_recent" in ds:
            flows[label] = ds["flow_recent"].rename("flow_north")
        national[label] = ds[[v for v in ds.data_vars
                              if v not in ("ends", "state_recent", "flow_recent")]]
    since = first_intervention(scenario)
    origin = origin_week(national["policy"].time.values, since)
    differences = paired_differences(national["status-quo"], national["policy"],
                                     horizons_months(scenario.horizon.weeks - origin),
                                     since=since)
    return PairedResult(scenario, national, members, differences, states, flows)


def _reduce(ds: xr.Dataset) -> xr.Dataset:
    """A slice of runs reduced to its national series, members at the start and end and, when
    the results have them, state homicides and flows north over the last `STATE_WEEKS` weeks."""
    keep = ds[[v for v in (*NATIONAL, *OBSERVED, "status") if v in ds]]
    ends = (ds["members"].isel(time=[0, -1]).rename(time="moment")
            .assign_coords(moment=["start", "end"]).drop_vars("week"))
    if "group_root" in ds:  # the world engine: splinters differ from run to run
        ends = _splinters_by_lineage(ends, ds["group_root"].values)
    if "state_homicides" in ds and "state" in ds["state_homicides"].dims:
        recent = ds["state_homicides"].isel(time=slice(-STATE_WEEKS, None)).mean("time")
        keep = keep.assign(state_recent=recent)
    if "flow_north" in ds and "crossing" in ds["flow_north"].dims:
        keep = keep.assign(flow_recent=ds["flow_north"].isel(time=slice(-STATE_WEEKS, None))
                           .mean("time"))
    return keep.assign(ends=ends)


def _splinters_by_lineage(ends: xr.DataArray, root: np.ndarray) -> xr.DataArray:
    """World-engine members (run, moment, group) with every splinter summed into one
    `<id>_splinter` column per base group (its lineage): the k-th splinter of one run is not
    the k-th of another, a lineage is; the axis is the same for every slice of runs."""
    labels = [str(g) for g in ends.group.values]
    n = sum(not label.startswith("split-") for label in labels)
    values = ends.values
    folded = np.zeros((*values.shape[:2], n))
    for r in range(values.shape[0]):
        for g in range(n, values.shape[2]):
            if root[r, g] >= 0:
                folded[r, :, root[r, g]] += values[r, :, g]
    names = [str(v) for v in ends.group_name.values[:n]] if "group_name" in ends.coords \
        else labels[:n]
    coords = {"run": ends.run.values, "moment": ends.moment.values,
              "group": labels[:n] + [f"{label}_splinter" for label in labels[:n]],
              "group_name": ("group", names + [f"splinters of {name}" for name in names])}
    for name in ("home_state", "synthetic"):  # a splinter's are its lineage's
        if name in ends.coords:
            base = ends[name].values[:n]
            coords[name] = ("group", np.concatenate([base, base]))
    data = np.concatenate([values[:, :, :n], folded], axis=2)
    return xr.DataArray(data, dims=ends.dims, coords=coords, attrs=ends.attrs)


def fan(values: np.ndarray) -> dict[str, list[float | None]]:
    """Quantiles over runs (axis 0) per week, NaN (flows on the first date) as null."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN first week of flows
        q = np.nanquantile(values.astype(float), QUANTILES, axis=0)
    return {f"q{round(level * 100):02d}": _clean(row) for level, row in zip(QUANTILES, q,
                                                                              strict=True)}


def fan_charts(result: PairedResult) -> dict[str, object]:
    """Fan chart data of homicides, members and active groups for both scenarios and their
    paired difference (policy - status quo, world by world)."""
    base, policy = result.national["status-quo"], result.national["policy"]
    dates = [str(d)[:10] for d in base.time.values]
    charts: dict[str, object] = {}
    for var, label in FANS.items():
        b, p = base[var].values, policy[var].values
        charts[var] = {"label": label, "unit": base[var].attrs.get("units", ""),
                       "dates": dates, "status-quo": fan(b), "policy": fan(p),
                       "difference": fan(p - b)}
    return charts


def _clean(values: np.ndarray) -> list[float | None]:
    return [None if not np.isfinite(v) else float(v) for v in np.asarray(values, dtype=float)]


def difference_rows(frame: pd.DataFrame) -> list[dict[str, object]]:
    """The paired-difference table as JSON-safe records, each with the decimals it is
    shown with (analysis.rounding) and its direction when the interval excludes zero."""
    rows = []
    for record in frame.to_dict(orient="records"):
        row = {key: (str(value) if key == "date" else
                     None if isinstance(value, float) and not np.isfinite(value) else value)
               for key, value in record.items()}
        decimals = interval_decimals(record["low"], record["high"], record["difference"])
        row.update(decimals=decimals,
                   level_decimals=level_decimals(
                       max(abs(record["base"]), abs(record["policy"])), decimals),
                   direction=direction(record["low"], record["high"]))
        rows.append(row)
    return rows
