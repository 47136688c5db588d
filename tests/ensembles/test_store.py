"""The ensemble folder: checksummed manifest, resume without recomputing, damaged chunks.

A reference ensemble (3 scenarios x 2 samples x 7 runs in chunks of 3, so every slice ends
with a shorter chunk) is run once per module; interrupted, resumed and repaired copies must
gather to exactly the same data, computing every chunk once.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from cartelsim.ensembles.executors import SerialExecutor
from cartelsim.ensembles.runner import (
    BYTES_PER_CHUNK_FILE,
    BYTES_PER_RUN_WEEK,
    FREE_SHARE,
    KEPT,
    build_design,
    check_room,
    estimated_bytes,
    run_ensemble,
)
from cartelsim.ensembles.store import MANIFEST, EnsembleStore
from cartelsim.errors import CartelsimError
from cartelsim.scenarios.runner import run_scenario
from cartelsim.sizes import readable_size

RUNS, CHUNK_RUNS, SAMPLES, SEED, WEEKS = 7, 3, 2, 5, 52


class Recording:
    """A SerialExecutor that records every chunk it computes and may stop early.

    After `stop_after` results it raises KeyboardInterrupt (interrupt=True, like Ctrl-C) or
    simply ends (interrupt=False, like a worker pool that went away), before computing more.
    """

    def __init__(self, stop_after: int | None = None, interrupt: bool = True) -> None:
        self.stop_after = stop_after
        self.interrupt = interrupt
        self.keys: list[str] = []

    def run(self, function: Callable[[Any], Any], tasks) -> Iterator[Any]:
        def recorded(task):
            self.keys.append(task.chunk.key)
            return function(task)

        results = SerialExecutor().run(recorded, tasks)
        if self.stop_after is None:
            yield from results
            return
        for _ in range(self.stop_after):
            try:
                yield next(results)
            except StopIteration:
                return
        if self.interrupt:
            raise KeyboardInterrupt

    def close(self) -> None:
        pass


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.fixture(scope="module")
def scenario_files(tmp_path_factory, make_scenario) -> list[Path]:
    """a: status quo; b: a policy; c: a copy of a with its own seed and runs in the file."""
    folder = tmp_path_factory.mktemp("scenarios")
    return [make_scenario(folder, "a", weeks=WEEKS, seed=1),
            make_scenario(folder, "b", policy=True, weeks=WEEKS, seed=2, runs=50),
            make_scenario(folder, "c", weeks=WEEKS, seed=3, runs=2)]


def _build(files: list[Path], seed: int = SEED):
    return build_design(files, runs=RUNS, samples=SAMPLES, seed=seed, method="lhs",
                        parameters=["recruitment_rate"], chunk_runs=CHUNK_RUNS)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, scenario_files):
    """The uninterrupted ensemble: (design, scenarios, folder, executor, gathered)."""
    design, scenarios = _build(scenario_files)
    folder = tmp_path_factory.mktemp("reference") / "ens"
    executor = Recording()
    store = run_ensemble(design, scenarios, folder, executor)
    return design, scenarios, folder, executor, store.gather()


# --------------------------------------------------------------------------- a complete run


def test_manifest_lists_every_chunk_with_its_checksum(reference) -> None:
    design, _, folder, _, _ = reference
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    keys = [c.key for c in design.chunks()]
    assert len(keys) == 3 * SAMPLES * 3
    assert sorted(manifest["finished"]) == sorted(keys)
    assert manifest["digest"] == design.digest()
    for key in keys:
        assert manifest["finished"][key] == _sha256(folder / "chunks" / f"{key}.nc"), key
    # nothing else in the folder: no temporary files left behind
    assert sorted(p.name for p in (folder / "chunks").iterdir()) == sorted(f"{k}.nc" for k in keys)
    assert sorted(p.name for p in folder.iterdir()) == ["chunks", MANIFEST]
    reopened = EnsembleStore.open(folder)
    assert reopened.design == design and reopened.complete()


def test_every_chunk_is_computed_once(reference) -> None:
    design, _, _, executor, _ = reference
    assert sorted(executor.keys) == sorted(c.key for c in design.chunks())


def test_gather_labels_scenarios_samples_runs_and_parameters(reference) -> None:
    design, _, _, _, ds = reference
    assert ds.total_members.dims == ("scenario", "sample", "run", "time")
    assert ds.status.dims == ("scenario", "sample", "run")
    assert dict(ds.sizes) == {"scenario": 3, "sample": SAMPLES, "run": RUNS, "time": WEEKS + 1}
    assert list(ds.scenario.values) == ["a", "b", "c"]
    assert list(ds.sample.values) == list(range(SAMPLES))
    assert list(ds.run.values) == list(range(RUNS))
    assert set(ds.data_vars) == set(KEPT) | {"param_recruitment_rate"}
    assert ds.param_recruitment_rate.dims == ("sample",)
    assert list(ds.param_recruitment_rate.values) == [row[0] for row in design.values]
    assert ds.attrs["ensemble_digest"] == design.digest()
    assert ds.attrs["ensemble_seed"] == str(SEED) and ds.attrs["ensemble_runs"] == str(RUNS)


def test_gathered_runs_are_the_scenarios_runs_with_each_samples_values(reference,
                                                                      same_data) -> None:
    design, scenarios, _, _, ds = reference
    for s, p in ((1, 1), (0, 0)):
        params = scenarios[s].params().override(design.sample(p), origin="sampled")
        whole = run_scenario(scenarios[s], params=params)
        expected = whole[list(KEPT)].drop_vars(
            [c for c in whole.coords if c not in ("run", "time", "week")])
        got = ds.isel(scenario=s, sample=p).drop_vars(
            ["scenario", "sample", "param_recruitment_rate"])
        same_data(got, expected)


def test_scenarios_are_paired_on_the_same_worlds(reference) -> None:
    """c is a with another seed and run count in its file: the ensemble's seed makes them
    the same worlds, run for run; the policy b differs from both."""
    _, _, _, _, ds = reference
    for name in KEPT:
        a, c = ds[name].sel(scenario="a").values, ds[name].sel(scenario="c").values
        assert np.array_equal(a, c, equal_nan=True), name
    assert not np.array_equal(ds.total_members.sel(scenario="a").values,
                              ds.total_members.sel(scenario="b").values)
    # the samples differ, and within a sample so do the runs
    members = ds.total_members.sel(scenario="a").isel(time=-1).values
    assert not np.array_equal(members[0], members[1])
    assert len(set(members[0])) == RUNS


# --------------------------------------------------------------------------- resume


@pytest.mark.parametrize("interrupt", [True, False], ids=["ctrl-c", "stream-ends"])
def test_an_interrupted_ensemble_resumes_without_recomputing(tmp_path: Path, reference,
                                                             interrupt: bool,
                                                             same_data) -> None:
    design, scenarios, _, _, expected = reference
    folder = tmp_path / "ens"
    chunks = design.chunks()
    first = Recording(stop_after=2, interrupt=interrupt)
    if interrupt:
        with pytest.raises(KeyboardInterrupt):
            run_ensemble(design, scenarios, folder, first)
    else:
        store = run_ensemble(design, scenarios, folder, first)
        assert not store.complete()
    assert first.keys == [c.key for c in chunks[:2]]
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest["finished"]) == sorted(first.keys)
    store = EnsembleStore.open(folder)
    assert store.pending() == chunks[2:]
    with pytest.raises(CartelsimError, match=f"{len(chunks) - 2} chunk\\(s\\) not finished"):
        store.gather()

    second = Recording()
    calls: list[tuple[int, int]] = []
    store = run_ensemble(design, scenarios, folder, second, resume=True,
                         progress=lambda done, total: calls.append((done, total)))
    assert second.keys == [c.key for c in chunks[2:]]  # the rest, each once
    # progress counts runs: the first two chunks' runs were done before the resume
    all_runs = sum(c.runs for c in chunks)
    assert calls[0] == (sum(c.runs for c in chunks[:2]), all_runs)
    assert calls[-1] == (all_runs, all_runs)
    assert store.complete()
    result = store.gather()
    same_data(result, expected)
    assert result.attrs["ensemble_digest"] == expected.attrs["ensemble_digest"]


def test_resuming_a_complete_ensemble_computes_nothing(tmp_path: Path, reference) -> None:
    design, scenarios, folder, _, _ = reference
    copy = tmp_path / "ens"
    shutil.copytree(folder, copy)
    before = _tree(copy)
    executor = Recording()
    assert run_ensemble(design, scenarios, copy, executor, resume=True).complete()
    assert executor.keys == []
    assert _tree(copy) == before


# --------------------------------------------------------------------------- refusals


def test_a_folder_holding_an_ensemble_needs_resume(reference) -> None:
    design, scenarios, folder, _, _ = reference
    before = _tree(folder)
    executor = Recording()
    with pytest.raises(CartelsimError, match="already holds an ensemble.*--resume"):
        run_ensemble(design, scenarios, folder, executor)
    assert executor.keys == [] and _tree(folder) == before


def test_resuming_another_design_is_refused(reference, scenario_files) -> None:
    _, _, folder, _, _ = reference
    other, scenarios = _build(scenario_files, seed=SEED + 1)
    before = _tree(folder)
    executor = Recording()
    with pytest.raises(CartelsimError, match="different ensemble"):
        run_ensemble(other, scenarios, folder, executor, resume=True)
    assert executor.keys == [] and _tree(folder) == before


@pytest.mark.parametrize("resume", [False, True])
def test_a_non_empty_folder_without_manifest_is_refused(tmp_path: Path, reference,
                                                        resume: bool) -> None:
    design, scenarios, _, _, _ = reference
    folder = tmp_path / "ens"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    executor = Recording()
    with pytest.raises(CartelsimError, match="not empty"):
        run_ensemble(design, scenarios, folder, executor, resume=resume)
    assert executor.keys == [] and _tree(folder) == {"notes.txt": b"mine"}


def test_opening_a_folder_without_or_with_a_damaged_manifest(tmp_path: Path) -> None:
    with pytest.raises(CartelsimError, match="no ensemble here"):
        EnsembleStore.open(tmp_path)
    (tmp_path / MANIFEST).write_text('{"design": {"runs": 3}', encoding="utf-8")
    with pytest.raises(CartelsimError, match="damaged manifest"):
        EnsembleStore.open(tmp_path)
    (tmp_path / MANIFEST).write_text('{"design": {"runs": 3}, "finished": {}}',
                                     encoding="utf-8")
    with pytest.raises(CartelsimError, match="damaged manifest"):
        EnsembleStore.open(tmp_path)


def test_a_file_is_not_an_ensemble_folder(tmp_path: Path, reference) -> None:
    """The Python API (and the dashboard) get the same one-line error as the CLI."""
    design, scenarios, _, _, _ = reference
    path = tmp_path / "notes.txt"
    path.write_text("mine", encoding="utf-8")
    with pytest.raises(CartelsimError, match="is a file"):
        EnsembleStore.open(path)
    with pytest.raises(CartelsimError, match="is a file"):
        run_ensemble(design, scenarios, path, Recording(), resume=False)
    assert path.read_text(encoding="utf-8") == "mine"


# --------------------------------------------------------------------------- damage


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 8):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


DAMAGE = {"flip": _flip, "truncate": _truncate, "delete": Path.unlink}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_chunk_is_detected_and_recomputed(tmp_path: Path, reference, damage: str,
                                                    same_data) -> None:
    design, scenarios, folder, _, expected = reference
    copy = tmp_path / "ens"
    shutil.copytree(folder, copy)
    store = EnsembleStore.open(copy)
    chunk = design.chunks()[7]
    DAMAGE[damage](store.path(chunk))
    assert not store.is_done(chunk)
    assert all(store.is_done(c) for c in design.chunks() if c != chunk)
    assert store.pending() == [chunk]
    assert not store.complete()
    with pytest.raises(CartelsimError, match="1 chunk\\(s\\) not finished"):
        EnsembleStore.open(copy).gather()

    executor = Recording()
    store = run_ensemble(design, scenarios, copy, executor, resume=True)
    assert executor.keys == [chunk.key]
    manifest = json.loads((copy / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["finished"][chunk.key] == _sha256(store.path(chunk))
    same_data(EnsembleStore.open(copy).gather(), expected)


# --------------------------------------------------------------------------- size


@pytest.mark.parametrize("chunk_runs", [100, 3, 1])
def test_estimated_size(chunk_runs: int) -> None:
    from cartelsim.ensembles.design import Design

    design = Design(("a", "b", "c"), ("1", "2", "3"), runs=7, samples=2, seed=0,
                    chunk_runs=chunk_runs)
    files = 3 * 2 * -(-7 // chunk_runs)
    assert len(design.chunks()) == files
    expected = 3 * 2 * 7 * 53 * BYTES_PER_RUN_WEEK + files * BYTES_PER_CHUNK_FILE
    assert estimated_bytes(design, 52) == expected
    assert estimated_bytes(design, 52, design.chunks()) == expected  # counted, not listed
    last = design.chunks()[-1]
    assert estimated_bytes(design, 52, [last]) == last.runs * 53 * BYTES_PER_RUN_WEEK \
        + BYTES_PER_CHUNK_FILE


def test_chunk_files_are_no_larger_than_estimated(reference) -> None:
    """The estimate bounds the real files (small chunks are mostly file overhead)."""
    design, _, folder, _, _ = reference
    for chunk in design.chunks():
        real = (folder / "chunks" / f"{chunk.key}.nc").stat().st_size
        assert real <= estimated_bytes(design, WEEKS, [chunk]), chunk.key


@pytest.mark.parametrize(("size", "shown"), [
    (0, "0 B"), (999, "999 B"), (1000, "1 kB"), (12_345, "12.3 kB"), (999_499, "999 kB"),
    (999_500, "1 MB"), (45_600_000, "45.6 MB"), (2.5e9, "2.5 GB"), (7.2e15, "7.2 PB"),
    (3e18, "3,000 PB"),
])
def test_sizes_are_printed_in_readable_units(size: float, shown: str) -> None:
    assert readable_size(size) == shown


def test_a_too_large_ensemble_is_refused_before_anything_is_written(tmp_path: Path,
                                                                    reference) -> None:
    design, scenarios, _, _, _ = reference
    folder = tmp_path / "new" / "ens"
    executor = Recording()
    with pytest.raises(CartelsimError, match="GB.*--max-gb"):
        run_ensemble(design, scenarios, folder, executor, max_gb=1e-6)
    assert executor.keys == []
    assert not (tmp_path / "new").exists()
    need_gb = estimated_bytes(design, WEEKS) / 1e9
    check_room(design, WEEKS, folder, need_gb * 1.01)  # just fits
    with pytest.raises(CartelsimError, match="limit"):
        check_room(design, WEEKS, folder, need_gb * 0.99)
    assert not (tmp_path / "new").exists()


def _interrupted(tmp_path: Path, reference, left: int) -> tuple[Path, list]:
    """A copy of the reference ensemble with its last `left` chunks not yet written."""
    design, scenarios, _, _, _ = reference
    folder = tmp_path / "ens"
    chunks = design.chunks()
    run_ensemble(design, scenarios, folder, Recording(stop_after=len(chunks) - left,
                                                      interrupt=False))
    return folder, chunks[-left:]


def test_resume_needs_room_only_for_the_chunks_left(tmp_path: Path, reference, same_data,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15: with room for the 2 chunks left but not for all 18, --resume was refused
    ("would write about 0.0 GB but only 0.0 GB are free"). The disk is made to report
    little free space, as a nearly full disk does."""
    design, scenarios, _, _, expected = reference
    folder, left = _interrupted(tmp_path, reference, left=2)
    whole, rest = estimated_bytes(design, WEEKS), estimated_bytes(design, WEEKS, left)
    assert rest < whole / 5
    free = int(rest / FREE_SHARE) + 1  # room for what is left, far from room for it all
    monkeypatch.setattr(shutil, "disk_usage", lambda _: SimpleNamespace(free=free))
    executor = Recording()
    store = run_ensemble(design, scenarios, folder, executor, resume=True)
    assert executor.keys == [c.key for c in left] and store.complete()
    same_data(store.gather(), expected)


