"""No verdict's wording contradicts its interval (the rules in cartelsim.report.verdict)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cartelsim.report.model import Estimate, Swing, Verdict
from cartelsim.report.verdict import (
    UNCERTAIN,
    combine,
    judge,
    judge_separability,
    judge_share,
    with_sensitivity,
)

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
CLAIM = "Something falls"


@st.composite
def intervals(draw) -> Estimate:
    a, b, c = sorted(draw(st.tuples(finite, finite, finite)))
    eps = draw(st.floats(min_value=0.0, max_value=1e5, allow_nan=False))
    return Estimate("x", "units", b, a, c, 50, base=1000.0, negligible=eps, digits=2)


expectations = st.sampled_from(["lower", "higher", "not_lower"])


@given(intervals(), expectations)
def test_uncertain_only_beside_an_interval_that_contains_zero(estimate, expect):
    verdict = judge(estimate, expect, CLAIM)
    if verdict.label == UNCERTAIN:
        assert estimate.low <= 0.0 <= estimate.high


@given(intervals(), expectations)
def test_below_and_above_zero_are_said_only_when_true(estimate, expect):
    reason = judge(estimate, expect, CLAIM).reason
    if "below zero" in reason:
        assert estimate.high < 0.0
    if "above zero" in reason:
        assert estimate.low > 0.0


@given(intervals(), expectations)
def test_a_reason_opens_with_the_quoted_claim_and_its_own_label(estimate, expect):
    verdict = judge(estimate, expect, CLAIM)
    assert verdict.reason.startswith(f"“{CLAIM}” — {verdict.label}:")


@given(intervals(), st.sampled_from(["lower", "higher"]))
def test_too_small_to_matter_is_said_exactly_of_a_supported_effect_inside_the_band(
        estimate, expect):
    """A supported change whose whole interval lies within the negligible band is called
    too small to matter (C6's -0.7 % cut in tonnes), and no other verdict is."""
    verdict = judge(estimate, expect, CLAIM)
    inside = -estimate.negligible <= estimate.low and estimate.high <= estimate.negligible
    said = "too small to matter" in verdict.reason
    assert said == (verdict.label == "supported" and inside)


@given(intervals())
def test_a_predicted_fall_is_supported_exactly_when_the_interval_is_below_zero(estimate):
    assert (judge(estimate, "lower", CLAIM).label == "supported") == (estimate.high < 0.0)
    assert (judge(estimate, "higher", CLAIM).label == "supported") == (estimate.low > 0.0)


@given(intervals())
def test_no_lasting_fall_is_refuted_only_by_a_fall_in_the_whole_interval(estimate):
    label = judge(estimate, "not_lower", CLAIM).label
    if label == "not supported":
        assert estimate.high < 0.0 and estimate.low < -estimate.negligible
    if label == "supported":
        assert estimate.low > -estimate.negligible


@given(st.floats(min_value=0.0, max_value=1.0, allow_nan=False))
def test_cannot_tell_only_when_the_observer_does_no_better_than_the_threshold(auc):
    verdict = judge_separability(auc, "(b) Public series do not reveal it", "homicides")
    separability = max(auc, 1.0 - auc)
    if "cannot tell" in verdict.reason:
        assert separability < 0.75
    assert verdict.reason.startswith(f"“(b) Public series do not reveal it” — {verdict.label}")


@given(st.floats(min_value=0.0, max_value=1.0, allow_nan=False))
def test_share_verdicts_follow_the_share(share):
    verdict = judge_share(share, CLAIM, "it happens")
    assert verdict.label == ("supported" if share >= 0.9 else "not supported"
                             if share <= 0.1 else "uncertain")


@given(st.lists(intervals(), min_size=1, max_size=4), expectations)
def test_a_combined_verdict_never_opens_with_a_bare_claim(estimates, expect):
    parts = [judge(e, expect, f"part {k}") for k, e in enumerate(estimates)]
    assert combine(parts).reason.startswith("“part 0” — ")


def test_depends_on_names_the_verdict_at_the_centre_first():
    centre = Verdict("supported", "“c” — supported: why.")
    flip = Swing("p", "high", 2.0, Estimate("x", "u", 1, 0, 2, 9), Verdict("uncertain", ""))
    final, _ = with_sensitivity(centre, [flip], "the calibrated posterior")
    assert final.label == "depends on p"
    assert final.reason.startswith("At the calibrated posterior: supported.")
