"""C5: U.S. pressure makes the state produce observable results.

Experiment, with territory, money and protection on (states, routes to the border, the flow
north in tonnes and the revenue it brings; `cartelsim.territory`): the two U.S. levers of February 2025 from the policy date, a tariff
threat and, 19 days later, the FTO designation (`tariff_threat` and `fto_designation`, each
adding 0.5 to U.S. pressure u, the 2025 level together), against the status quo with
territory on, on the same worlds. U.S. pressure is these dated events plus the feedback
state of `territory.pressure` that the flow north drives (`us_pressure_flow_gain`, 0 in the
catalogue until calibrated, so swung). The Mexican state answers a share v =
`state_visible_weight` of pressure with visible operations (leader captures, more arrests)
and the rest structurally (recruitment prevention, financial intelligence and
anti-corruption, by the shares `state_structural_finance` and
`state_structural_corruption`).

Observable results: extra leader removals a year and extra arrests over the first 3 years.
What they cost or buy: homicides, active groups (fragmentation) and members at 3 years, and
the tonnes moved north over the 3 years. The verdict is on the observable part (removals);
the same pair at v = 0 and 0.5 shows the structural answer beside the visible one (v = 0 is
also the sensitivity swing's low end).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import xarray as xr

from cartelsim.analysis.compare import months_to_weeks
from cartelsim.params.catalogue import CATALOGUE
from cartelsim.report import figures
from cartelsim.report.claims.base import (
    Context,
    assumptions,
    judged,
    main_requests,
    swing_requests,
)
from cartelsim.report.model import ClaimSection, Estimate, Verdict
from cartelsim.report.stats import difference, level, paired_total
from cartelsim.report.verdict import judge
from cartelsim.report.world import Request, territory_data

ID = "C5"
QUOTE = "U.S. pressure makes the state produce observable results"
# the first two are swung in quick mode: the state's visible/structural choice and the
# feedback from the flow north, the two parts of the pressure model that territory adds
PARAMETERS = ("state_visible_weight", "us_pressure_flow_gain", "pressure_hvt_rate",
              "pressure_structural_gain", "visibility_exponent", "pressure_arrest_gain")
MONTHS = 36
VISIBLE = "state_visible_weight"
VISIBLE_LEVELS = (0.0, 0.5, 1.0)  # v: all structural, half, all visible (the catalogue's)
FTO_AFTER_DAYS = 19  # 2025: tariffs announced 1 Feb, FTO designation 20 Feb (EVIDENCE F27)
NEGLIGIBLE_REMOVALS = 0.5  # leader removals a year


def status_quo(ctx: Context) -> dict:
    """No new policy, with territory on (shared with C6)."""
    return territory_data(ctx.setup, "status-quo-territory", [])


def levers(ctx: Context) -> dict:
    """The tariff threat from the policy date and the FTO designation 19 days later, each
    at its action's default level (u = 0.5), lasting to the horizon (shared with C6)."""
    start = ctx.setup.policy_date
    return territory_data(ctx.setup, "us-levers", [
        {"action": "tariff_threat", "start": start},
        {"action": "fto_designation", "start": start + dt.timedelta(days=FTO_AFTER_DAYS)}])


def removals_a_year(base: xr.Dataset, policy: xr.Dataset, months: float = MONTHS) -> Estimate:
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


