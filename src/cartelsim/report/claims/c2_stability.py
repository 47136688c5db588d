"""C2: removing a leader "seldom yields long-term stability".

Experiment: the same removal as C1 (leader killed, contested succession) against the status
quo on the same worlds; national homicides and members 1, 3 and 5 years after the start,
and the share of worlds in which homicides are lower at 3 years. The claim predicts no
lasting fall in violence ('not lower' at 3 years). A settled succession is run too: if it
gives another verdict, the answer depends on the succession.
"""

from __future__ import annotations

from dataclasses import replace

from cartelsim.analysis.figures import comparison_figure
from cartelsim.report import figures
from cartelsim.report.claims.base import (
    Context,
    assumptions,
    judged,
    main_requests,
    swing_requests,
)
from cartelsim.report.claims.c1_command import removal
from cartelsim.report.model import ClaimSection, Estimate, Verdict
from cartelsim.report.stats import difference
from cartelsim.report.verdict import judge
from cartelsim.report.world import scenario_data

ID = "C2"
QUOTE = "removing a leader “seldom yields long-term stability”"
PARAMETERS = ("split_hazard", "conflict_sensitivity", "splinter_rivalry", "split_fraction")
MONTHS = 36
HORIZONS = (12, 36, 60)
CLAIM = "No lasting fall in violence"


def status_quo(ctx: Context) -> dict:
    return scenario_data(ctx.setup, "status-quo", [])


def _homicides(ctx: Context, succession: str, overrides: dict, runs: int | None,
               weeks: int | None, months: float = MONTHS) -> Estimate:
    base = ctx.runner.run(status_quo(ctx), overrides, runs, weeks)
    policy = ctx.runner.run(removal(ctx, succession), overrides, runs, weeks)
    return difference(base["homicides"], policy["homicides"], months,
                      f"homicides a week at {months:g} months", "per week", name="homicides")


def headline(ctx: Context):
    def run(overrides: dict[str, float], runs: int | None = None,
            weeks: int | None = None) -> tuple[Estimate, Verdict]:
        estimate = _homicides(ctx, "contested", overrides, runs, weeks)
        return estimate, judge(estimate, "not_lower", CLAIM)
    return run


def section(ctx: Context) -> ClaimSection:
    setup = ctx.setup
    name = setup.name_of(setup.target)
    base = ctx.runner.run(status_quo(ctx))
    policy = ctx.runner.run(removal(ctx))
    estimates = []
    for months in HORIZONS:
        if months * 52 / 12 >= setup.weeks:
            continue
        estimates.append(difference(base["homicides"], policy["homicides"], months,
                                    f"homicides a week at {months} months", "per week",
                                    name="homicides"))
        estimates.append(difference(base["total_members"], policy["total_members"], months,
                                    f"members at {months} months", "members",
                                    name="total_members"))
    default = headline(ctx)({}, None, None)
    contested = default[1]
    settled_estimate = replace(_homicides(ctx, "settled", {}, None, None),
                               label=f"homicides a week at {MONTHS} months (settled heir)")
    settled = judge(settled_estimate, "not_lower", CLAIM + " (settled succession)")
    verdict = contested
    if settled.label != contested.label:
        verdict = Verdict("depends on the succession",
                          f"{contested.reason} With a settled succession: {settled.reason}")
    final, sensitivity = judged(ctx, headline(ctx), PARAMETERS, MONTHS, (default[0], verdict))
    if final.label != verdict.label and verdict.label.startswith("depends"):
        final = Verdict(f"{verdict.label}; {final.label}", final.reason)
    three = default[0]
    figs = [
        figures.embed(comparison_figure(base, policy),
                      f"Status quo and {name}'s leader killed (contested succession): national "
                      "series and their paired difference."),
        figures.embed(figures.differences([*estimates, settled_estimate],
                                          "Leader killed minus status quo"),
            "Paired differences as % of the status quo: points are medians, bars 90 % "
            "intervals (green: reliably lower, red: reliably higher, grey: either)."),
    ]
    if sensitivity.swings:
        figs.append(figures.embed(figures.swings(three, sensitivity.swings,
                                                 "Homicides at 3 years: parameter swings"),
                                  "The 3-year homicide difference with each parameter at the "
                                  "ends of its plausible range (grey: defaults)."))
    return ClaimSection(
        id=ID, title="Leader removal and long-term stability", quote=QUOTE,
        question=f"Five years after {name}'s leader is killed, is the country calmer than "
                 "if nothing had happened?",
        experiment=f"The removal of C1 (on {setup.removal_date}) against the status quo on "
                   f"{setup.runs} paired worlds; national homicides and members 1, 3 and 5 "
                   f"years after {setup.start} (flows averaged over the 4 weeks ending "
                   "there). The same with a settled succession.",
        estimates=[*estimates, settled_estimate], verdict=final,
        headline=f"homicides at 3 y {100 * (three.relative or 0):+.1f} %; "
                 f"P(lower) {three.p_lower:.2f}",
        parts=[("contested succession", contested), ("settled succession", settled)],
        figures=figs, assumptions=assumptions(PARAMETERS + ("integrity_loss_killed",
                                                            "integrity_recovery")),
        sensitivity=sensitivity,
        notes=[f"Homicides are lower at 3 years in {100 * three.p_lower:.0f} % of paired "
               "worlds (contested succession)."],
        assumed="Partly built in: that low command integrity raises conflict and that "
                "contested successions split groups are assumptions calibrated to EVIDENCE "
                "F3 and F6; how long violence stays up then emerges from the rivalry network.",
    )


def requests(ctx: Context) -> list:
    return main_requests([status_quo(ctx), removal(ctx), removal(ctx, "settled")]) + \
        swing_requests(ctx, [status_quo(ctx), removal(ctx)], PARAMETERS, MONTHS)
