"""`cartelsim examples` as a user runs it: the list, a copy, and one-line mistakes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cartelsim.scenarios.examples import example_path, list_examples

from .support import WORKERS, Job, assert_one_line_error, cartelsim, tree

CASES = {
    "list": ("examples",),
    "copy-here": ("examples", "copy", "cjng-leader-killed"),
    "copy-into-new-folder": ("examples", "copy", "status-quo", "mine/"),
    "misspelt": ("examples", "copy", "cjng-leader-kiled"),
    "unknown": ("examples", "copy", "no-such-thing"),
    "exists": ("examples", "copy", "status-quo", "taken.toml"),
    "force": ("examples", "copy", "status-quo", "taken.toml", "--force"),
}


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Job]:
    started: dict[str, Job] = {}
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for key, args in CASES.items():
            cwd = tmp_path_factory.mktemp(key)
            if key in ("exists", "force"):
                (cwd / "taken.toml").write_text("my own scenario\n", encoding="utf-8")
            started[key] = Job(cwd, tree(cwd), pool.submit(cartelsim, *args, cwd=cwd))
        for job in started.values():
            job.result  # noqa: B018 - wait for every command before the pool closes
    return started


def test_the_list_names_and_describes_every_example(jobs) -> None:
    out = jobs["list"].ok().stdout
    for name, description in list_examples().items():
        assert name in out and description[:30] in out, name


def test_copy_writes_the_example_here_or_into_a_new_folder(jobs) -> None:
    here = jobs["copy-here"]
    assert "cjng-leader-killed.toml" in here.ok().stdout
    written = here.cwd / "cjng-leader-killed.toml"
    assert written.read_bytes() == example_path("cjng-leader-killed").read_bytes()
    folder = jobs["copy-into-new-folder"]
    folder.ok()
    assert (folder.cwd / "mine" / "status-quo.toml").read_bytes() == \
        example_path("status-quo").read_bytes()


def test_a_misspelt_name_is_one_line_with_the_closest_example(jobs) -> None:
    assert_one_line_error(jobs["misspelt"], "'cjng-leader-kiled'", "did you mean "
                          "'cjng-leader-killed'")
    assert_one_line_error(jobs["unknown"], "'no-such-thing'", "cartelsim examples")


def test_a_users_file_is_kept_unless_forced(jobs) -> None:
    assert_one_line_error(jobs["exists"], "taken.toml already exists", "--force")
    forced = jobs["force"]
    forced.ok()
    assert (forced.cwd / "taken.toml").read_bytes() == example_path("status-quo").read_bytes()
    assert not list(Path(forced.cwd).glob(".*.part"))
