"""Verdicts computed from the numbers by stated rules (never written by hand).

A claim predicts a direction for a paired difference (policy minus status quo): lower,
higher, or "not lower" (no lasting gain). With the central 90 % interval [low, high] of the
difference over paired worlds and a size `negligible` below which an effect does not matter:

- expects *lower*: supported if high < 0; not supported if low > 0 or the whole interval
  lies within ±negligible; uncertain otherwise.
- expects *higher*: the mirror image.
- expects *not lower*: supported if low > -negligible (any fall is negligible at most);
  not supported if high < -negligible (a reliable, non-negligible fall); uncertain otherwise.

Several parts of a claim combine: all supported -> supported; all not supported -> not
supported; a mix of supported and not supported -> partly supported; otherwise uncertain.
A verdict "depends on X" when moving parameter X to an end of its plausible range gives a
different verdict (see `sensitivity`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from cartelsim.report.model import Estimate, Swing, Verdict

Expect = Literal["lower", "higher", "not_lower"]
SUPPORTED, NOT_SUPPORTED, UNCERTAIN, PARTLY = ("supported", "not supported", "uncertain",
                                               "partly supported")
RULES = (
    "Each result is a paired difference (policy minus status quo in the same random world); "
    "its 90 % interval runs from the 5th to the 95th percentile over worlds.",
    "A claim that predicts a fall is supported when the whole interval is below zero, not "
    "supported when it is above zero or lies entirely within the negligible band, and "
    "uncertain otherwise; a predicted rise is the mirror image.",
    "A claim that predicts no lasting gain ('not lower') is supported when the interval lies "
    "above minus the negligible band, and not supported when it lies entirely below it.",
    "The negligible band is 2 % of the status quo's median unless a section says otherwise.",
    "Parts of a claim combine: all supported -> supported; all not supported -> not "
    "supported; some of each -> partly supported; anything else -> uncertain.",
    "'Depends on X' means that moving parameter X to the low or high end of its plausible "
    "range (from the parameter catalogue) changes the verdict.",
)
RELATIVE_NEGLIGIBLE = 0.02


def negligible_for(base: float) -> float:
    """The default negligible band: 2 % of the status quo's median."""
    return RELATIVE_NEGLIGIBLE * abs(base)


def judge(estimate: Estimate, expect: Expect, claim: str) -> Verdict:
    """The verdict on `claim` from one paired difference (see the module rules)."""
    low, high, eps = estimate.low, estimate.high, estimate.negligible
    interval = f"{estimate.label}: {estimate.text()}"
    if expect == "lower":
        if high < 0:
            return Verdict(SUPPORTED, f"{claim}: the whole 90 % interval is below zero "
                           f"({interval}).")
        if low > 0:
            return Verdict(NOT_SUPPORTED, f"{claim}: the effect goes the other way; the whole "
                           f"90 % interval is above zero ({interval}).")
        if -eps <= low and high <= eps:
            return Verdict(NOT_SUPPORTED, f"{claim}: the effect is negligible; the 90 % "
                           f"interval lies within ±{estimate.fmt(eps)} ({interval}).")
        return Verdict(UNCERTAIN, f"{claim}: the 90 % interval includes both a fall and no "
                       f"fall ({interval}).")
    if expect == "higher":
        mirrored = Estimate(estimate.label, estimate.unit, -estimate.median, -estimate.high,
                            -estimate.low, estimate.runs, estimate.base, None,
                            estimate.negligible, estimate.digits)
        verdict = judge(mirrored, "lower", claim)
        reason = {SUPPORTED: "the whole 90 % interval is above zero",
                  UNCERTAIN: "the 90 % interval includes both a rise and no rise"}
        if verdict.label in reason:
            return Verdict(verdict.label, f"{claim}: {reason[verdict.label]} ({interval}).")
        if low < 0 and high < 0:
            return Verdict(NOT_SUPPORTED, f"{claim}: the effect goes the other way; the whole "
                           f"90 % interval is below zero ({interval}).")
        return Verdict(NOT_SUPPORTED, f"{claim}: the effect is negligible; the 90 % interval "
                       f"lies within ±{estimate.fmt(eps)} ({interval}).")
    if expect == "not_lower":
        if low > -eps:
            return Verdict(SUPPORTED, f"{claim}: no meaningful fall; the 90 % interval lies "
                           f"above -{estimate.fmt(eps)} ({interval}).")
        if high < -eps:
            return Verdict(NOT_SUPPORTED, f"{claim}: a reliable fall; the whole 90 % interval "
                           f"is below -{estimate.fmt(eps)} ({interval}).")
        return Verdict(UNCERTAIN, f"{claim}: the 90 % interval includes both a meaningful "
                       f"fall and none ({interval}).")
    raise ValueError(f"unknown expectation {expect!r}")


