"""Fixtures for the intervention tests: the embedded Mexico 2025 system and tiny systems."""

from __future__ import annotations

import pandas as pd
import pytest

from cartelsim.system.model import System

START = pd.Timestamp("2026-01-01")


@pytest.fixture
def four_groups(make_system) -> System:
    """G0 rivals G1 (weight 2) and G2 (weight 0.5); G1 allied with G3; G3 has no rival."""
    return make_system(4, rivalries=[(0, 1, 2.0), (0, 2, 0.5)], alliances=[(1, 3, 1.0)])
