"""Export a results Dataset as NetCDF or tidy CSV, atomically."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xarray as xr

from cartelsim.errors import CartelsimError
from cartelsim.io.atomic import write_atomically

NATIONAL = ("total_members", "total_recruits", "total_arrests", "total_deaths", "total_exits",
            "active_groups")
# Written when the results hold them (the observation model, observable results).
OBSERVED = ("homicides", "disappearances", "hvt_removals", "seizures", "splits")


def write_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    """Write the Dataset to NetCDF-4 (compressed), never leaving a partial file."""
    encoding = {
        name: {"zlib": True, "complevel": 4}
        for name, var in ds.data_vars.items()
        if var.dtype.kind == "f" and var.size > 1000
    }
    return write_atomically(path, lambda tmp: ds.to_netcdf(tmp, engine="netcdf4",
                                                           encoding=encoding))


def national_table(ds: xr.Dataset) -> pd.DataFrame:
    """One row per run and week with the national series (members, flows, active groups)
    and, where present, homicides, disappearances, leader removals, seizures and splits."""
    observed = [v for v in OBSERVED if v in ds]
    frame = ds[[*NATIONAL, *observed]].to_dataframe().reset_index()
    frame = frame.rename(columns={"time": "date", **{v: v.removeprefix("total_") for v in NATIONAL}})
    return frame[["run", "week", "date", "members", "recruits", "arrests", "deaths", "exits",
                  "active_groups", *observed]]


def group_table(ds: xr.Dataset) -> pd.DataFrame:
    """One row per run, week and group with members and flows (needs per-group results)."""
    if "members" not in ds:
        raise CartelsimError("these results hold national totals only; rerun with per-group recording")
    cols = ["members", "recruits", "arrests", "deaths", "exits"]
    frame = ds[cols].to_dataframe().reset_index()
    frame = frame.rename(columns={"time": "date"})
    return frame[["run", "week", "date", "group", "group_name", "synthetic", *cols]]


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a tidy table as CSV (UTF-8, ISO dates), atomically."""
    return write_atomically(
        path, lambda tmp: frame.to_csv(tmp, index=False, date_format="%Y-%m-%d",
                                       float_format="%.10g")
    )


def load_results(path: str | Path) -> xr.Dataset:
    """Open a results file written by cartelsim, with a clear error if it is not one."""
    path = Path(path)
    if not path.is_file():
        raise CartelsimError(f"{path}: file not found")
    try:
        ds = xr.load_dataset(path, engine="netcdf4")
    except (OSError, ValueError) as exc:
        raise CartelsimError(f"{path}: not a readable NetCDF results file ({exc})") from None
    if "cartelsim_version" not in ds.attrs:
        raise CartelsimError(f"{path}: NetCDF file was not written by cartelsim")
    return ds
