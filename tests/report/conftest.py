"""A small brief built once for the report tests (few worlds, no parameter swings)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def small_brief(bacrim_dir):
    """All six claims, the replay of the record (3 runs) and the reproduction with 6
    paired worlds and no swings (~25 s)."""
    from cartelsim.report.brief import BriefConfig, build_brief

    return build_brief(BriefConfig(quick=True, runs=6, seed=5, data=bacrim_dir,
                                   swing_parameters=0, replay_runs=3))


@pytest.fixture(scope="session")
def small_html(small_brief) -> str:
    from cartelsim.report.render import render_html

    return render_html(small_brief)
