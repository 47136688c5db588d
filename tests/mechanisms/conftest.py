"""Fixtures for the L2 mechanism tests (leadership, splinter slots, validation)."""

from __future__ import annotations

import pytest

from cartelsim.params.catalogue import Params


@pytest.fixture(scope="session")
def mexico():
    """The embedded Mexico 2025 system (150 groups, 'cjng' first)."""
    import cartelsim

    return cartelsim.mexico_2025()


@pytest.fixture(scope="session")
def params() -> Params:
    return Params.defaults()
