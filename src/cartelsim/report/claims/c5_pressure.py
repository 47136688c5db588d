"""C5: U.S. pressure makes the state produce observable results.

Experiment: U.S. pressure u = 0.5, 1 and 2 from the policy date (as
examples/hvt-campaign-us-pressure.toml at u = 1) against the status quo on the same
worlds. Observable results: successful leader removals a year over the first 3 years.
Structural outcomes: members and homicides at 3 years. The verdict is on the observable
part; the structural numbers say what the observable results buy.
"""

from __future__ import annotations

import numpy as np

from cartelsim.analysis.compare import months_to_weeks
from cartelsim.report import figures
from cartelsim.report.claims.base import (
    Context,
    assumptions,
    judged,
    main_requests,
    swing_requests,
)
from cartelsim.report.model import ClaimSection, Estimate, Verdict
from cartelsim.report.stats import difference, level
from cartelsim.report.verdict import judge
from cartelsim.report.world import scenario_data

ID = "C5"
QUOTE = "U.S. pressure makes the state produce observable results"
PARAMETERS = ("pressure_hvt_rate", "visibility_exponent", "pressure_arrest_gain")
MONTHS = 36
LEVELS = (0.5, 1.0, 2.0)
HEADLINE_LEVEL = 1.0
NEGLIGIBLE_REMOVALS = 0.5  # leader removals a year


def pressure(ctx: Context, u: float) -> dict:
    return scenario_data(ctx.setup, f"us-pressure-{u:g}", [
        {"action": "us_pressure", "effect": u, "start": ctx.setup.policy_date}])


def status_quo(ctx: Context) -> dict:
    return scenario_data(ctx.setup, "status-quo", [])


def removals_a_year(base, policy, months: float = MONTHS) -> Estimate:
    """Extra successful leader removals a year over the first `months` (paired)."""
    end = months_to_weeks(months)
    years = end / 52.0
    b = base["hvt_removals"].isel(time=slice(1, end + 1)).sum("time").values / years
    p = policy["hvt_removals"].isel(time=slice(1, end + 1)).sum("time").values / years
    spread = level(p - b, f"extra leader removals a year (first {months // 12:g} years)",
                   "a year", digits=1)
    return Estimate(spread.label, spread.unit, spread.median, spread.low, spread.high,
                    spread.runs, base=float(np.median(b)), p_lower=float(np.mean(p < b)),
                    negligible=NEGLIGIBLE_REMOVALS, digits=1)


def headline(ctx: Context):
    def run(overrides: dict[str, float], runs: int | None = None,
            weeks: int | None = None) -> tuple[Estimate, Verdict]:
        base = ctx.runner.run(status_quo(ctx), overrides, runs, weeks)
        policy = ctx.runner.run(pressure(ctx, HEADLINE_LEVEL), overrides, runs, weeks)
        estimate = removals_a_year(base, policy)
        return estimate, judge(estimate, "higher", "Pressure raises observable results")
    return run


def section(ctx: Context) -> ClaimSection:
    base = ctx.runner.run(status_quo(ctx))
    observable, members, homicides = [], [], []
    for u in LEVELS:
        policy = ctx.runner.run(pressure(ctx, u))
        observable.append(removals_a_year(base, policy))
        members.append(difference(base["total_members"], policy["total_members"], MONTHS,
                                  f"members at 3 years, u = {u:g}", "members",
                                  name="total_members"))
        homicides.append(difference(base["homicides"], policy["homicides"], MONTHS,
                                    f"homicides a week at 3 years, u = {u:g}", "per week",
                                    name="homicides"))
    default = headline(ctx)({}, None, None)
    final, sensitivity = judged(ctx, headline(ctx), PARAMETERS, MONTHS, default)
    at = LEVELS.index(HEADLINE_LEVEL)
    figs = [figures.embed(figures.pressure(LEVELS, observable, {"members": members,
                                                                "homicides": homicides},
                                           "What pressure produces"),
                          "Left: extra successful leader removals a year as pressure rises. "
                          "Right: members and homicides at 3 years against the status quo.")]
    if sensitivity.swings:
        figs.append(figures.embed(figures.swings(default[0], sensitivity.swings,
                                                 "Extra removals a year: parameter swings"),
                                  "Extra leader removals a year at u = 1 with each parameter "
                                  "at its range ends (grey: defaults)."))
    estimates = [e for trio in zip(observable, members, homicides, strict=True) for e in trio]
    return ClaimSection(
        id=ID, title="U.S. pressure and observable results", quote=QUOTE,
        question="As U.S. pressure rises, does the state show more leaders removed, and do "
                 "the groups get smaller or less violent?",
        experiment=f"U.S. pressure u = {', '.join(f'{u:g}' for u in LEVELS)} from "
                   f"{ctx.setup.policy_date} (more arrests, and leader captures aimed at "
                   f"large, unprotected groups) against the status quo on {ctx.setup.runs} "
                   "paired worlds.",
        estimates=estimates, verdict=final,
        headline=f"+{observable[at].median:.1f} removals/yr at u=1; members "
                 f"{100 * (members[at].relative or 0):+.1f} %",
        parts=[("observable results rise", default[1])],
        figures=figs, assumptions=assumptions(PARAMETERS),
        sensitivity=sensitivity,
        notes=[f"At u = 1, members at 3 years change by {members[at].text()} and homicides "
               f"by {homicides[at].text()} (paired, 90 % intervals)."],
        assumed="Built in: the model assumes that pressure drives leader captures "
                "(pressure_hvt_rate, from the 2025 transfers, EVIDENCE F27-F28). The "
                "observable part is therefore an input; what the model adds is what those "
                "results do to members and violence.",
    )


def requests(ctx: Context) -> list:
    main = [status_quo(ctx), *(pressure(ctx, u) for u in LEVELS)]
    return main_requests(main) + swing_requests(
        ctx, [status_quo(ctx), pressure(ctx, HEADLINE_LEVEL)], PARAMETERS, MONTHS)
