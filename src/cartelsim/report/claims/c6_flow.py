"""C6: pressure and raids reduce the drug flow north.

Experiment: U.S. pressure (u = 1, as in C5) and a raid campaign (5 % of the members of the
five largest groups arrested every 26 weeks for two years, the mass-arrest example of the
README) against the status quo on the same worlds. Measure: the drug-flow index of
`analysis.flow` (capacity of the groups present in US border states) at 1 and 3 years.
The claim predicts a lower index; each policy is one part of the verdict, at 3 years.
"""

from __future__ import annotations

import datetime as dt

from cartelsim.analysis import flow
from cartelsim.report import figures
from cartelsim.report.claims.base import (
    Context,
    assumptions,
    judged,
    main_requests,
    swing_requests,
)
from cartelsim.report.claims.c5_pressure import pressure
from cartelsim.report.model import ClaimSection, Estimate, Verdict
from cartelsim.report.stats import difference
from cartelsim.report.verdict import combine, judge
from cartelsim.report.world import scenario_data

ID = "C6"
QUOTE = "pressure and raids reduce the drug flow north"
PARAMETERS = ("pressure_arrest_gain", "integrity_loss_captured", "pressure_hvt_rate",
              "integrity_recovery")
MONTHS = 36
SWEEP_SHARE, SWEEP_EVERY, SWEEP_LARGEST = 0.05, 26, 5


def raids(ctx: Context) -> dict:
    start = ctx.setup.policy_date
    return scenario_data(ctx.setup, "raids", [{
        "action": "arrest_sweep", "effect": SWEEP_SHARE, "start": start,
        "every_weeks": SWEEP_EVERY, "end": start + dt.timedelta(days=2 * 365),
        "target": {"largest": SWEEP_LARGEST}}])


def status_quo(ctx: Context) -> dict:
    return scenario_data(ctx.setup, "status-quo", [])


def _estimates(ctx: Context, overrides: dict, runs: int | None, weeks: int | None,
               months: float = MONTHS) -> dict[str, Estimate]:
    base = ctx.runner.run(status_quo(ctx), overrides, runs, weeks)
    out = {}
    for label, data in (("U.S. pressure", pressure(ctx, 1.0)), ("raids", raids(ctx))):
        policy = ctx.runner.run(data, overrides, runs, weeks)
        out[label] = difference(base["flow_index"], policy["flow_index"], months,
                                f"flow index at {months:g} months: {label}", "points",
                                name="flow_index", digits=1)
    return out


def _verdict(estimates: dict[str, Estimate]) -> Verdict:
    return combine([judge(e, "lower", f"{label[0].upper()}{label[1:]} lowers the flow index")
                    for label, e in estimates.items()])


def headline(ctx: Context):
    def run(overrides: dict[str, float], runs: int | None = None,
            weeks: int | None = None) -> tuple[Estimate, Verdict]:
        estimates = _estimates(ctx, overrides, runs, weeks)
        return estimates["U.S. pressure"], _verdict(estimates)
    return run


def section(ctx: Context) -> ClaimSection:
    at3 = _estimates(ctx, {}, None, None)
    at1 = _estimates(ctx, {}, None, None, months=12)
    default = (at3["U.S. pressure"], _verdict(at3))
    parts = [(label, judge(e, "lower", f"{label[0].upper()}{label[1:]} lowers the flow index"))
             for label, e in at3.items()]
    final, sensitivity = judged(ctx, headline(ctx), PARAMETERS, MONTHS, default)
    base = ctx.runner.run(status_quo(ctx))
    series = {"status quo": base["flow_index"],
              "U.S. pressure": ctx.runner.run(pressure(ctx, 1.0))["flow_index"],
              "raids": ctx.runner.run(raids(ctx))["flow_index"]}
    estimates = [*at1.values(), *at3.values()]
    figs = [
        figures.embed(figures.fans([("Drug-flow index (100 = start)", series)],
                                   "Capacity of the groups that move drugs north"),
                      "The flow index under the status quo, U.S. pressure and raids."),
        figures.embed(figures.differences(estimates, "Policy minus status quo"),
                      "Paired differences of the flow index as % of the status quo; points "
                      "are medians, bars 90 % intervals."),
    ]
    if sensitivity.swings:
        figs.append(figures.embed(figures.swings(default[0], sensitivity.swings,
                                                 "Flow index under pressure: swings"),
                                  "Flow index difference at 3 years under U.S. pressure with "
                                  "each parameter at its range ends (grey: defaults)."))
    pressure3 = at3["U.S. pressure"]
    return ClaimSection(
        id=ID, title="Pressure, raids and the drug flow north", quote=QUOTE,
        question="Do U.S. pressure and mass raids shrink the capacity of the groups that "
                 "move drugs to the United States?",
        experiment=f"U.S. pressure u = 1 and a raid campaign ({100 * SWEEP_SHARE:g} % of the "
                   f"{SWEEP_LARGEST} largest groups arrested every {SWEEP_EVERY} weeks for two "
                   f"years) from {ctx.setup.policy_date}, against the status quo on "
                   f"{ctx.setup.runs} paired worlds; the drug-flow index at 1 and 3 years.",
        estimates=estimates, verdict=final,
        headline=f"flow index {pressure3.fmt(pressure3.median, True)} pts (pressure), "
                 f"{at3['raids'].fmt(at3['raids'].median, True)} (raids) at 3 y",
        parts=parts, figures=figs,
        assumptions=assumptions(PARAMETERS + ("payroll_weeks", "member_wage")),
        sensitivity=sensitivity,
        notes=["How the index is defined: " + " ".join(flow.ASSUMPTIONS), flow.LIMITS],
        assumed="The index is a definition, not an observation: it measures the capacity of "
                "groups present in border states; routes, prices and displacement are not "
                "modelled.",
    )


def requests(ctx: Context) -> list:
    trio = [status_quo(ctx), pressure(ctx, 1.0), raids(ctx)]
    return main_requests(trio) + swing_requests(ctx, trio, PARAMETERS, MONTHS)
