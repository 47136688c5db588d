"""`cartelsim ensemble`, `summarize` and `export` as real subprocesses (exit codes, stderr).

All commands of the module start at once on a small thread pool, each in its own folder;
each test waits for the job it checks. One job kills an ensemble with SIGKILL half-way and
resumes it; its export must equal a fresh uninterrupted ensemble's, and the chunks finished
before the kill must not be written again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cartelsim.analysis.compare import COMPARED, months_to_weeks

WEEKS = 60
FLOW = ("ensemble", "a.toml", "b.toml", "--out", "ens", "--runs", "6", "--samples", "2",
        "--parameters", "recruitment_rate", "--chunk-runs", "3", "--executor", "serial",
        "--seed", "3")
LONG = ("ensemble", "a.toml", "b.toml", "--out", "ens", "--runs", "60", "--chunk-runs", "2",
        "--executor", "serial", "--seed", "3")
LONG_CHUNKS = 2 * 30
BASE = ("ensemble", "a.toml", "b.toml", "--out", "ens", "--runs", "6", "--executor", "serial")


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "cartelsim", *args]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(COLUMNS="200", PYTHONIOENCODING="utf-8")
    return env


def cartelsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run `python -m cartelsim ARGS` in `cwd` with a fixed terminal width."""
    return subprocess.run(_command(*args), cwd=cwd, env=_env(), capture_output=True, text=True,
                          encoding="utf-8", timeout=300)


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, (f"{result.args}: exit {result.returncode}\n"
                                    f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    assert "Traceback" not in result.stderr
    return result


def one_error_line(result: subprocess.CompletedProcess, *fragments: str) -> str:
    """Exit 2 and a single `error: ...` line on stderr containing every fragment."""
    assert result.returncode == 2, (f"exit {result.returncode}\nstdout:\n{result.stdout}\n"
                                    f"stderr:\n{result.stderr}")
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def tree(root: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(root.rglob("*"))}


def finished(folder: Path) -> dict[str, str]:
    """The manifest's finished chunks (empty while there is no manifest yet)."""
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["finished"]
    except FileNotFoundError:
        return {}


@dataclass
class Job:
    cwd: Path
    before: dict[str, bytes | None]
    future: Future
    notes: dict = field(default_factory=dict)

    @property
    def result(self):
        return self.future.result()


def _flow(cwd: Path) -> dict[str, subprocess.CompletedProcess]:
    out = {"ensemble": cartelsim(*FLOW, cwd=cwd)}
    if out["ensemble"].returncode == 0:
        out["summarize"] = cartelsim("summarize", "ens", "--horizons", "3,12", "--out",
                                     "s.csv", cwd=cwd)
        out["export"] = cartelsim("export", "ens", "--out", "e.nc", cwd=cwd)
    return out


def _fresh(cwd: Path) -> dict[str, subprocess.CompletedProcess]:
    out = {"ensemble": cartelsim(*LONG, cwd=cwd)}
    if out["ensemble"].returncode == 0:
        out["export"] = cartelsim("export", "ens", "--out", "e.nc", cwd=cwd)
    return out


def _killed(cwd: Path, notes: dict) -> dict[str, subprocess.CompletedProcess]:
    """Start the long ensemble, SIGKILL it once 3 chunks are finished, then resume it."""
    process = subprocess.Popen(_command(*LONG), cwd=cwd, env=_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while len(finished(cwd / "ens")) < 3:
            if process.poll() is not None:
                raise AssertionError(f"ensemble ended before it could be killed: exit "
                                     f"{process.returncode}\n{process.stderr.read()}")
            if time.monotonic() > deadline:
                raise AssertionError("no 3 finished chunks within 120 s")
            time.sleep(0.02)
        process.kill()  # SIGKILL: no cleanup of any kind
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    notes["returncode"] = process.returncode
    ens = cwd / "ens"
    notes["finished"] = finished(ens)
    notes["stats"] = {key: (ens / "chunks" / f"{key}.nc").stat() for key in notes["finished"]}
    notes["tree"] = tree(ens)
    out = {"again": cartelsim(*LONG, cwd=cwd)}
    notes["tree_after_again"] = tree(ens)
    out["early_export"] = cartelsim("export", "ens", "--out", "early.nc", cwd=cwd)
    out["resume"] = cartelsim(*LONG, "--resume", cwd=cwd)
    notes["stats_after"] = {key: (ens / "chunks" / f"{key}.nc").stat()
                            for key in notes["finished"]}
    if out["resume"].returncode == 0:
        out["export"] = cartelsim("export", "ens", "--out", "e.nc", cwd=cwd)
    return out


BAD = {
    "unknown-parameter": ((*BASE, "--samples", "2", "--parameters", "recruitment_rat"),
                          ("'recruitment_rat'", "did you mean 'recruitment_rate'")),
    "samples-without-parameters": ((*BASE, "--samples", "3"), ("--samples", "--parameters")),
    "unknown-method": ((*BASE, "--samples", "2", "--parameters", "recruitment_rate",
                        "--method", "foo"), ("--method", "lhs", "sobol", "'foo'")),
    "unknown-executor": (("ensemble", "a.toml", "b.toml", "--out", "ens", "--runs", "6",
                          "--executor", "foo"), ("'foo'", "serial, processes, dask")),
    "too-large": (("ensemble", "a.toml", "b.toml", "--out", "ens", "--runs", "6",
                   "--max-gb", "0.000001"), ("GB", "--max-gb")),
    "scheduler-malformed": ((*BASE[:-1], "dask", "--scheduler", "localhost"),
                            ("localhost",)),
}


@pytest.fixture(scope="module")
def jobs(tmp_path_factory, make_scenario) -> Iterator[dict[str, Job]]:
    started: dict[str, Job] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:

        def launch(key: str, work: Callable[..., object], with_notes: bool = False) -> None:
            cwd = tmp_path_factory.mktemp(key)
            make_scenario(cwd, "a", weeks=WEEKS, seed=1)
            make_scenario(cwd, "b", policy=True, weeks=WEEKS, seed=8, runs=40)
            job = Job(cwd, tree(cwd), None)  # type: ignore[arg-type]
            job.future = pool.submit(work, cwd, job.notes) if with_notes \
                else pool.submit(work, cwd)
            started[key] = job

        launch("killed", _killed, with_notes=True)  # slowest first
        launch("fresh", _fresh)
        launch("flow", _flow)
        for name, (args, _) in BAD.items():
            launch(f"bad-{name}", lambda cwd, args=args: cartelsim(*args, cwd=cwd))
        yield started


# --------------------------------------------------------------------------- a whole flow


def test_ensemble_runs(jobs) -> None:
    stdout = ok(jobs["flow"].result["ensemble"]).stdout
    assert "2 scenario(s) x 2 sample(s) x 6 run(s) = 24 runs in 8 chunk(s)" in stdout
    assert (jobs["flow"].cwd / "ens" / "manifest.json").is_file()


def test_summarize_writes_paired_differences_of_b_minus_a(jobs) -> None:
    job = jobs["flow"]
    result = ok(job.result["summarize"])
    assert "b minus a (12 paired worlds)" in result.stdout
    table = pd.read_csv(job.cwd / "s.csv")
    assert set(table.scenario) == {"b"}
    assert sorted(set(table.horizon_months)) == [3, 12]
    assert set(table.variable) == set(COMPARED.values())
    assert len(table) == 2 * len(COMPARED)
    assert (table.runs == 12).all()  # 2 samples x 6 runs, paired world by world
    # the members row is the median of the paired differences in the exported worlds
    ds = xr.load_dataset(job.cwd / "e.nc")
    for months in (3, 12):
        step = months_to_weeks(months)
        worlds = (ds.total_members.sel(scenario="b") - ds.total_members.sel(scenario="a"))
        expected = np.median(worlds.isel(time=step).values.ravel())
        row = table[(table.variable == "members") & (table.horizon_months == months)]
        assert row.difference.item() == pytest.approx(expected, rel=1e-9, abs=1e-6)
        assert row.difference.item() != 0


def test_export_holds_scenarios_samples_and_runs(jobs) -> None:
    job = jobs["flow"]
    result = ok(job.result["export"])
    assert "e.nc" in result.stdout
    ds = xr.load_dataset(job.cwd / "e.nc")
    assert dict(ds.sizes) == {"scenario": 2, "sample": 2, "run": 6, "time": WEEKS + 1}
    assert list(ds.scenario.values) == ["a", "b"]
    assert ds.total_members.dims == ("scenario", "sample", "run", "time")
    rates = ds.param_recruitment_rate.values
    assert rates.shape == (2,) and rates[0] != rates[1]
    assert ((0.002 <= rates) & (rates <= 0.003)).all()


# --------------------------------------------------------------------------- kill -9, resume


def test_a_killed_ensemble_was_killed_half_way(jobs) -> None:
    job = jobs["killed"]
    job.result  # noqa: B018 - wait for the job
    assert job.notes["returncode"] == -9
    assert 3 <= len(job.notes["finished"]) < LONG_CHUNKS


def test_rerunning_without_resume_is_refused_and_touches_nothing(jobs) -> None:
    job = jobs["killed"]
    one_error_line(job.result["again"], "already holds an ensemble", "--resume")
    assert job.notes["tree_after_again"] == job.notes["tree"]


def test_exporting_an_unfinished_ensemble_is_refused(jobs) -> None:
    job = jobs["killed"]
    missing = LONG_CHUNKS - len(job.notes["finished"])
    one_error_line(job.result["early_export"], f"{missing} chunk(s) not finished", "--resume")
    assert not (job.cwd / "early.nc").exists()


def test_resume_finishes_without_rewriting_finished_chunks(jobs) -> None:
    job = jobs["killed"]
    stdout = ok(job.result["resume"]).stdout
    assert "Ensemble complete" in stdout
    manifest = finished(job.cwd / "ens")
    assert len(manifest) == LONG_CHUNKS
    for key, before in job.notes["stats"].items():
        after = job.notes["stats_after"][key]
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns), key
        assert manifest[key] == job.notes["finished"][key]


def test_the_resumed_ensemble_equals_an_uninterrupted_one(jobs, same_data) -> None:
    killed, fresh = jobs["killed"], jobs["fresh"]
    ok(fresh.result["ensemble"])
    ok(fresh.result["export"])
    ok(killed.result["export"])
    resumed = xr.load_dataset(killed.cwd / "e.nc")
    uninterrupted = xr.load_dataset(fresh.cwd / "e.nc")
    same_data(resumed, uninterrupted)
    assert dict(resumed.sizes) == {"scenario": 2, "sample": 1, "run": 60, "time": WEEKS + 1}
    assert resumed.attrs["ensemble_digest"] == uninterrupted.attrs["ensemble_digest"]


# --------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_is_one_error_line_and_writes_nothing(jobs, name: str) -> None:
    job = jobs[f"bad-{name}"]
    one_error_line(job.result, *BAD[name][1])
    assert tree(job.cwd) == job.before
