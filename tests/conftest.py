"""Shared fixtures for the cartelsim test suite."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from cartelsim.system.model import System

Edge = tuple[int, int, float]


def tiny_system(n: int, rivalries: Sequence[Edge] = (), alliances: Sequence[Edge] = ()) -> System:
    """A System of n groups "G0".."G{n-1}" (names "Group i") with the given undirected
    weighted edges (i, j, weight)."""

    def matrix(edges: Sequence[Edge]) -> sp.csr_array:
        dense = np.zeros((n, n))
        for i, j, w in edges:
            dense[i, j] = dense[j, i] = w
        return sp.csr_array(dense)

    return System(
        name="tiny",
        group_ids=tuple(f"G{i}" for i in range(n)),
        group_names=tuple(f"Group {i}" for i in range(n)),
        home_states=("Jalisco",) * n,
        rivalry=matrix(rivalries),
        alliance=matrix(alliances),
    )


@pytest.fixture
def make_system() -> Callable[..., System]:
    """Factory: make_system(n, rivalries=[(i, j, w)], alliances=[(i, j, w)])."""
    return tiny_system


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
