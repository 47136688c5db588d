"""Readable summaries of a results Dataset: national series at chosen horizons, top groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

HORIZON_WEEKS = (0, 52, 156, 260, 520)
NATIONAL_ROWS = {
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
    columns = {}
    for step in steps:
        date = pd.Timestamp(ds.time.values[step]).strftime("%Y-%m-%d")
        columns[date] = [_describe(ds[var].isel(time=step).values.astype(float).ravel())
                         for var in NATIONAL_ROWS]
    return pd.DataFrame(columns, index=list(NATIONAL_ROWS.values()))


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
