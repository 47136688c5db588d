"""Readable summaries of a results Dataset: national series at chosen horizons, top groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

HORIZON_WEEKS = (0, 52, 156, 260, 520)
NATIONAL_ROWS = {
    "homicides": "homicides / week",
    "total_members": "members",
    "total_recruits": "recruits / week",
    "total_arrests": "arrests / week",
    "total_deaths": "killed in conflict / week",
    "total_exits": "exits / week",
    "active_groups": "active groups",
}


def _describe(values: np.ndarray) -> str:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return "-"
    if values.size == 1 or np.ptp(values) == 0:
        return f"{values[0]:,.0f}"
    lo, mid, hi = np.percentile(values, [5, 50, 95])
    return f"{mid:,.0f} [{lo:,.0f}-{hi:,.0f}]"


def national_summary(ds: xr.Dataset, horizons: tuple[int, ...] = HORIZON_WEEKS) -> pd.DataFrame:
    """Rows = national series, columns = dates at `horizons` weeks after the start.

    With several runs each cell is 'median [5th-95th percentile]' over runs.
    """
    steps = [h for h in horizons if h < ds.sizes["time"]]
    if ds.sizes["time"] - 1 not in steps:
        steps.append(ds.sizes["time"] - 1)
    rows = {var: label for var, label in NATIONAL_ROWS.items() if var in ds}
    columns = {}
    for step in steps:
        date = pd.Timestamp(ds.time.values[step]).strftime("%Y-%m-%d")
        columns[date] = [_describe(ds[var].isel(time=step).values.astype(float).ravel())
                         for var in rows]
    return pd.DataFrame(columns, index=list(rows.values()))


def top_groups(ds: xr.Dataset, count: int = 8) -> pd.DataFrame:
    """The largest groups at the end (median over runs), with their start size and share."""
    end = ds["members"].isel(time=-1).median("run").values
    begin = ds["members"].isel(time=0).median("run").values
    order = np.argsort(-end)[:count]
    total = end.sum()
    return pd.DataFrame({
        "group": [str(ds.group_name.values[i]) for i in order],
        "start": begin[order],
        "end": end[order],
        "share_end": end[order] / total,
        "synthetic": ds.synthetic.values[order].astype(bool),
    })


FAN_TITLES = {"homicides": "Homicides per week", "total_members": "Members (all groups)",
              "active_groups": "Active groups"}


def fan_figure(summary, index: int):
    """Fan chart of scenario `index` against the first from online bands (an
    `ensembles.online.OnlineSummary`): both scenarios' median and 90 % band on top, the
    paired difference below, as `analysis.figures.comparison_figure` draws from runs."""
    from cartelsim.analysis.figures import new_figure

    variables = list(summary.fan)
    fig = new_figure(4.2 * len(variables), 7)
    axes = fig.subplots(2, len(variables), sharex=True, squeeze=False)
    times = pd.to_datetime(summary.times)
    base, policy = summary.scenarios[0], summary.scenarios[index]
    scenarios = len(summary.scenarios)
    for col, var in enumerate(variables):
        bands = summary.fan[var]  # [level, series, time]
        top, bottom = axes[0, col], axes[1, col]
        for series, name in ((0, base), (index, policy)):
            _fan(top, times, bands[:, series], name)
        _fan(bottom, times, bands[:, scenarios - 1 + index], "difference", color="C3")
        bottom.axhline(0.0, color="black", lw=0.8)
        top.set_title(FAN_TITLES.get(var, var), fontsize=10)
        bottom.set_title(f"{policy} minus {base} (paired)", fontsize=9)
        for ax in (top, bottom):
            ax.grid(alpha=0.3)
        top.legend(fontsize=7)
    how = "exact" if summary.exact_fan else "binned: within half a bin"
    fig.suptitle(f"{policy} against {base}: median and 90 % of {summary.worlds:,} paired "
                 f"worlds ({how} quantiles)")
    return fig


def _fan(ax, times, band: np.ndarray, label: str, color: str | None = None) -> None:
    line = ax.plot(times, band[1], label=label, color=color)[0]
    ax.fill_between(times, band[0], band[2], alpha=0.25, color=line.get_color())