def outcomes(base: xr.Dataset, policy: xr.Dataset, tag: str = "") -> dict[str, Estimate]:
    """What the levers produce (removals, arrests) and what that costs or buys (homicides,
    active groups, members, tonnes north), paired; `tag` names the setting in labels."""
    end = months_to_weeks(MONTHS)
    weeks = slice(1, end + 1)
    years = f"{MONTHS // 12:g} years"
    removals = removals_a_year(base, policy)
    return {
        "removals": replace(removals, label=removals.label + tag),
        "arrests": paired_total(base["total_arrests"], policy["total_arrests"], weeks,
                                f"arrests over the first {years}{tag}", "arrests"),
        "homicides": difference(base["homicides"], policy["homicides"], MONTHS,
                                f"homicides a week at {years}{tag}", "per week",
                                name="homicides"),
        "groups": difference(base["active_groups"], policy["active_groups"], MONTHS,
                             f"active groups at {years}{tag}", "groups",
                             name="active_groups", negligible=0.5, digits=1),
        "members": difference(base["total_members"], policy["total_members"], MONTHS,
                              f"members at {years}{tag}", "members", name="total_members"),
        "tonnes": paired_total(base["flow_north"], policy["flow_north"], weeks,
                               f"tonnes north over the first {years}{tag}", "t", digits=1),
    }


def _visible_request(ctx: Context, data: dict, v: float) -> Request:
    """A run at state_visible_weight = v on the sensitivity swing's worlds and horizon, so
    that v = 0 is the swing's own run (served once from the cache)."""
    return (data, {VISIBLE: v}, ctx.plan.runs, ctx.weeks_for(MONTHS))


def _pair_at(ctx: Context, v: float) -> tuple[xr.Dataset, xr.Dataset]:
    """Status quo and levers at v (the main results at the catalogue's v)."""
    if v == CATALOGUE[VISIBLE].default:
        return ctx.runner.run(status_quo(ctx)), ctx.runner.run(levers(ctx))
    return (ctx.runner.run(*_visible_request(ctx, status_quo(ctx), v)),
            ctx.runner.run(*_visible_request(ctx, levers(ctx), v)))


def headline(ctx: Context):
    def run(overrides: dict[str, float], runs: int | None = None,
            weeks: int | None = None) -> tuple[Estimate, Verdict]:
        base = ctx.runner.run(status_quo(ctx), overrides, runs, weeks)
        policy = ctx.runner.run(levers(ctx), overrides, runs, weeks)
        estimate = removals_a_year(base, policy)
        return estimate, judge(estimate, "higher", "Pressure raises observable results")
    return run


