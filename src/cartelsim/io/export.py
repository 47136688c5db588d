"""Export a results Dataset as NetCDF or tidy CSV, atomically."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from cartelsim.errors import CartelsimError
from cartelsim.io.atomic import write_atomically
from cartelsim.io.digest import ATTRIBUTE, content_digest, stamp

NATIONAL = ("total_members", "total_recruits", "total_arrests", "total_deaths", "total_exits",
            "active_groups")
# Written when the results hold them (the observation model, observable results).
OBSERVED = ("homicides", "disappearances", "hvt_removals", "seizures", "splits")


def write_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    """Write the Dataset to NetCDF-4 (compressed) with a checksum of its numbers, never
    leaving a partial file."""
    encoding = {
        name: {"zlib": True, "complevel": 4}
        for name, var in ds.data_vars.items()
        if var.dtype.kind == "f" and var.size > 1000
    }

    def render(tmp: Path) -> None:
        ds.to_netcdf(tmp, engine="netcdf4", encoding=encoding)
        stamp(tmp)

    return write_atomically(path, render)


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
    except (OSError, ValueError, RuntimeError) as exc:
        raise CartelsimError(f"{path}: not a readable NetCDF results file ({exc})") from None
    if "cartelsim_version" not in ds.attrs:
        raise CartelsimError(f"{path}: NetCDF file was not written by cartelsim")
    expected = ds.attrs.pop(ATTRIBUTE, None)  # verified here; a rewrite stamps its own
    if expected is None:
        raise CartelsimError(f"{path}: results file carries no checksum ({ATTRIBUTE}); it was "
                             "written by an older cartelsim or by another program")
    if content_digest(dict(ds.data_vars)) != expected:
        raise CartelsimError(f"{path}: results file is damaged: its numbers do not match the "
                             "checksum written with them")
    return ds


def write_ensemble_netcdf(store, path: str | Path,
                          progress: Callable[[int, int], None] | None = None) -> Path:
    """Write a finished ensemble (an `EnsembleStore`) as one NetCDF file, chunk by chunk.

    Only one chunk is in memory at a time: the file is laid out first (coordinates, sampled
    parameters, attributes, empty variables shaped (scenario, sample, run, time)), then each
    chunk is written into its region. The result holds the same data, coordinates and
    attributes as `store.gather()`; like every output it is written to a temporary name and
    moved into place only when complete.
    """
    import netCDF4

    store.require_complete()
    design = store.design
    chunks = design.chunks()
    with xr.open_dataset(store.path(chunks[0]), engine="netcdf4") as first:
        layout = {name: (var.dims, var.dtype, dict(var.attrs))
                  for name, var in first.data_vars.items()}
        times = first["time"].load()
        extra = {name: first[name].load() for name in first.coords
                 if name not in ("run", "time")}
    run_numbers = np.arange(design.runs)  # chunks hold global run numbers 0..runs-1
    skeleton = xr.Dataset(coords={"scenario": store.scenario_names(),
                                  "sample": np.arange(design.samples), "run": run_numbers,
                                  "time": times, **extra})
    for j, name in enumerate(design.parameters):
        skeleton[f"param_{name}"] = ("sample", [row[j] for row in design.values])
    skeleton.attrs.update(store.common_attrs())
    skeleton.attrs.update(store.ensemble_attrs())
    lead = (len(design.scenarios), design.samples, design.runs)

    def render(tmp: Path) -> None:
        skeleton.to_netcdf(tmp, engine="netcdf4")
        with netCDF4.Dataset(tmp, "a") as out:
            variables = {}
            for name, (dims, dtype, attrs) in layout.items():
                size = int(np.prod(lead)) * (times.size if "time" in dims else 1)
                floating = np.dtype(dtype).kind == "f"
                var = out.createVariable(name, dtype, ("scenario", "sample", *dims),
                                         zlib=floating and size > 1000,
                                         complevel=4, fill_value=np.nan if floating else False)
                var.setncatts({k: v for k, v in attrs.items() if not k.startswith("_")})
                variables[name] = var
            for done, chunk in enumerate(chunks, start=1):
                part = store.read(chunk)
                rows = slice(chunk.first_run, chunk.first_run + chunk.runs)
                for name, var in variables.items():
                    var[chunk.scenario, chunk.sample, rows, ...] = part[name].values
                del part
                if progress is not None:
                    progress(done, len(chunks))
        stamp(tmp)

    return write_atomically(path, render)
