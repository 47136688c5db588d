"""Faults: ensembles killed at random moments, outputs killed mid-write, damaged files.

* `cartelsim ensemble` killed with SIGKILL or SIGINT at seeded random times (the whole process
  group, workers included), then resumed with --resume: after every kill the folder is
  consistent (each chunk the manifest lists is on disk with its checksum), and the finished
  ensemble has every chunk exactly once and equals an uninterrupted run of the same command.
* A truncated or bit-flipped chunk is detected: export and summarize refuse with one line, and
  --resume recomputes exactly the damaged chunks.
* `cartelsim run` killed at random times leaves either no output or a complete one, never a
  partial file under the output's name.
* Outputs carry provenance, and a flipped byte in a `run` NetCDF is refused on reading (the
  content checksum io/export.py writes since 6af0b6e).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from .support import LONG, assert_user_error, cli, record, snapshot

SCENARIO = """name = "{name}"
[system]
groups = 30
[horizon]
start = 2026-01-01
weeks = 260
[run]
engine = "stochastic"
{extra}"""
POLICY = '[[interventions]]\naction = "scale_arrests"\neffect = 2.0\nstart = 2026-06-01\n'
# 2 scenarios x 8 chunks; the long profile's ensemble outlasts its random kill times
RUNS, CHUNK_RUNS = (60 if LONG else 16), 2


def write_scenarios(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.toml").write_text(SCENARIO.format(name="a", extra=""), encoding="utf-8")
    (folder / "b.toml").write_text(SCENARIO.format(name="b", extra=POLICY), encoding="utf-8")


def ensemble_args(executor: str, resume: bool = False) -> list[str]:
    args = ["ensemble", "a.toml", "b.toml", "--out", "ens", "--runs", str(RUNS),
            "--chunk-runs", str(CHUNK_RUNS), "--seed", "3", "--executor", executor]
    if executor != "serial":
        args += ["--workers", "2"]
    return args + (["--resume"] if resume else [])


def start(args: list[str], cwd: Path) -> subprocess.Popen:
    """`python -m cartelsim ARGS` in its own process group (so a kill reaches its workers)."""
    log = open(cwd / f"log-{time.monotonic_ns()}.txt", "w", encoding="utf-8")  # noqa: SIM115
    return subprocess.Popen([sys.executable, "-m", "cartelsim", *args], cwd=cwd, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def finish(process: subprocess.Popen, timeout: float = 600) -> int:
    code = process.wait(timeout=timeout)
    process.stdout and process.stdout.close()
    return code


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_consistent(folder: Path) -> dict[str, str]:
    """The manifest parses and every chunk it lists is on disk with its checksum."""
    manifest = folder / "manifest.json"
    if not manifest.exists():
        return {}
    finished = json.loads(manifest.read_text(encoding="utf-8"))["finished"]
    for key, digest in finished.items():
        path = folder / "chunks" / f"{key}.nc"
        assert path.is_file() and sha256(path) == digest, f"manifest lists a bad chunk {key}"
    return finished


def gathered(folder: Path) -> xr.Dataset:
    from cartelsim.ensembles.store import EnsembleStore

    return EnsembleStore.open(folder).gather()


def assert_same_results(a: xr.Dataset, b: xr.Dataset) -> None:
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)
    for name in ("scenario", "sample", "run", "time"):
        np.testing.assert_array_equal(a[name].values, b[name].values)


@pytest.fixture(scope="module")
def reference_started(tmp_path_factory) -> tuple[Path, subprocess.Popen]:
    """The uninterrupted ensemble (serial) through the CLI, started in the background so it
    runs while the first test kills its own copy."""
    root = tmp_path_factory.mktemp("reference")
    write_scenarios(root)
    return root / "ens", start(ensemble_args("serial"), root)


def wait_for(started: tuple[Path, subprocess.Popen]) -> Path:
    folder, process = started
    assert finish(process) == 0
    return folder


@pytest.fixture(scope="module")
def reference(reference_started) -> Path:
    return wait_for(reference_started)


def kill_and_resume(root: Path, executor: str, cycles: int, seed: int) -> dict[str, int]:
    """Start, kill at a random time, resume, ... `cycles` times; then resume to the end."""
    rng = random.Random(seed)
    figures = {"kills": 0, "sigkill": 0, "sigint": 0, "finished_before_kill": 0}
    manifest = root / "ens" / "manifest.json"
    for cycle in range(cycles):
        process = start(ensemble_args(executor, resume=cycle > 0), root)
        # kill at a random moment after the ensemble has started work (its manifest exists):
        # during worker start-up, a chunk's computation or its write
        while process.poll() is None and not (cycle or manifest.exists()):
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 3.0 if LONG else 1.0))
        sig = rng.choice([signal.SIGKILL, signal.SIGINT])
        if process.poll() is None:
            os.killpg(process.pid, sig)
            figures["kills"] += 1
            figures["sigkill" if sig == signal.SIGKILL else "sigint"] += 1
        else:
            figures["finished_before_kill"] += 1
        code = finish(process)
        assert code in (0, 130, -signal.SIGKILL, 1, -signal.SIGINT), code
        assert_consistent(root / "ens")
    assert finish(start(ensemble_args(executor, resume=True), root)) == 0
    return figures


def check_complete(folder: Path, reference_folder: Path) -> None:
    from cartelsim.ensembles.store import EnsembleStore

    store = EnsembleStore.open(folder)
    keys = {chunk.key for chunk in store.design.chunks()}
    finished = assert_consistent(folder)
    assert set(finished) == keys  # nothing lost
    on_disk = {p.stem for p in (folder / "chunks").glob("*.nc")}
    assert on_disk == keys  # nothing duplicated or left over
    assert not list((folder / "chunks").glob(".*.part"))
    result = gathered(folder)
    assert result.sizes["run"] == RUNS and len(set(result["run"].values)) == RUNS
    assert_same_results(result, gathered(reference_folder))


def test_a_killed_ensemble_resumes_to_the_uninterrupted_result(tmp_path: Path,
                                                               reference_started) -> None:
    write_scenarios(tmp_path)
    figures = kill_and_resume(tmp_path, "serial", cycles=2 if not LONG else 6, seed=11)
    check_complete(tmp_path / "ens", wait_for(reference_started))
    record("faults_ensemble_serial", **figures)


@pytest.mark.long  # deselected by default; `make reliability` runs it
@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_killed_parallel_ensembles_resume_to_the_same_result(tmp_path: Path, reference: Path,
                                                             executor: str) -> None:
    write_scenarios(tmp_path)
    figures = kill_and_resume(tmp_path, executor, cycles=5, seed=23)
    check_complete(tmp_path / "ens", reference)
    record(f"faults_ensemble_{executor}", **figures)


def test_damaged_chunks_are_detected_refused_and_recomputed(tmp_path: Path,
                                                            reference: Path) -> None:
    write_scenarios(tmp_path)
    shutil.copytree(reference, tmp_path / "ens")
    chunks = sorted((tmp_path / "ens" / "chunks").glob("*.nc"))
    truncated, flipped = chunks[3], chunks[12]
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 2])
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit in the middle of the file
    flipped.write_bytes(bytes(data))
    untouched = {p.name: p.stat().st_mtime_ns for p in chunks if p not in (truncated, flipped)}

    before = snapshot(tmp_path)
    for command in (["export", "ens", "--out", "all.nc"], ["summarize", "ens", "--out", "s.csv"]):
        assert_user_error(cli(*command, cwd=tmp_path), ["2 chunk(s) not finished", "--resume"])
        assert snapshot(tmp_path) == before

    outcome = cli(*ensemble_args("serial", resume=True), cwd=tmp_path)
    assert outcome.code == 0, outcome.stderr
    assert {p.name: p.stat().st_mtime_ns for p in chunks if p.name in untouched} == untouched
    check_complete(tmp_path / "ens", reference)


@pytest.mark.parametrize("damage", ["truncated", "not-json", "missing-key"])
def test_a_damaged_manifest_is_a_one_line_error(tmp_path: Path, reference: Path,
                                                damage: str) -> None:
    write_scenarios(tmp_path)
    shutil.copytree(reference, tmp_path / "ens")
    manifest = tmp_path / "ens" / "manifest.json"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text({"truncated": text[: len(text) // 2], "not-json": "\x00garbage",
                         "missing-key": json.dumps({"design": {}})}[damage], encoding="utf-8")
    before = snapshot(tmp_path)
    for command in (["export", "ens", "--out", "all.nc"], ensemble_args("serial", resume=True)):
        assert_user_error(cli(*command, cwd=tmp_path), ["manifest.json"])
        assert snapshot(tmp_path) == before


RUN_SCENARIO = SCENARIO.format(name="big", extra="runs = 60\n").replace("weeks = 260", "weeks = 400")


def test_a_run_killed_at_random_times_never_leaves_a_partial_output(tmp_path: Path) -> None:
    """SIGKILL at seeded random times: results.nc is absent or complete (readable, written by
    cartelsim); only hidden '.results.nc.*.part' temporaries may be left behind."""
    from cartelsim.io.export import load_results

    (tmp_path / "s.toml").write_text(RUN_SCENARIO, encoding="utf-8")
    args = ["run", "s.toml", "--quiet", "--out", "results.nc"]
    rng = random.Random(5)
    outcomes = {"absent": 0, "complete": 0}
    for _ in range(1 if not LONG else 12):
        for stale in tmp_path.glob("results.*"):
            stale.unlink()
        process = start(args, tmp_path)
        time.sleep(rng.uniform(1.5, 5.0))
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        finish(process)
        target = tmp_path / "results.nc"
        if target.exists():
            load_results(target)  # complete and readable
            outcomes["complete"] += 1
        else:
            outcomes["absent"] += 1
    if LONG:  # an uninterrupted run, to compare any complete output of a killed one with
        for stale in tmp_path.glob("results.*"):
            stale.unlink()
        assert finish(start(args, tmp_path)) == 0
        assert int((load_results(tmp_path / "results.nc")["status"] != 0).sum()) == 0
    record("faults_run_sigkill", **outcomes)


def test_outputs_carry_provenance(tmp_path: Path, reference: Path) -> None:
    """Every NetCDF output names the cartelsim version, engine, seed, parameters with their
    origin and the scenario's digest; an ensemble export names the ensemble's digest."""
    (tmp_path / "s.toml").write_text(SCENARIO.format(name="p", extra=""), encoding="utf-8")
    assert cli("run", "s.toml", "--quiet", "--out", "r.nc", cwd=tmp_path).code == 0
    with xr.open_dataset(tmp_path / "r.nc") as ds:
        for key in ("cartelsim_version", "engine", "seed", "parameters", "scenario_digest",
                    "scenario_file", "sources"):
            assert ds.attrs.get(key), key
    shutil.copytree(reference, tmp_path / "ens")
    assert cli("export", "ens", "--out", "all.nc", cwd=tmp_path).code == 0
    with xr.open_dataset(tmp_path / "all.nc") as ds:
        assert ds.attrs.get("ensemble_digest") and ds.attrs.get("cartelsim_version")


def test_a_flipped_byte_in_a_run_output_is_detected(tmp_path: Path) -> None:
    from cartelsim.errors import CartelsimError
    from cartelsim.io.export import load_results

    (tmp_path / "s.toml").write_text(SCENARIO.format(name="p", extra="").replace(
        "weeks = 260", "weeks = 10"), encoding="utf-8")
    assert cli("run", "s.toml", "--quiet", "--out", "r.nc", cwd=tmp_path).code == 0
    original = load_results(tmp_path / "r.nc")
    raw = bytearray((tmp_path / "r.nc").read_bytes())
    value = np.array([original["total_members"].values[0, 2]]).tobytes()
    at = bytes(raw).find(value)
    assert at > 0
    raw[at + 3] ^= 0x10  # a different, plausible number of members
    (tmp_path / "r.nc").write_bytes(bytes(raw))
    with pytest.raises(CartelsimError):
        load_results(tmp_path / "r.nc")
