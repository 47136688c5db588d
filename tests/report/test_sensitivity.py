"""Which parameters change a verdict: swings and Morris on a headline with a known answer."""

from __future__ import annotations

from cartelsim.params.catalogue import CATALOGUE
from cartelsim.report.model import Estimate, Verdict
from cartelsim.report.sensitivity import Plan, analyse
from cartelsim.report.verdict import judge

A, B = "integrity_recovery", "split_fraction"


def headline(overrides: dict[str, float], runs: int, weeks: int):
    """An effect that depends on A only: below zero unless A is near the top of its range."""
    a = overrides.get(A, CATALOGUE[A].default)
    effect = 100.0 * (a - 0.08)  # default 0.03 -> -5; high end 0.1 -> +2
    estimate = Estimate("x", "u", effect, effect - 1.0, effect + 1.0, runs, base=50.0,
                        negligible=0.5)
    return estimate, judge(estimate, "lower", "falls")


def test_swing_finds_the_parameter_that_flips_the_verdict():
    default = headline({}, 10, 52)[1]
    assert default.label == "supported"
    result = analyse(headline, (A, B), 52, Plan(swing_parameters=2, runs=10), default)
    assert result.changes == [A]
    assert {(s.parameter, s.end) for s in result.swings} == {(A, "low"), (A, "high"),
                                                            (B, "low"), (B, "high")}
    high = next(s for s in result.swings if s.parameter == A and s.end == "high")
    assert high.value == CATALOGUE[A].high and high.verdict.label == "not supported"
    assert result.indices == []  # no Morris in quick plans


def test_morris_ranks_the_influential_parameter_first():
    default = Verdict("supported", "")
    result = analyse(headline, (A, B), 52, Plan(swing_parameters=1, runs=5,
                                                morris_trajectories=4, seed=1), default)
    ranked = {row["parameter"]: row["mu_star"] for row in result.indices}
    assert ranked[A] > 0 and ranked[B] == 0
    assert "Morris" in result.method
