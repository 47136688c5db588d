"""Verdicts computed from the numbers by stated rules (never written by hand).

A claim predicts a direction for a paired difference (policy minus status quo): lower,
higher, or "not lower" (no lasting gain). With the central 90 % interval [low, high] of the
difference over paired worlds and a size `negligible` below which an effect does not matter:

- expects *lower*: supported if high < 0 (said to be too small to matter when the interval
  also lies within ±negligible); not supported if low > 0 or the whole interval
  lies within ±negligible; uncertain otherwise (then the interval contains zero).
- expects *higher*: the mirror image.
- expects *not lower*: supported if low > -negligible (any fall is negligible at most);
  not supported if high < 0 (a fall in the whole interval, part of it beyond the band);
  uncertain otherwise (then the interval runs from a meaningful fall to zero or above).

The wording follows the same rules, so it cannot contradict its interval (tested with
hypothesis in tests/report/test_verdict_wording.py):

- every reason opens with the claim in quotes and its own label («“claim” — label: why»),
  never with a bare claim a reader could take for the finding;
- "uncertain" only beside an interval that contains zero;
- "below zero" / "above zero" only for an interval wholly below / above zero;
- "cannot tell" only when an observer does no better than the `tell` threshold.

Where flows go (C6): a crackdown keeps tonnes from its crossing; the share of those tonnes
that crossed at other crossings says whether it *diverted* the flow or *cut* it
(`cut_or_diverted`): "mostly diverted" only when the whole 90 % interval of that share lies
above one half, "mostly cut" only when it lies below, "partly cut, partly diverted"
otherwise. A claim that the crackdown cuts rather than diverts (`judge_cut`) is supported,
not supported or uncertain in those three cases; whether the total flow north falls is a
separate part, judged as any predicted fall.

Several parts of a claim combine: all supported -> supported; all not supported -> not
supported; a mix of supported and not supported -> partly supported; otherwise uncertain.
A verdict "depends on X" when moving parameter X to an end of its plausible range gives a
different verdict (see `sensitivity`); the verdict at the centre (the calibrated posterior,
or the defaults without one) is always shown beside it.
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
    "uncertain otherwise (the interval then contains zero); a predicted rise is the mirror "
    "image.",
    "A claim that predicts no lasting gain ('not lower') is supported when the interval lies "
    "above minus the negligible band, not supported when it lies wholly below zero, and "
    "uncertain otherwise.",
    "The negligible band is 2 % of the status quo's median unless a section says otherwise.",
    "Parts of a claim combine: all supported -> supported; all not supported -> not "
    "supported; some of each -> partly supported; anything else -> uncertain.",
    "'Depends on X' means that moving parameter X to the low or high end of its plausible "
    "range (from the parameter catalogue) changes the verdict; the verdict at the centre "
    "(the calibrated posterior, or the default parameters without one) is shown beside it.",
    "A crackdown's tonnes are 'mostly diverted' when the whole 90 % interval of the share of "
    "the tonnes it kept from its crossing that crossed elsewhere lies above 50 %, 'mostly "
    "cut' when it lies below 50 %, and 'partly cut, partly diverted' otherwise (the claim "
    "that it cuts rather than diverts is then supported, not supported or uncertain); "
    "whether a policy lowers the total flow north is judged as any predicted fall.",
    "Every reason opens with the claim in quotes and its own verdict, so a sentence never "
    "states a claim as a finding.",
)
RELATIVE_NEGLIGIBLE = 0.02


def negligible_for(base: float) -> float:
    """The default negligible band: 2 % of the status quo's median."""
    return RELATIVE_NEGLIGIBLE * abs(base)


def stated(claim: str, label: str, why: str) -> Verdict:
    """A verdict whose reason opens with the quoted claim and its own label."""
    return Verdict(label, f"“{claim}” — {label}: {why}.")


def judge(estimate: Estimate, expect: Expect, claim: str) -> Verdict:
    """The verdict on `claim` from one paired difference (see the module rules)."""
    low, high, eps = estimate.low, estimate.high, estimate.negligible
    interval = f"{estimate.label}: {estimate.text()}"
    band = f"±{estimate.fmt(eps)}"
    if expect in ("lower", "higher"):
        # work on the direction the claim predicts: "toward" < 0 is what it expects
        toward_low, toward_high = (low, high) if expect == "lower" else (-high, -low)
        word, other = ("below", "above") if expect == "lower" else ("above", "below")
        change = "fall" if expect == "lower" else "rise"
        if toward_high < 0:
            small = (f", but all of it within the negligible band {band}: a real effect too "
                     "small to matter" if -eps <= low and high <= eps else "")
            return stated(claim, SUPPORTED, f"the whole 90 % interval is {word} zero "
                          f"({interval}){small}")
        if toward_low > 0:
            return stated(claim, NOT_SUPPORTED, f"the effect goes the other way; the whole "
                          f"90 % interval is {other} zero ({interval})")
        if -eps <= low and high <= eps:
            return stated(claim, NOT_SUPPORTED, f"the effect is negligible; the 90 % "
                          f"interval lies within {band} ({interval})")
        return stated(claim, UNCERTAIN, f"the 90 % interval includes both a {change} and "
                      f"no {change} ({interval})")
    if expect == "not_lower":
        if low > -eps:
            return stated(claim, SUPPORTED, f"no meaningful fall; the 90 % interval lies "
                          f"above -{estimate.fmt(eps)} ({interval})")
        if high < 0:
            return stated(claim, NOT_SUPPORTED, f"a fall in the whole 90 % interval, wholly "
                          f"below zero and reaching beyond -{estimate.fmt(eps)} ({interval})")
        return stated(claim, UNCERTAIN, f"the 90 % interval runs from a meaningful fall to "
                      f"no fall ({interval})")
    raise ValueError(f"unknown expectation {expect!r}")


