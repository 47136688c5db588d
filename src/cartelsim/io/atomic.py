"""Write files so that a reader never sees half a file.

Each writer renders into a temporary file in the target folder and renames it into place
(`os.replace` is atomic on one filesystem). If anything fails, the temporary file is
removed and an earlier result at the target path is left untouched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cartelsim.errors import CartelsimError


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
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
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
        raise CartelsimError(f"cannot write {target}: {exc.strerror or exc}") from None
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
    return target


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(target: str | Path, render: Callable[[Path], None]) -> Path:
    """Call render(temporary_path) and move the finished file to `target`."""
    with atomic_path(target) as temporary:
        render(temporary)
    return Path(target)