def test_resume_without_room_for_what_is_left_is_refused_in_readable_units(
        tmp_path: Path, reference) -> None:
    design, scenarios, _, _, _ = reference
    folder, left = _interrupted(tmp_path, reference, left=2)
    before = _tree(folder)
    rest = estimated_bytes(design, WEEKS, left)
    free = int(rest * FREE_SHARE)
    executor = Recording()
    with pytest.raises(CartelsimError) as info:
        run_ensemble(design, scenarios, folder, executor, resume=True, free=lambda _: free)
    message = str(info.value)
    assert f"has left to write about {readable_size(rest)} but only {readable_size(free)}" \
        in message
    assert "kB" in message and "0.0 GB" not in message
    assert executor.keys == [] and _tree(folder) == before


def test_a_new_ensemble_without_room_is_refused_before_anything_is_written(
        tmp_path: Path, reference) -> None:
    design, scenarios, _, _, _ = reference
    folder = tmp_path / "new" / "ens"
    whole = estimated_bytes(design, WEEKS)
    seen: list[Path] = []

    def free(probe: Path) -> int:
        seen.append(probe)
        return int(whole * FREE_SHARE)

    executor = Recording()
    with pytest.raises(CartelsimError, match=rf"would write about {readable_size(whole)} but "
                                             rf"only {readable_size(whole * FREE_SHARE)} are "
                                             rf"free at {tmp_path}"):
        run_ensemble(design, scenarios, folder, executor, free=free)
    assert seen == [folder] and executor.keys == [] and not (tmp_path / "new").exists()
    check_room(design, WEEKS, folder, 50, free=lambda _: int(whole / FREE_SHARE) + 1)  # fits