def judge_share(share: float, claim: str, what: str, high: float = 0.9,
                low: float = 0.1) -> Verdict:
    """A verdict from the share of worlds in which something happens: supported at or
    above `high`, not supported at or below `low`, uncertain between."""
    text = f"{what} in {100 * share:.0f} % of worlds"
    if share >= high:
        return stated(claim, SUPPORTED, f"{text} (at least {100 * high:.0f} % needed)")
    if share <= low:
        return stated(claim, NOT_SUPPORTED, f"{text} (at most {100 * low:.0f} %)")
    return stated(claim, UNCERTAIN, f"{text} (between {100 * low:.0f} % and "
                  f"{100 * high:.0f} %)")


def judge_separability(auc: float, claim: str, series: str, tell: float = 0.75,
                       sure: float = 0.9) -> Verdict:
    """Can an observer tell two policies apart from one world's public series?

    `auc` is the probability that a world of one policy shows a larger value than a world
    of the other (Mann-Whitney); separability = max(auc, 1 - auc). Below `tell`, the
    observer cannot tell them apart (the claim that the observation is no proof is
    supported); at or above `sure`, the series reveal the policy (not supported).
    `claim` must not itself say "cannot tell": a part's title states the question, the
    verdict the answer.
    """
    separability = max(auc, 1.0 - auc)
    text = (f"from {series} an observer picks the right policy in "
            f"{100 * separability:.0f} % of pairs of worlds")
    if separability < tell:
        return stated(claim, SUPPORTED, f"{text}; below {100 * tell:.0f} %, so one cannot "
                      "tell the policies apart")
    if separability >= sure:
        return stated(claim, NOT_SUPPORTED, f"{text}; at least {100 * sure:.0f} %, so the "
                      "series reveal the policy")
    return stated(claim, UNCERTAIN, f"{text}; better than chance but short of "
                  f"{100 * sure:.0f} %")


MOSTLY_DIVERTED, MOSTLY_CUT, BOTH_WAYS = ("mostly diverted", "mostly cut",
                                         "partly cut, partly diverted")


def cut_or_diverted(diverted: Estimate, half: float = 50.0) -> str:
    """Whether a crackdown diverted or cut the tonnes it kept from its crossing, from the
    interval of `diverted`, the share of them (in %) that crossed elsewhere (module rules).
    An estimate without worlds (nothing was kept from the crossing) says so."""
    if diverted.runs == 0:
        return "neither: the crackdown kept no tonnes from its crossing"
    if diverted.low > half:
        return MOSTLY_DIVERTED
    if diverted.high < half:
        return MOSTLY_CUT
    return BOTH_WAYS


def judge_cut(diverted: Estimate, claim: str, half: float = 50.0) -> Verdict:
    """The verdict on `claim`, that a crackdown cuts rather than diverts the tonnes it kept
    from its crossing, from `diverted`, the share of them (in %) that crossed elsewhere."""
    words = cut_or_diverted(diverted, half)
    interval = f"{diverted.label}: {diverted.text()}"
    if words == MOSTLY_CUT:
        return stated(claim, SUPPORTED, f"{words}; the whole 90 % interval of the share "
                      f"diverted lies below {half:g} % ({interval})")
    if words == MOSTLY_DIVERTED:
        return stated(claim, NOT_SUPPORTED, f"{words}; the whole 90 % interval of the share "
                      f"diverted lies above {half:g} % ({interval})")
    if diverted.runs == 0:
        return stated(claim, UNCERTAIN, words)
    return stated(claim, UNCERTAIN, f"{words}; the 90 % interval of the share diverted "
                  f"includes {half:g} % ({interval})")


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


def with_sensitivity(verdict: Verdict, swings: Sequence[Swing],
                     centre: str = "the defaults") -> tuple[Verdict, list[str]]:
    """'depends on X' when a swing of X over its plausible range changes the verdict.

    `centre` names where the unswung verdict was computed ("the calibrated posterior" or
    "the defaults"). Returns the final verdict and the parameters that change it.
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
    return Verdict(label, f"At {centre}: {verdict.label}. {verdict.reason} Swings: "
                   f"{detail}."), list(flips)
