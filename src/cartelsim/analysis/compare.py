"""Paired comparison of a policy with a baseline run on the same random worlds.

Run k of both scenarios shares its seed streams (common random numbers, STYLE.md 5), so the
effect of the policy in world k is policy[k] - base[k]; its spread over worlds is the
uncertainty of the effect, much narrower than the spread of either scenario alone.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from cartelsim.errors import CartelsimError

if TYPE_CHECKING:
    from cartelsim.scenarios.schema import Scenario

COMPARED = {
    "homicides": "homicides / week",
    "total_members": "members",
    "total_deaths": "members killed / week",
    "active_groups": "active groups",
}
DEFAULT_HORIZONS_MONTHS = (3, 12, 36)
# Weekly flows are averaged over the 4 weeks (about a month) ending at each horizon, so one
# noisy week in the stochastic engine does not decide the comparison.
FLOW_WINDOW_WEEKS = 4
FLOWS = ("homicides", "disappearances", "total_deaths", "total_recruits", "total_arrests",
         "total_exits")


def months_to_weeks(months: float) -> int:
    """Whole weeks in `months` months (52/12 weeks a month)."""
    return int(round(months * 52 / 12))


def first_intervention(*scenarios: Scenario) -> dt.date | None:
    """The date the earliest intervention of any of `scenarios` starts (an intervention
    without a start begins with its scenario's horizon); None when there is none. Before
    it the paired worlds are identical, so horizons are counted from it."""
    dates = [item.start or scenario.start for scenario in scenarios
             for item in scenario.interventions]
    return min(dates, default=None)


def origin_week(times: np.ndarray, since: dt.date | None) -> int:
    """Index into `times` (weekly dates) of the week `since` falls in, rounded to the
    nearest week as interventions are (interventions.plan.week_of); 0 for None."""
    if since is None:
        return 0
    first = pd.Timestamp(times[0])
    week = int(round((pd.Timestamp(since) - first).days / 7))
    if not 0 <= week < len(times) - 1:
        raise CartelsimError(f"horizons counted from {since}: that date is not inside the "
                             f"simulated {first.date()} to {pd.Timestamp(times[-1]).date()}")
    return week


def group_label(ds: xr.Dataset, group: str) -> str:
    """The group id in `ds` for an id or display name; a helpful error otherwise."""
    from cartelsim.textmatch import closest

    if "group" not in ds.coords:
        raise CartelsimError("these results hold national totals only (no groups)")
    ids = [str(g) for g in ds.group.values]
    names = [str(n) for n in ds.group_name.values]
    if group in ids:
        return group
    if group in names:
        return ids[names.index(group)]
    lowered = [i.lower() for i in ids]  # ids in any case, as in scenario targets
    if group.lower() in lowered:
        return ids[lowered.index(group.lower())]
    hint = closest(group, ids + names)
    raise CartelsimError(f"unknown group {group!r}" + (f"; did you mean {hint!r}?" if hint else ""))


def group_series(ds: xr.Dataset, var: str, group: str) -> xr.DataArray:
    """One group's series of a per-group variable, shaped (run, time)."""
    return ds[var].sel(group=group_label(ds, group))


def paired_differences(base: xr.Dataset, policy: xr.Dataset,
                       horizons_months: tuple[float, ...] = DEFAULT_HORIZONS_MONTHS,
                       variables: dict[str, str] | None = None,
                       level: float = 0.90,
                       groups: tuple[str, ...] = (),
                       since: dt.date | None = None) -> pd.DataFrame:
    """One row per variable and horizon: both scenarios' medians and the paired difference.

    Horizons are months after `since`, the first intervention's date (`first_intervention`
    of the two scenarios), so "3 months" means three months of the policy, not of the
    simulation; None counts from the first simulated date. Flows (per week) are averaged
    over the 4 weeks ending at the horizon, never over weeks before `since`; stocks are
    taken at the horizon. Columns: variable, horizon (months), date, base, policy (medians over
    runs), difference
    (median of policy - base), low/high (the central `level` interval of the difference),
    relative (median difference / median base), p_lower (share of worlds where the policy
    is lower).
    """
    if base.sizes["run"] != policy.sizes["run"]:
        raise CartelsimError("the two results have different numbers of runs; pair them with "
                             "the same --runs and --seed")
    if not np.array_equal(base.time.values, policy.time.values):
        raise CartelsimError("the two results cover different dates; use the same start and "
                             "horizon in both scenarios")
    variables = variables or COMPARED
    series: dict[str, tuple[xr.DataArray, xr.DataArray, bool]] = {
        label: (base[var], policy[var], var in FLOWS) for var, label in variables.items()
    }
    for group in groups:
        for var, label in (("command_integrity", "command integrity"), ("members", "members")):
            if var in base and var in policy:
                name = f"{label} ({group_label(base, group)})"
                series[name] = (group_series(base, var, group), group_series(policy, var, group),
                                False)
    tail = (1.0 - level) / 2.0
    origin = origin_week(base.time.values, since)
    after = f" after {since}" if since is not None else ""
    rows = []
    for months in horizons_months:
        if not 0 < months < 12 * 1000:  # also refuses nan and inf
            raise CartelsimError(f"horizons must be positive, finite months, got {months!r}")
        if months_to_weeks(months) < 1:
            raise CartelsimError(f"horizon {months:g} months is less than a week")
        step = origin + months_to_weeks(months)
        if step >= base.sizes["time"]:
            end = pd.Timestamp(base.time.values[-1]).date()
            raise CartelsimError(f"horizon {months:g} months{after} is beyond the simulated "
                                 f"{base.sizes['time'] - 1 - origin} weeks{after} (to {end})")
        for label, (base_series, policy_series, is_flow) in series.items():
            window = slice(max(origin + 1, step - FLOW_WINDOW_WEEKS + 1), step + 1) \
                if is_flow else slice(step, step + 1)
            b = base_series.isel(time=window).mean("time").values.astype(float)
            p = policy_series.isel(time=window).mean("time").values.astype(float)
            diff = p - b
            ok = np.isfinite(diff)
            if not ok.any():
                continue
            low, mid, high = np.quantile(diff[ok], [tail, 0.5, 1.0 - tail])
            base_mid = float(np.median(b[ok]))
            rows.append({
                "variable": label,
                "horizon_months": months,
                "date": pd.Timestamp(base.time.values[step]).date(),
                "base": base_mid,
                "policy": float(np.median(p[ok])),
                "difference": float(mid),
                "low": float(low),
                "high": float(high),
                "relative": float(mid / base_mid) if base_mid else float("nan"),
                "p_lower": float(np.mean(diff[ok] < 0)),
                "runs": int(ok.sum()),
            })
    return pd.DataFrame(rows)
