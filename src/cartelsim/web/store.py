"""The results folder: one sub-folder per job, named by a server-made id, nothing else.

Every path the server opens is built here from a job id that matches `JOB_ID` and a file
name from `FILES`, and is checked to lie inside the results folder, so no request can name
a file. Files are written atomically (io.atomic) and `results.json` last: a job folder
without it is unfinished and never served as complete.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import uuid
from pathlib import Path

import pandas as pd
import xarray as xr

from cartelsim.io.atomic import write_atomically
from cartelsim.io.export import national_table, write_csv, write_netcdf
from cartelsim.system.model import System
from cartelsim.web.maps import result_maps
from cartelsim.web.network import network
from cartelsim.web.paired import SCENARIOS, PairedResult, difference_rows, fan_charts
from cartelsim.web.tomlio import scenario_toml

# The HDF5 library under netCDF4 is not thread-safe: two workers writing NetCDF at once
# crashed the process (a segfault, found by the concurrent-jobs test), so writes take turns.
_HDF5 = threading.Lock()
JOB_ID = re.compile(r"[0-9a-f]{32}")
SUMMARY = "results.json"
# download name -> (file in the job folder, media type)
FILES = {
    "results.json": "application/json",
    "results.csv": "text/csv; charset=utf-8",
    "differences.csv": "text/csv; charset=utf-8",
    "results.nc": "application/x-netcdf",
    "scenario.toml": "application/toml; charset=utf-8",
}


def new_job_id() -> str:
    return uuid.uuid4().hex


class ResultStore:
    """Reads and writes job folders under one root, refusing anything else."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve()

    def folder(self, job_id: str) -> Path | None:
        """The job's folder path (it may not exist yet); None for a malformed id."""
        if not isinstance(job_id, str) or not JOB_ID.fullmatch(job_id):
            return None
        path = (self.root / job_id).resolve()
        return path if path.parent == self.root else None

    def file(self, job_id: str, name: str) -> Path | None:
        """An existing result file of a finished job, or None."""
        folder = self.folder(job_id)
        if folder is None or name not in FILES or not (folder / SUMMARY).is_file():
            return None
        path = (folder / name).resolve()
        return path if path.parent == folder and path.is_file() else None

    def summary(self, job_id: str) -> dict | None:
        path = self.file(job_id, SUMMARY)
        return json.loads(path.read_text(encoding="utf-8")) if path else None

    def exists(self, job_id: str) -> bool:
        folder = self.folder(job_id)
        return folder is not None and folder.is_dir()

    def write(self, job_id: str, result: PairedResult, system: System,
              meta: dict[str, object]) -> dict[str, object]:
        """Write every download of a finished job; the summary last."""
        folder = self.folder(job_id)
        if folder is None:
            raise ValueError(f"malformed job id {job_id!r}")
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(folder / "scenario.toml", lambda tmp: tmp.write_text(
            scenario_toml(result.scenario), encoding="utf-8"))
        tables = [national_table(result.national[label]).assign(scenario=label)
                  for label in SCENARIOS]
        frame = pd.concat(tables, ignore_index=True)
        write_csv(frame[["scenario", *frame.columns[:-1]]], folder / "results.csv")
        write_csv(result.differences, folder / "differences.csv")
        combined = _combined(result)
        with _HDF5:
            write_netcdf(combined, folder / "results.nc")
        summary = {
            **meta,
            "fans": fan_charts(result),
            "network": network(system, result.members),
            "maps": result_maps(result),
            "differences": difference_rows(result.differences),
            "failed_runs": {label: int((result.national[label]["status"] != 0).sum())
                            for label in SCENARIOS},
        }
        write_atomically(folder / SUMMARY, lambda tmp: tmp.write_text(
            json.dumps(summary, allow_nan=False), encoding="utf-8"))
        return summary

    def prune(self, keep: int, protected: set[str], max_bytes: int | None = None) -> None:
        """Remove the oldest job folders until at most `keep` are left and they hold at most
        `max_bytes`; folders in `protected` (live jobs) are never removed, and count
        towards the bytes. The newest folder always stays, so a run larger than the cap
        can still be downloaded until the next one finishes."""
        folders = [p for p in self.root.iterdir() if p.is_dir() and JOB_ID.fullmatch(p.name)]
        folders.sort(key=lambda p: p.stat().st_mtime)
        sizes = {p.name: _bytes_in(p) for p in folders}
        total = sum(sizes.values())
        removable = [p for p in folders[:-1] if p.name not in protected]
        count = len(folders) - len(protected & sizes.keys())
        for old in removable:
            if count <= keep and (max_bytes is None or total <= max_bytes):
                break
            shutil.rmtree(old, ignore_errors=True)
            total -= sizes[old.name]
            count -= 1


def _bytes_in(folder: Path) -> int:
    """Bytes of the files directly in a job folder (job folders hold no sub-folders)."""
    total = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            try:
                total += entry.stat(follow_symlinks=False).st_size
            except OSError:  # removed while we looked
                continue
    return total


def _combined(result: PairedResult) -> xr.Dataset:
    """Both scenarios in one Dataset: national series (scenario, run, time) and members at
    the start and the end (scenario, run, moment, group)."""
    labels = pd.Index(list(SCENARIOS), name="scenario")
    national = xr.concat([result.national[label] for label in SCENARIOS], dim=labels,
                         combine_attrs="override")
    policy_members = result.members["policy"]
    groups = policy_members.group
    stripped = [result.members[label].drop_vars(
        [c for c in ("group_name", "home_state", "synthetic")
         if c in result.members[label].coords]).reindex(group=groups.values, fill_value=0.0)
        for label in SCENARIOS]
    members = xr.concat(stripped, dim=labels)
    members = members.assign_coords(group_name=("group", policy_members.group_name.values))
    members.attrs.update(units="members",
                         description="members at the start and at the end of the horizon")
    ds = national.assign(members=members)
    ds.attrs.update(result.national["policy"].attrs)
    ds.attrs.update(comparison="status quo (no intervention) and policy on common random "
                    "numbers: run k of both shares its random draws",
                    status_quo_digest=result.national["status-quo"].attrs.get(
                        "scenario_digest", ""))
    return ds
