"""Turn engine arrays into a labelled `xarray.Dataset` (STYLE.md 6).

Dims: run, time (calendar dates, one a week) and group. Flows are totals over the week that
ends at `time` (NaN for the first date). Units and provenance live in attrs.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import xarray as xr

from cartelsim import __version__
from cartelsim.engines.kernels import FLOW_NAMES, STATUS_MESSAGES
from cartelsim.params.catalogue import Params
from cartelsim.system.model import System

UNITS = {
    "members": "members",
    "recruits": "members per week",
    "arrests": "members per week",
    "deaths": "members per week",
    "exits": "members per week",
    "active_groups": "groups with at least one member",
}
DESCRIPTIONS = {
    "members": "members at the date",
    "recruits": "recruits over the week ending at the date",
    "arrests": "members incapacitated (arrested or imprisoned) over the week ending at the date",
    "deaths": "members killed in conflict over the week ending at the date",
    "exits": "members leaving (saturation) over the week ending at the date",
    "active_groups": "number of groups with at least one member (-1 after a run failed)",
}


def build_dataset(
    *,
    system: System,
    params: Params,
    engine: str,
    seed: int | None,
    start: pd.Timestamp,
    week_offset: int,
    totals: np.ndarray,
    active: np.ndarray,
    group_members: np.ndarray | None,
    group_flows: np.ndarray | None,
    status: np.ndarray,
    observable: dict[str, np.ndarray] | None = None,
    extra_attrs: dict[str, str] | None = None,
    first_run: int = 0,
) -> xr.Dataset:
    """Assemble the Dataset from kernel outputs (see `kernels` for array shapes)."""
    runs, steps, _ = totals.shape
    weeks = np.arange(steps) + week_offset
    times = start + pd.to_timedelta(7 * np.arange(steps), unit="D")
    coords = {
        "run": first_run + np.arange(runs),
        "time": times,
        "week": ("time", weeks),
    }
    data_vars: dict[str, tuple] = {
        "total_members": (("run", "time"), totals[:, :, 0]),
        "active_groups": (("run", "time"), active.astype(np.int64)),
        "status": (("run",), status.astype(np.int64)),
    }
    for f, name in enumerate(FLOW_NAMES):
        data_vars[f"total_{name}"] = (("run", "time"), totals[:, :, 1 + f])
    if group_members is not None and group_members.shape[0] > 0:
        coords.update(
            group=list(system.group_ids),
            group_name=("group", list(system.group_names)),
            home_state=("group", list(system.home_states)),
            synthetic=("group", system.synthetic.astype(bool)),
        )
        data_vars["members"] = (("run", "time", "group"), group_members)
        for f, name in enumerate(FLOW_NAMES):
            data_vars[name] = (("run", "time", "group"), group_flows[:, :, f, :])
    for name, counts in (observable or {}).items():
        data_vars[name] = (("run", "time"), counts)
    observable_attrs = {
        "hvt_removals": ("leader removals", "leader-removal operations that succeeded on the date"),
        "seizures": ("US$ million per week", "money frozen by financial intelligence over the "
                     "week ending at the date (before court releases)"),
    }
    ds = xr.Dataset(data_vars, coords=coords)
    for var in ds.data_vars:
        base = str(var).removeprefix("total_")
        if base in UNITS:
            ds[var].attrs["units"] = UNITS[base]
            scope = "all groups: " if str(var).startswith("total_") else ""
            ds[var].attrs["description"] = scope + DESCRIPTIONS[base]
    for name, (units, description) in observable_attrs.items():
        if name in ds:
            ds[name].attrs.update(units=units, description=description)
    ds["status"].attrs["description"] = "; ".join(f"{k} = {v}" for k, v in STATUS_MESSAGES.items())
    ds.attrs.update(
        {
            "title": f"cartelsim {engine} run on {system.name}",
            "cartelsim_version": __version__,
            "system": system.name,
            "system_summary": json.dumps(system.describe()),
            "engine": engine,
            "seed": "none" if seed is None else str(seed),
            "parameters": json.dumps(params.provenance()),
            "synthetic_groups": str(int(system.synthetic.sum())),
            "sources": " | ".join(system.sources),
            "flow_convention": "flows are totals over the week ending at the date; NaN at the first date",
        }
    )
    if extra_attrs:
        ds.attrs.update(extra_attrs)
    return ds
