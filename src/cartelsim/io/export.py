"""Export a results Dataset as NetCDF or tidy CSV, atomically."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from cartelsim.errors import CartelsimError
from cartelsim.io.atomic import free_space_note, write_atomically
from cartelsim.io.digest import ATTRIBUTE, content_digest, stamp

NATIONAL = ("total_members", "total_recruits", "total_arrests", "total_deaths", "total_exits",
            "active_groups")
# Written when the results hold them (the observation model, observable results).
OBSERVED = ("homicides", "disappearances", "hvt_removals", "seizures", "splits")


# zlib level 1 with byte shuffling: about 15 % larger files than level 4, written in 60 % of
# the time (BENCHMARKS.md, "Writing results").
COMPRESSION = {"zlib": True, "complevel": 1, "shuffle": True}
# Variables up to this size are written together; larger ones one at a time, for progress.
_GROUP_BYTES = 16 * 2**20

Progress = Callable[[int, int], None]


def write_netcdf(ds: xr.Dataset, path: str | Path, progress: Progress | None = None) -> Path:
    """Write the Dataset to NetCDF-4 (compressed) with a checksum of its numbers, never
    leaving a partial file.

    `progress(done, total)` is called in megabytes of data written, as large variables are
    written one at a time; `total` is reported once the checksum is written too. A full disk (or any error of the NetCDF library) is a one-line
    `CartelsimError` naming the file and the free space, and leaves no file behind.
    """
    encoding = {
        name: dict(COMPRESSION)
        for name, var in ds.data_vars.items()
        if var.dtype.kind == "f" and var.size > 1000
    }
    groups = _write_groups(ds)
    total = sum(ds[name].nbytes for group in groups for name in group)

    def render(tmp: Path) -> None:
        done = 0
        with netcdf_errors(path):
            for index, names in enumerate(groups):
                if index == 0:  # coordinates, attributes and the first variables
                    part = ds.drop_vars([n for n in ds.data_vars if n not in names])
                else:  # appended in order, so the file lists variables as `ds` does
                    part = ds[names].copy(deep=False)
                    part.attrs = {}
                part.to_netcdf(tmp, mode="w" if index == 0 else "a", engine="netcdf4",
                               encoding={n: encoding[n] for n in names if n in encoding})
                done += sum(ds[name].nbytes for name in names)
                if progress is not None and done < total:  # the last step includes the checksum
                    progress(math.ceil(done / 2**20), math.ceil(total / 2**20))
            stamp(tmp, ds)
        if progress is not None:
            progress(math.ceil(total / 2**20), math.ceil(total / 2**20))

    return write_atomically(path, render)


def _write_groups(ds: xr.Dataset) -> list[list[str]]:
    """The data variables in order, cut into runs of small ones and single large ones."""
    groups: list[list[str]] = [[]]
    for name, var in ds.data_vars.items():
        large = var.nbytes > _GROUP_BYTES
        if large and groups[-1]:
            groups.append([])
        groups[-1].append(str(name))
        if large:
            groups.append([])
    return [group for group in groups if group] or [[]]


@contextmanager
def netcdf_errors(target: str | Path) -> Iterator[None]:
    """Turn the NetCDF library's errors while writing `target` (a full disk gives
    'NetCDF: HDF error') into a one-line error naming the file and the free space."""
    try:
        yield
    except RuntimeError as exc:
        if not str(exc).startswith(("NetCDF", "HDF")):
            raise
        folder = Path(target).parent if str(Path(target).parent) else Path(".")
        raise CartelsimError(f"cannot write {target}: {exc}{free_space_note(folder)}"
                             ) from None


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
        with netcdf_errors(path):
            write_chunks(tmp)
            stamp(tmp)

    def write_chunks(tmp: Path) -> None:
        skeleton.to_netcdf(tmp, engine="netcdf4")
        with netCDF4.Dataset(tmp, "a") as out:
            variables = {}
            for name, (dims, dtype, attrs) in layout.items():
                size = int(np.prod(lead)) * (times.size if "time" in dims else 1)
                floating = np.dtype(dtype).kind == "f"
                var = out.createVariable(name, dtype, ("scenario", "sample", *dims),
                                         **(COMPRESSION if floating and size > 1000 else {}),
                                         fill_value=np.nan if floating else False)
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

    return write_atomically(path, render)
