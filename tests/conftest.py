"""Shared fixtures for the cartelsim test suite."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def bacrim_dir() -> Path:
    """The real BACRIM 2020 files, kept beside the repository in ../shared (never committed)."""
    path = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bacrim2020"
    if not path.is_dir():
        pytest.fail(f"BACRIM 2020 test data not found at {path} (see DESIGN.md §5)")
    return path


@pytest.fixture(scope="session")
def bacrim_system(bacrim_dir: Path):
    """The BACRIM 2020 System, loaded once per session (it is immutable)."""
    from cartelsim.system.bacrim import load_bacrim

    return load_bacrim(bacrim_dir)


@pytest.fixture(scope="session")
def mexico():
    """The embedded Mexico 2025 system (150 groups, 'cjng' first)."""
    import cartelsim

    return cartelsim.mexico_2025()


@pytest.fixture(scope="session")
def params():
    """The published default parameters."""
    from cartelsim.params.catalogue import Params

    return Params.defaults()
