"""Fixtures for the engine tests: hand-made tiny Systems."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
import scipy.sparse as sp

from cartelsim.system.model import System

Edge = tuple[int, int, float]


def build_system(n: int, rivalries: Sequence[Edge] = (), alliances: Sequence[Edge] = ()) -> System:
    """A System of n groups "G0".."G{n-1}" with the given undirected weighted edges."""

    def matrix(edges: Sequence[Edge]) -> sp.csr_array:
        dense = np.zeros((n, n))
        for i, j, w in edges:
            dense[i, j] = dense[j, i] = w
        return sp.csr_array(dense)

    ids = tuple(f"G{i}" for i in range(n))
    return System(
        name="tiny",
        group_ids=ids,
        group_names=tuple(f"Group {i}" for i in range(n)),
        home_states=("Jalisco",) * n,
        rivalry=matrix(rivalries),
        alliance=matrix(alliances),
    )


@pytest.fixture
def make_system() -> Callable[..., System]:
    """Factory: make_system(n, rivalries=[(i, j, w)], alliances=[(i, j, w)])."""
    return build_system


@pytest.fixture
def three_groups() -> System:
    """A (rivals) B with weight 2; B (allies) C with weight 1; A and C unrelated.

    s^A = [0, 1, 1], so by hand (M_ij = (W^R_ij + 1) / (s^A_i + 1)):
        M = [[0,   3,   1  ],
             [1.5, 0,   0.5],
             [0.5, 0.5, 0  ]]
    """
    return build_system(3, rivalries=[(0, 1, 2.0)], alliances=[(1, 2, 1.0)])