def section(ctx: Context) -> ClaimSection:
    setup = ctx.setup
    central = CATALOGUE[VISIBLE].default
    by_v = {v: outcomes(*_pair_at(ctx, v), "" if v == central else f", v = {v:g}")
            for v in VISIBLE_LEVELS}
    main = by_v[central]
    default = headline(ctx)({}, None, None)
    final, sensitivity = judged(ctx, headline(ctx), PARAMETERS, MONTHS, default)
    levels = list(VISIBLE_LEVELS)
    figs = [figures.embed(
        figures.pressure(levels, [by_v[v]["removals"] for v in levels],
                         {"members": [by_v[v]["members"] for v in levels],
                          "homicides": [by_v[v]["homicides"] for v in levels]},
                         "What the 2025 levers produce, by the state's answer",
                         xlabel="state_visible_weight v (share of pressure answered visibly)"),
        "Left: extra successful leader removals a year under the levers, against the status "
        "quo, as the state answers more of the pressure with visible operations (v = 1: all "
        "visible; v = 0: all structural: prevention, finance, anti-corruption). Right: members and homicides at 3 years "
        "against the status quo (%).")]
    base, policy = _pair_at(ctx, central)
    figs.append(figures.embed(figures.fans([
        ("Leader removals since the start (cumulative)",
         {"status quo": base["hvt_removals"].fillna(0.0).cumsum("time"),
          "U.S. levers": policy["hvt_removals"].fillna(0.0).cumsum("time")}),
        ("National homicides per week",
         {"status quo": base["homicides"], "U.S. levers": policy["homicides"]}),
        ("Members of all groups", {"status quo": base["total_members"],
                                   "U.S. levers": policy["total_members"]}),
    ], "U.S. levers against the status quo"),
        "What the public sees (leader removals), what it costs or buys (homicides, "
        f"members), at v = {central:g}, territory on."))
    if sensitivity.swings:
        figs.append(figures.embed(figures.swings(default[0], sensitivity.swings,
                                                 "Extra removals a year: parameter swings"),
                                  "Extra leader removals a year under the levers with each "
                                  "parameter at its range ends (grey: defaults)."))
    order = ("removals", "arrests", "homicides", "groups", "members", "tonnes")
    estimates = [main[k] for k in order] + [
        by_v[v][k] for v in VISIBLE_LEVELS if v != central
        for k in ("removals", "homicides", "members")]
    removals, members = main["removals"], main["members"]
    structural = by_v[min(VISIBLE_LEVELS)]
    tonnes = main["tonnes"]
    return ClaimSection(
        id=ID, title="U.S. pressure and observable results", quote=QUOTE,
        question="Under the U.S. levers of 2025 (a tariff threat, the FTO designation), does "
                 "the Mexican state show more leaders removed, at what cost in homicides and "
                 "fragmentation, and does the answer change when the state values structural "
                 "action over visible wins?",
        experiment=f"A tariff threat from {setup.policy_date} and the FTO designation "
                   f"{FTO_AFTER_DAYS} days later (u = 0.5 each, to the horizon) against the "
                   f"status quo on {setup.runs} paired worlds, territory on (routes, flow "
                   "north, U.S. pressure's feedback from the flow at its catalogue gain, "
                   f"us_pressure_flow_gain = {CATALOGUE['us_pressure_flow_gain'].default:g}). "
                   f"The state answers v = {VISIBLE} of the pressure visibly (v = "
                   f"{central:g} in the main result); the same pair at v = "
                   f"{', '.join(f'{v:g}' for v in VISIBLE_LEVELS if v != central)} on "
                   f"{ctx.plan.runs} worlds over {MONTHS // 12:g} years.",
        estimates=estimates, verdict=final,
        headline=f"+{removals.median:.1f} removals/yr (v={central:g}), "
                 f"{structural['removals'].fmt(structural['removals'].median, True)} at "
                 f"v={min(VISIBLE_LEVELS):g}; members "
                 f"{100 * (members.relative or 0):+.1f} %",
        parts=[("observable results rise (leader removals)", default[1])],
        figures=figs, assumptions=assumptions(PARAMETERS),
        sensitivity=sensitivity,
        notes=[f"At v = {central:g} the levers change homicides at 3 years by "
               f"{main['homicides'].text()}, active groups by {main['groups'].text()} and "
               f"members by {members.text()} (paired, 90 % intervals).",
               f"With v = {min(VISIBLE_LEVELS):g} (all of the pressure spent on recruitment "
               f"prevention) removals change by {structural['removals'].text()} and members "
               f"at 3 years by {structural['members'].text()}: the visible answer buys "
               "removals, the structural one fewer members.",
               f"Tonnes north over the first {MONTHS // 12:g} years change by {tonnes.text()} "
               f"(status quo {tonnes.fmt(tonnes.base or 0.0)} t): in this model the supply "
               "moved north is set by demand, and removals and arrests do not reduce it; "
               "only seizures at the crossings do (C6)."],
        assumed="Built in: pressure drives leader captures at rate pressure_hvt_rate x v x u "
                "and arrests (from the 2025 transfers, EVIDENCE F27-F28), so the observable "
                "part is an input; v itself is an assumption (no estimate of how the state "
                "splits its answer). The flow north does not respond to arrests (demand-driven "
                "supply), so pressure cannot cut tonnes here. What the model adds is what the "
                "removals do to violence, fragmentation and members.",
    )


def requests(ctx: Context) -> list:
    pair = [status_quo(ctx), levers(ctx)]
    visible = [_visible_request(ctx, data, v) for v in VISIBLE_LEVELS
               if v != CATALOGUE[VISIBLE].default for data in pair]
    return main_requests(pair) + visible + swing_requests(ctx, pair, PARAMETERS, MONTHS)
