"""The results folder and the job records stay bounded and refuse names they did not make."""

from __future__ import annotations

import os
import time
from pathlib import Path

from cartelsim.web.store import ResultStore, new_job_id


def test_only_server_made_ids_name_folders(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "results")
    good = new_job_id()
    assert store.folder(good) == (tmp_path / "results" / good).resolve()
    for bad in ("..", "../x", good.upper(), good + "/..", good[:-1], "", "a" * 33, f"{good}\x00",
                "/etc/passwd", good[:31] + "/"):
        assert store.folder(bad) is None, bad
    assert store.file(good, "results.csv") is None  # no such job yet
    (tmp_path / "results" / good).mkdir()
    (tmp_path / "results" / good / "results.csv").write_text("partial")
    assert store.file(good, "results.csv") is None  # unfinished: no results.json yet
    (tmp_path / "results" / good / "results.json").write_text("{}")
    assert store.file(good, "results.csv") is not None
    assert store.file(good, "../../pyproject.toml") is None
    assert store.file(good, "secret.txt") is None


def test_prune_keeps_the_newest_and_live_jobs(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    ids = [new_job_id() for _ in range(5)]
    for age, job in enumerate(ids):
        (tmp_path / job).mkdir()
        stamp = time.time() - 1000 + age
        os.utime(tmp_path / job, (stamp, stamp))
    (tmp_path / "not-a-job").mkdir()
    store.prune(keep=2, protected={ids[0]})
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {ids[0], ids[3], ids[4], "not-a-job"}
