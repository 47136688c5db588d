"""Fixtures for the intervention tests: the embedded Mexico 2025 system and tiny systems."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from cartelsim.system.model import System

START = pd.Timestamp("2026-01-01")
Edge = tuple[int, int, float]


def tiny_system(n: int, rivalries: Sequence[Edge] = (), alliances: Sequence[Edge] = ()) -> System:
    """n groups "G0".."G{n-1}" (names "Group i") with the given undirected weighted edges."""

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
def make_tiny() -> Callable[..., System]:
    """Factory: make_tiny(n, rivalries=[(i, j, w)], alliances=[(i, j, w)])."""
    return tiny_system


@pytest.fixture
def four_groups() -> System:
    """G0 rivals G1 (weight 2) and G2 (weight 0.5); G1 allied with G3; G3 has no rival."""
    return tiny_system(4, rivalries=[(0, 1, 2.0), (0, 2, 0.5)], alliances=[(1, 3, 1.0)])
