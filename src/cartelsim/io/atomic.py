"""Write files so that a reader never sees half a file.

Each writer renders into a temporary file in the target folder and renames it into place
(`os.replace` is atomic on one filesystem). If anything fails, the temporary file is
removed and an earlier result at the target path is left untouched.

A process killed with SIGKILL cannot remove its temporary file, so the temporary's name says
who wrote it: `.NAME.PID-HOST.XXXXXXXX.part` (HOST: a short hash of the host name). The next
write of NAME, and `check_target`, remove such leftovers when they are stale: written on this
host by a process that no longer exists, or (files of other hosts, and of cartelsim 0.1.0,
which named them `.NAME.XXXXXXXX.part`) untouched for `STALE_AFTER_S` seconds. Nothing else
is ever removed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cartelsim.errors import CartelsimError

# A temporary untouched for a day belongs to no running write: writers keep touching theirs.
STALE_AFTER_S = 24 * 3600
_PART = re.compile(r"(?:(?P<pid>[0-9]{1,10})-(?P<host>[0-9a-f]{8})\.)?[a-z0-9_]{8}")


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; move it onto `target` on success."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CartelsimError(f"cannot create folder {folder}: {exc.strerror}") from None
    if target.is_dir():
        raise CartelsimError(f"{target} is a folder; give a file name for the output")
    remove_stale_parts(target)
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}-{_host()}.",
                                        suffix=".part", dir=folder)
    except OSError as exc:  # a read-only or special folder: the user's to fix, in one line
        raise CartelsimError(f"cannot write to folder {folder}: {exc.strerror or exc}") from None
    os.close(handle)
    temporary = Path(name)
    os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
    try:
        yield temporary
        os.replace(temporary, target)
    except OSError as exc:  # disk full, quota, permissions: nothing half-written is left
        temporary.unlink(missing_ok=True)
        raise CartelsimError(f"cannot write {target}: {exc.strerror or exc}"
                             f"{free_space_note(folder)}") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def check_target(target: str | Path, label: str = "output") -> Path:
    """Refuse, before any work starts, an output path that can never be written as a file:
    an existing folder, or a path without a file name ("." or "..")."""
    target = Path(target)
    if target.name in ("", ".", "..") or target.is_dir():
        raise CartelsimError(f"{label} path {target} is a folder; give a file name such as "
                             f"{target / 'results.nc'}")
    remove_stale_parts(target)  # free the space a killed earlier write held, before any work
    return target


def remove_stale_parts(target: str | Path) -> list[Path]:
    """Remove the stale temporaries a killed write of `target` left beside it (see the
    module's docstring for which ones); return those removed. Never fails: a leftover that
    cannot be removed is left for the next time."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    prefix = f".{target.name}."
    removed = []
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(".part")]
    except OSError:
        return removed
    for name in names:
        match = _PART.fullmatch(name[len(prefix):-len(".part")])
        path = folder / name
        try:
            info = os.lstat(path)
            if not match or not stat.S_ISREG(info.st_mode):
                continue
            if match["pid"] and match["host"] == _host():
                stale = not _running(int(match["pid"]))
            else:
                stale = time.time() - info.st_mtime > STALE_AFTER_S
            if stale:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but belongs to someone else, or cannot tell: keep the file
        return True
    return True


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def readable_size(size: float) -> str:
    """A byte count for people: 0 B, 512 kB, 3.4 MB, 12 GB (powers of 1000)."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(size) < 1000 or unit == "TB":
            break
        size /= 1000
    return f"{size:.1f} {unit}" if unit != "B" and abs(size) < 10 else f"{size:,.0f} {unit}"


def free_space_note(folder: str | Path) -> str:
    """' (N free in FOLDER)', to tell a full disk from other write failures (the library may
    call it 'HDF error' or even 'Permission denied'); '' if unknown."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return ""
    full = "the disk is full: " if free < 1_000_000 else ""
    return f" ({full}{readable_size(free)} free in {folder})"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(target: str | Path, render: Callable[[Path], None]) -> Path:
    """Call render(temporary_path) and move the finished file to `target`."""
    with atomic_path(target) as temporary:
        render(temporary)
    return Path(target)
