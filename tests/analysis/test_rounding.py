"""Differences are shown with the digits their interval supports, and coloured only when
the interval excludes zero."""

from __future__ import annotations

import pytest

from cartelsim.analysis.rounding import direction, interval_decimals, level_decimals


def shown(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def test_the_reported_row_reads_18_in_minus_76_to_112() -> None:
    """The dashboard showed "17.813 [-76.219, 111.75]"."""
    decimals = interval_decimals(-76.219, 111.75, 17.813)
    assert [shown(v, decimals) for v in (17.813, -76.219, 111.75)] == ["18", "-76", "112"]


@pytest.mark.parametrize(("low", "high", "estimate", "decimals"), [
    (-4767.1, -3962.5, -4411.0, 0),    # members: width 805
    (-0.5625, 15.525, 1.75, 0),        # width 16: "2 [-1, 16]"
    (0.0, 1.0, 1.0, 1),                # width 1: "1.0 [0.0, 1.0]"
    (-0.031, 0.052, 0.012, 3),         # command integrity: width 0.083
    (2.0, 2.0, 2.0, 2),                # no width: three significant digits of 2
    (0.0, 0.0, 0.0, 0),                # every world agrees on zero
    (1e-12, 3e-12, 2e-12, 6),          # never more than six decimals
])
def test_the_width_keeps_two_significant_digits(low, high, estimate, decimals) -> None:
    assert interval_decimals(low, high, estimate) == decimals
    width = float(shown(high, decimals).replace(",", "")) - float(shown(low, decimals).replace(",", ""))
    if decimals < 6 and high > low:
        assert 10 <= round(width * 10 ** decimals) < 1000  # two or three digits of width


def test_levels_get_no_more_than_three_significant_digits() -> None:
    assert level_decimals(184_370.0, 1) == 0
    assert level_decimals(150.0, 1) == 0
    assert level_decimals(0.853, 3) == 3
    assert level_decimals(17.8, 3) == 1
    assert level_decimals(0.0, 2) == 0


def test_a_direction_only_when_the_interval_excludes_zero() -> None:
    assert direction(-76.2, 111.8) is None
    assert direction(0.0, 1.0) is None       # zero is inside (at the edge)
    assert direction(-4767.0, -3962.0) == "lower"
    assert direction(0.5, 15.5) == "higher"