def judge_share(share: float, claim: str, what: str, high: float = 0.9,
                low: float = 0.1) -> Verdict:
    """A verdict from the share of worlds in which something happens: supported at or
    above `high`, not supported at or below `low`, uncertain between."""
    text = f"{claim}: {what} in {100 * share:.0f} % of worlds"
    if share >= high:
        return Verdict(SUPPORTED, f"{text} (at least {100 * high:.0f} % needed).")
    if share <= low:
        return Verdict(NOT_SUPPORTED, f"{text} (at most {100 * low:.0f} %).")
    return Verdict(UNCERTAIN, f"{text} (between {100 * low:.0f} % and {100 * high:.0f} %).")


def judge_separability(auc: float, claim: str, series: str, tell: float = 0.75,
                       sure: float = 0.9) -> Verdict:
    """Can an observer tell two policies apart from one world's public series?

    `auc` is the probability that a world of one policy shows a larger value than a world
    of the other (Mann-Whitney); separability = max(auc, 1 - auc). Below `tell`, the
    observer cannot tell them apart (the claim that the observation is no proof is
    supported); at or above `sure`, the series reveal the policy (not supported).
    """
    separability = max(auc, 1.0 - auc)
    text = (f"{claim}: from {series} an observer picks the right policy in "
            f"{100 * separability:.0f} % of pairs of worlds")
    if separability < tell:
        return Verdict(SUPPORTED, f"{text} (below {100 * tell:.0f} %: cannot tell them apart).")
    if separability >= sure:
        return Verdict(NOT_SUPPORTED, f"{text} (at least {100 * sure:.0f} %: the series "
                       "reveal it).")
    return Verdict(UNCERTAIN, f"{text} (between {100 * tell:.0f} % and {100 * sure:.0f} %).")


def combine(parts: Sequence[Verdict]) -> Verdict:
    """One verdict from several parts (rules in the module docstring)."""
    labels = [p.label for p in parts]
    reason = " ".join(p.reason for p in parts)
    if all(label == SUPPORTED for label in labels):
        return Verdict(SUPPORTED, reason)
    if all(label == NOT_SUPPORTED for label in labels):
        return Verdict(NOT_SUPPORTED, reason)
    if SUPPORTED in labels and NOT_SUPPORTED in labels and UNCERTAIN not in labels:
        return Verdict(PARTLY, reason)
    return Verdict(UNCERTAIN, reason)


def with_sensitivity(verdict: Verdict, swings: Sequence[Swing]) -> tuple[Verdict, list[str]]:
    """'depends on X' when a swing of X over its plausible range changes the verdict.

    Returns the final verdict and the parameters that change it.
    """
    flips: dict[str, list[Swing]] = {}
    for swing in swings:
        if swing.verdict.label != verdict.label:
            flips.setdefault(swing.parameter, []).append(swing)
    if not flips:
        return verdict, []
    detail = "; ".join(
        f"{s.verdict.label} with {name} at its {s.end} end ({s.value:g})"
        for name, group in flips.items() for s in group)
    label = f"depends on {', '.join(flips)}"
    return Verdict(label, f"{verdict.reason} At the defaults: {verdict.label}; {detail}."), \
        list(flips)
