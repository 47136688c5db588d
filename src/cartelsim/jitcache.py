"""Where Numba keeps cartelsim's compiled kernels: a folder named by their source.

Numba caches a compiled function beside its source file and checks only that file when it
loads the cache, while the machine code it saved includes every compiled function it calls
(a known limitation: numba/numba#1833, and the note on `cache=True` in Numba's docs). So
after an edit to a kernel of one module (say `territory.kernel`), a cached kernel of another
module that calls it (`world.step`) would go on running the old code: a silent wrong result.

cartelsim therefore points Numba's cache at a folder named by a digest of every module that
compiles with a cache: any change to one of them starts a fresh folder, and the same
sources find their kernels again. `NUMBA_CACHE_DIR`, when the user sets it, is respected.
Folders of other sources unused for `STALE_DAYS` days are removed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
MARK = "cache=True"  # what a module that caches compiled code contains
PREFIX = "numba-"
STALE_DAYS = 14  # a folder of other sources unused this long is removed


def source_digest(package: Path = PACKAGE) -> str:
    """A digest of the modules that cache compiled code (their paths and contents)."""
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(package.rglob("*.py")):
        text = path.read_bytes()
        if MARK.encode() in text:
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(text)
    return digest.hexdigest()


def cache_root() -> Path:
    """The user's cache folder for cartelsim (XDG_CACHE_HOME, else ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cartelsim"


def configure() -> Path | None:
    """Point Numba at the folder of these sources, unless the user chose one; returns it
    (None when the user's NUMBA_CACHE_DIR stands or no folder can be written, in which case
    Numba's own default applies)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    folder = cache_root() / f"{PREFIX}{source_digest()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.utime(folder)  # in use: not stale
    except OSError:
        return None
    os.environ["NUMBA_CACHE_DIR"] = str(folder)  # read when Numba is imported
    config = sys.modules.get("numba.core.config")
    if config is not None:  # Numba was imported first: set what it already read
        config.CACHE_DIR = str(folder)
    _remove_stale(folder)
    return folder


def _remove_stale(current: Path) -> None:
    """Remove the folders of other sources that no process has used for STALE_DAYS."""
    cutoff = time.time() - STALE_DAYS * 86400
    for other in current.parent.glob(f"{PREFIX}*"):
        try:
            if other != current and other.stat().st_mtime < cutoff:
                shutil.rmtree(other, ignore_errors=True)
        except OSError:
            continue
