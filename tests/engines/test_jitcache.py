"""Numba's cache folder is named by the kernels' source, so a changed callee in another
module can never run from an old caller's cache (`cartelsim.jitcache`)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from cartelsim import jitcache

KERNEL = "from numba import njit\n\n@njit(cache=True)\ndef f(x):\n    return x + {}\n"


def package(root: Path, callee: int = 1, helper: str = "pass\n") -> Path:
    (root / "pkg").mkdir(exist_ok=True)
    (root / "pkg" / "callee.py").write_text(KERNEL.format(callee), encoding="utf-8")
    (root / "pkg" / "caller.py").write_text(KERNEL.format(0), encoding="utf-8")
    (root / "pkg" / "helper.py").write_text(helper, encoding="utf-8")  # no compiled code
    return root / "pkg"


def test_the_digest_follows_the_cached_kernels_only(tmp_path):
    first = jitcache.source_digest(package(tmp_path))
    assert jitcache.source_digest(package(tmp_path, helper="x = 1\n")) == first
    assert jitcache.source_digest(package(tmp_path, callee=2)) != first  # a new folder


@pytest.fixture
def clean_environment(monkeypatch, tmp_path):
    """No NUMBA_CACHE_DIR, a private XDG cache, Numba's config restored afterwards."""
    import numba.core.config as config

    monkeypatch.setenv("NUMBA_CACHE_DIR", "placeholder")  # so that undo restores it
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(config, "CACHE_DIR", config.CACHE_DIR)
    return config


def test_numba_is_pointed_at_the_folder_of_these_sources(clean_environment):
    folder = jitcache.configure()
    assert folder is not None and folder.is_dir()
    assert folder.name == f"numba-{jitcache.source_digest()}"
    assert os.environ["NUMBA_CACHE_DIR"] == str(folder)
    assert clean_environment.CACHE_DIR == str(folder)  # Numba was already imported


def test_a_users_numba_cache_dir_stands(clean_environment, monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert jitcache.configure() is None
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path / "mine")


def test_folders_of_other_sources_unused_for_weeks_are_removed(clean_environment):
    root = jitcache.cache_root()
    old, recent = root / "numba-0000000000000000", root / "numba-1111111111111111"
    for folder in (old, recent):
        (folder / "sub").mkdir(parents=True)
    weeks_ago = time.time() - (jitcache.STALE_DAYS + 1) * 86400
    os.utime(old, (weeks_ago, weeks_ago))
    current = jitcache.configure()
    assert current is not None and current.is_dir()
    assert not old.exists() and recent.is_dir()
