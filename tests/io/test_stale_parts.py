"""Temporaries left by a killed write are removed by the next write of the same file, and
only those: a running writer's temporary, other files' temporaries and anything that does
not look like ours stay."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cartelsim.io.atomic import STALE_AFTER_S, check_target, remove_stale_parts, write_atomically

WRITER = """
import sys, time
from cartelsim.io.atomic import write_atomically

def render(tmp):
    with open(tmp, "wb") as handle:
        handle.write(b"half of a results file")
    print(tmp, flush=True)
    time.sleep(600)

write_atomically(sys.argv[1], render)
"""


def start_writer(target: Path) -> tuple[subprocess.Popen, Path]:
    """A process that is writing `target` (its temporary is on disk) and waits there."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], env=env,
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    temporary = Path(writer.stdout.readline().strip())
    assert temporary.is_file() and temporary.parent == target.parent
    return writer, temporary


def parts(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_a_sigkilled_writers_temporary_is_removed_by_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "results.nc"
    writer, temporary = start_writer(target)
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    assert temporary.is_file()  # what 0.1.0 left behind for ever
    assert temporary.name.startswith(".results.nc.") and temporary.name.endswith(".part")
    write_atomically(target, lambda tmp: tmp.write_bytes(b"the whole file"))
    assert target.read_bytes() == b"the whole file"
    assert parts(tmp_path) == []


def test_check_target_frees_the_space_before_a_run_starts(tmp_path: Path) -> None:
    target = tmp_path / "results.nc"
    writer, temporary = start_writer(target)
    writer.kill()
    writer.wait(timeout=30)
    check_target(target)
    assert not temporary.exists() and not target.exists()


def test_a_running_writers_temporary_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "results.nc"
    writer, temporary = start_writer(target)
    try:
        write_atomically(target, lambda tmp: tmp.write_bytes(b"ours"))
        assert remove_stale_parts(target) == []
        assert temporary.is_file()
    finally:
        writer.kill()
        writer.wait(timeout=30)
    assert remove_stale_parts(target) == [temporary]


def aged(path: Path, seconds: float) -> Path:
    path.write_bytes(b"x")
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


@pytest.mark.parametrize("name", [
    ".results.nc.k3j_x9ab.part",                  # cartelsim 0.1.0's name: no writer in it
    ".results.nc.4242-0badf00d.k3j_x9ab.part",    # written on another host
])
def test_temporaries_without_a_known_writer_go_only_after_a_day(tmp_path: Path,
                                                                 name: str) -> None:
    target = tmp_path / "results.nc"
    recent = aged(tmp_path / name, 3600)
    assert remove_stale_parts(target) == [] and recent.is_file()
    old = aged(tmp_path / name, STALE_AFTER_S + 60)
    assert remove_stale_parts(target) == [old] and not old.exists()


def test_files_that_are_not_our_temporaries_are_never_touched(tmp_path: Path) -> None:
    target = tmp_path / "results.nc"
    day = STALE_AFTER_S + 60
    keep = [aged(tmp_path / name, day) for name in (
        ".results.nc.notes.part",           # not a temporary's random part
        ".results.nc.K3J_X9AB.part",        # mkstemp never uses capitals
        ".other.nc.k3j_x9ab.part",          # another output's temporary
        "results.nc.k3j_x9ab.part",         # not hidden
        ".results.nc.k3j_x9ab.part.bak",    # not a .part
        ".results.nc.999999999-zzzzzzzz.k3j_x9ab.part",  # host not a hash
    )]
    (tmp_path / ".results.nc.abcdefgh.part").mkdir()  # a folder, not a file
    os.symlink(keep[0], tmp_path / ".results.nc.12345678.part")
    assert remove_stale_parts(target) == []
    assert all(path.exists() for path in keep)
    assert (tmp_path / ".results.nc.abcdefgh.part").is_dir()
    assert (tmp_path / ".results.nc.12345678.part").is_symlink()


def test_cleaning_never_blocks_a_write(tmp_path: Path) -> None:
    """A missing folder, or one that cannot be listed, is no reason to refuse the write."""
    assert remove_stale_parts(tmp_path / "absent" / "r.nc") == []
    target = write_atomically(tmp_path / "new" / "r.nc", lambda tmp: tmp.write_bytes(b"ok"))
    assert target.read_bytes() == b"ok"
