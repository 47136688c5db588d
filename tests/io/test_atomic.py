"""Atomic writes: a reader sees the old file or the whole new one, never half of one."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from cartelsim.errors import CartelsimError
from cartelsim.io.atomic import write_atomically


class RenderFailed(RuntimeError):
    pass


def half_then_fail(path: Path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("half of the res")
    raise RenderFailed("disk full, say")


def temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".part")]


def test_failed_render_leaves_no_target_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "results.csv"
    with pytest.raises(RenderFailed):
        write_atomically(target, half_then_fail)
    assert not target.exists()
    assert temporaries(tmp_path) == []
    assert list(tmp_path.iterdir()) == []


def test_failed_render_keeps_the_earlier_file(tmp_path: Path) -> None:
    target = tmp_path / "results.csv"
    target.write_text("the earlier, complete result\n", encoding="utf-8")
    with pytest.raises(RenderFailed):
        write_atomically(target, half_then_fail)
    assert target.read_text(encoding="utf-8") == "the earlier, complete result\n"
    assert temporaries(tmp_path) == []


def test_interrupt_during_render_also_cleans_up(tmp_path: Path) -> None:
    def interrupted(path: Path) -> None:
        path.write_text("partial", encoding="utf-8")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomically(tmp_path / "r.nc", interrupted)
    assert list(tmp_path.iterdir()) == []


def test_success_replaces_the_target_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "results.csv"
    target.parent.mkdir()
    target.write_text("old\n", encoding="utf-8")
    seen: list[Path] = []

    def render(path: Path) -> None:
        seen.append(path)
        assert path != target and path.parent == target.parent  # same filesystem: atomic
        path.write_text("new\n", encoding="utf-8")

    assert write_atomically(target, render) == target
    assert target.read_text(encoding="utf-8") == "new\n"
    assert not seen[0].exists()
    assert [p.name for p in target.parent.iterdir()] == ["results.csv"]


def test_missing_folders_are_created(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c.txt"
    write_atomically(target, lambda p: p.write_text("x", encoding="utf-8"))
    assert target.read_text(encoding="utf-8") == "x"


def test_target_that_is_a_folder_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "out.nc").mkdir()
    with pytest.raises(CartelsimError, match=r"out\.nc is a folder"):
        write_atomically(tmp_path / "out.nc", lambda p: p.write_text("x", encoding="utf-8"))
    assert temporaries(tmp_path) == []


def test_written_file_has_ordinary_permissions(tmp_path: Path) -> None:
    """A result must be as readable as a file written with open(): the umask decides, not the
    0600 mode of the temporary file (others on a shared machine, a web server)."""
    old_umask = os.umask(0o022)
    try:
        plain = tmp_path / "plain.txt"
        plain.write_text("x", encoding="utf-8")
        atomic = write_atomically(tmp_path / "atomic.txt",
                                  lambda p: p.write_text("x", encoding="utf-8"))
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(atomic.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode) == 0o644
