"""Verdict rules on constructed numbers (cartelsim.report.verdict)."""

from __future__ import annotations

import numpy as np
import pytest

from cartelsim.report.model import Estimate, Swing, Verdict
from cartelsim.report.stats import level, recovery_weeks, separability_auc
from cartelsim.report.verdict import (
    combine,
    judge,
    judge_separability,
    judge_share,
    negligible_for,
    with_sensitivity,
)


def diff(low: float, high: float, negligible: float = 1.0) -> Estimate:
    return Estimate("x", "units", (low + high) / 2, low, high, 100, base=100.0,
                    negligible=negligible)


@pytest.mark.parametrize(("low", "high", "expected"), [
    (-5.0, -0.1, "supported"),          # entirely below zero
    (0.1, 5.0, "not supported"),        # entirely above: the other way
    (-0.5, 0.5, "not supported"),       # inside the negligible band
    (-5.0, 5.0, "uncertain"),           # straddles zero beyond the band
])
def test_expect_lower(low, high, expected):
    assert judge(diff(low, high), "lower", "claim").label == expected


@pytest.mark.parametrize(("low", "high", "expected"), [
    (0.1, 5.0, "supported"),
    (-5.0, -0.1, "not supported"),
    (-0.5, 0.5, "not supported"),
    (-5.0, 5.0, "uncertain"),
])
def test_expect_higher_mirrors_lower(low, high, expected):
    verdict = judge(diff(low, high), "higher", "claim")
    assert verdict.label == expected
    assert "claim" in verdict.reason


@pytest.mark.parametrize(("low", "high", "expected"), [
    (-0.5, 5.0, "supported"),     # any fall within the negligible band
    (2.0, 5.0, "supported"),      # a rise is not a lasting gain either
    (-5.0, -2.0, "not supported"),  # a reliable, non-negligible fall
    (-5.0, 5.0, "uncertain"),
])
def test_expect_not_lower(low, high, expected):
    assert judge(diff(low, high), "not_lower", "claim").label == expected


def test_reason_quotes_the_numbers():
    verdict = judge(diff(-5.0, -1.0), "lower", "Violence falls")
    assert verdict.reason.startswith("“Violence falls” — supported:")
    assert "-5" in verdict.reason and "-1" in verdict.reason


def test_negligible_band_is_two_percent_of_the_status_quo():
    assert negligible_for(-300.0) == pytest.approx(6.0)


def test_combine():
    yes, no, maybe = (Verdict("supported", "a."), Verdict("not supported", "b."),
                      Verdict("uncertain", "c."))
    assert combine([yes, yes]).label == "supported"
    assert combine([no, no]).label == "not supported"
    assert combine([yes, no]).label == "partly supported"
    assert combine([yes, maybe]).label == "uncertain"
    assert combine([yes, no]).reason == "a. b."


def test_share_and_separability_thresholds():
    assert judge_share(0.95, "c", "w").label == "supported"
    assert judge_share(0.05, "c", "w").label == "not supported"
    assert judge_share(0.5, "c", "w").label == "uncertain"
    assert judge_separability(0.55, "c", "s").label == "supported"   # a coin toss
    assert judge_separability(0.05, "c", "s").label == "not supported"  # reveals it
    assert judge_separability(0.2, "c", "s").label == "uncertain"


def test_a_swing_that_changes_the_verdict_makes_it_depend_on_that_parameter():
    base = Verdict("supported", "Because.")
    same = Swing("a", "low", 1.0, diff(-2, -1), Verdict("supported", ""))
    flip = Swing("b", "high", 9.0, diff(-2, 1), Verdict("uncertain", ""))
    final, changes = with_sensitivity(base, [same, flip])
    assert final.label == "depends on b" and changes == ["b"]
    assert "uncertain with b at its high end (9)" in final.reason
    assert with_sensitivity(base, [same]) == (base, [])


def test_separability_auc():
    a = np.arange(10.0)
    assert separability_auc(a, a) == pytest.approx(0.5)
    assert separability_auc(a, a + 100) == pytest.approx(1.0)
    assert separability_auc(a + 100, a) == pytest.approx(0.0)


def test_level_is_median_and_central_90_percent():
    est = level(np.arange(101.0), "x", "u")
    assert (est.median, est.low, est.high) == pytest.approx((50.0, 5.0, 95.0))


def test_recovery_weeks():
    import xarray as xr

    weeks = np.arange(60)
    lam = 0.1
    series = np.where(weeks < 10, 1.0, 1 - 0.6 * np.exp(-lam * (weeks - 10)))
    flat = np.ones(60)
    ds = xr.DataArray(np.vstack([series, flat]), dims=("run", "time"))
    back = recovery_weeks(ds, after=0)
    # 90 % of the loss is back after ln(10)/lambda = 23.03 weeks -> the 24th week
    assert back[0] == 24
    assert np.isnan(back[1])  # nothing lost, nothing to recover
