"""Fixtures for the engine tests: hand-made tiny Systems."""

from __future__ import annotations

import pytest

from cartelsim.system.model import System


@pytest.fixture
def three_groups(make_system) -> System:
    """A (rivals) B with weight 2; B (allies) C with weight 1; A and C unrelated.

    s^A = [0, 1, 1], so by hand (M_ij = (W^R_ij + 1) / (s^A_i + 1)):
        M = [[0,   3,   1  ],
             [1.5, 0,   0.5],
             [0.5, 0.5, 0  ]]
    """
    return make_system(3, rivalries=[(0, 1, 2.0)], alliances=[(1, 2, 1.0)])
