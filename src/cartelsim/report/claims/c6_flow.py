"""C6: pressure and raids reduce the drug flow north.

Experiment, with territory on (routes to the border, the flow north in tonnes by crossing;
`cartelsim.territory`) and money and protection on (drug revenue from the tonnes that
cross), against the status quo with the same mechanisms, on the same worlds:

- a **crossing crackdown**: the Nuevo Laredo crossing's cost and seizure share x 3 for two
  years from the policy date (as examples/crossing-crackdown.toml);
- **raids**: 5 % of the members of the five largest groups arrested every 26 weeks for the
  same two years (the mass-arrest example of the README);
- **U.S. pressure**: the 2025 levers of C5 (the same runs).

Measured over the crackdown's two years: tonnes that crossed north in all (the claim's
measure: a *cut* is fewer tonnes north, not fewer through one crossing), by crossing, and
seized. For the crackdown also the share of the tonnes it kept from Nuevo Laredo that
crossed elsewhere (*diverted*; `verdict.cut_or_diverted` words it), and homicides in the
states its new routes cross against the other states. The route states are those where the
crackdown adds at least `ROUTE_SHARE` of the week's supply in traffic, by the territory
kernel's own routing rule at the members of the start (`route_states`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import xarray as xr

from cartelsim.engines.simulate import initial_members
from cartelsim.errors import CartelsimError
from cartelsim.report import figures
from cartelsim.report.claims.base import (
    Context,
    assumptions,
    judged,
    main_requests,
    swing_requests,
)
from cartelsim.report.claims.c5_pressure import levers, status_quo
from cartelsim.report.maps import ATTRIBUTION
from cartelsim.report.model import ClaimSection, Estimate, Verdict
from cartelsim.report.stats import difference, level, paired_total
from cartelsim.report.verdict import combine, cut_or_diverted, judge, judge_cut
from cartelsim.report.world import territory_data
from cartelsim.scenarios.schema import parse_scenario
from cartelsim.territory import maps
from cartelsim.territory.corridors import route_table
from cartelsim.territory.kernel import TP_SUPPLY, state_traffic
from cartelsim.territory.market import DRUGS
from cartelsim.territory.network import load_network
from cartelsim.territory.results import drug_supply, territory_vector
from cartelsim.territory.states import state_layout

ID = "C6"
QUOTE = "pressure and raids reduce the drug flow north"
# quick mode swings the first two: what a crackdown at a crossing costs shippers, and how
# readily they spread over crossings (both assumptions, EVIDENCE F7, F17)
PARAMETERS = ("territory_crossing_cost", "territory_route_dispersion",
              "territory_seizure_share", "territory_route_violence", "us_pressure_flow_gain")
POLICY_DAYS = 728  # two years (104 weeks) from the policy date
MONTHS = 26  # the swings' horizon: the policies' two years from the policy date fit in it
CROSSING, CRACKDOWN_FACTOR = "nuevo_laredo", 3.0
SWEEP_SHARE, SWEEP_EVERY, SWEEP_LARGEST = 0.05, 26, 5
ROUTE_SHARE = 0.005  # share of the week's supply a crackdown adds to a state's traffic
POLICIES = ("crackdown", "raids", "U.S. pressure")


@cache
def crossing_names() -> dict[str, str]:
    """Crossing id -> the name its labels show (data/territory/nodes.csv)."""
    network = load_network()
    return {network.node_ids[i]: network.names[i] for i in network.crossings}


def crackdown(ctx: Context) -> dict:
    """Nuevo Laredo's crossing cost and seizure share x 3 for two years."""
    start = ctx.setup.policy_date
    return territory_data(ctx.setup, "crossing-crackdown", [{
        "action": "crossing_crackdown", "crossing": CROSSING, "effect": CRACKDOWN_FACTOR,
        "start": start, "end": start + dt.timedelta(days=POLICY_DAYS)}])


def raids(ctx: Context) -> dict:
    """Arrest sweeps in the five largest groups every 26 weeks for two years."""
    start = ctx.setup.policy_date
    return territory_data(ctx.setup, "raids-territory", [{
        "action": "arrest_sweep", "effect": SWEEP_SHARE, "start": start,
        "every_weeks": SWEEP_EVERY, "end": start + dt.timedelta(days=POLICY_DAYS),
        "target": {"largest": SWEEP_LARGEST}}])


def scenarios(ctx: Context) -> dict[str, dict]:
    """The status quo and each policy, by label."""
    return {"status quo": status_quo(ctx), "crackdown": crackdown(ctx), "raids": raids(ctx),
            "U.S. pressure": levers(ctx)}


def window(cracked: xr.Dataset) -> slice:
    """Positions on the time axis of the weeks under the crackdown: flows at date t cover
    the week starting at t - 1, whose factor is `crackdown_factor` at t - 1 (the same in
    every world; joined slices of worlds may carry it per run)."""
    factor = cracked["crackdown_factor"].sel(crossing=CROSSING)
    if "run" in factor.dims:
        factor = factor.isel(run=0)
    active = np.flatnonzero(factor.values != 1.0)
    if active.size == 0:
        raise CartelsimError(f"no week under the crackdown at {CROSSING} in these results")
    last = min(int(active[-1]) + 2, cracked.sizes["time"])
    return slice(int(active[0]) + 1, last)

# the seized tonnes that set each drug's supply north (territory.results.drug_supply)
SEIZED = tuple(f"territory_seized_{drug}" for drug in DRUGS)

def tonnes(ds: xr.Dataset, weeks: slice, name: str = "flow_north") -> xr.DataArray:
    """Tonnes per world and crossing over `weeks` (`flow_north` or `seized_north`)."""
    return ds[name].isel(time=weeks).sum("time")


def route_states(ctx: Context, overrides: dict[str, float] | None = None) -> list[str]:
    """INEGI codes of the states where the crackdown adds at least ROUTE_SHARE of the
    week's supply in traffic: the kernel's `route_traffic` at the start's members, with and
    without the crackdown factor (its own rule for `territory_route_violence`)."""
    scenario = parse_scenario(crackdown(ctx), source="brief: C6 routes")
    params = scenario.params()
    if overrides:
        params = params.override(overrides, "brief sensitivity")
    system = ctx.setup.system
    layout = state_layout(system, params)
    routes = route_table(params, layout.codes)
    members = initial_members(system, params, 1, "auto", ctx.setup.seed, "stochastic")[0]
    lineage = members[:layout.presence.shape[0]]
    vector, supply_by_drug = territory_vector(params), drug_supply(params)
    factor = np.ones(routes.n_crossings)
    factor[routes.crossing_ids.index(CROSSING)] = CRACKDOWN_FACTOR
    args = (lineage, layout.presence, vector, routes, supply_by_drug)
    traffic = state_traffic(*args, factor) - state_traffic(*args, np.ones(routes.n_crossings))
    supply = vector[TP_SUPPLY]
    return [code for code, added in zip(layout.codes, traffic, strict=True)
            if supply > 0 and added / supply >= ROUTE_SHARE]


@dataclass
class Flows:
    """C6's numbers from one set of runs (the main runs, or a swing)."""

    total: dict[str, Estimate]  # tonnes north over the window, policy minus status quo
    crossings: dict[str, Estimate]  # the crackdown's change at each crossing (tonnes)
    at_crossing: Estimate  # ... at the crossing cracked down on
    elsewhere: Estimate  # ... at all the others
    diverted: Estimate  # % of the tonnes kept from the crossing that crossed elsewhere
    seized: Estimate  # the crackdown's change in tonnes seized
    weeks: int  # weeks under the crackdown
    by_drug: dict[str, Estimate]  # the crackdown's change in tonnes north of each drug

    @property
    def words(self) -> str:
        return cut_or_diverted(self.diverted)


def measure(runs: dict[str, xr.Dataset]) -> Flows:
    """C6's flows from results by label (`scenarios`)."""
    base, cracked = runs["status quo"], runs["crackdown"]
    weeks = window(cracked)
    n = weeks.stop - weeks.start
    span = f"over the {n} weeks of the crackdown"
    total = {label: paired_total(base["flow_north"], runs[label]["flow_north"], weeks,
                                 f"{label}: tonnes north {span}", "t", digits=1)
             for label in POLICIES}
    crossings = {str(c): paired_total(base["flow_north"].sel(crossing=c),
                                      cracked["flow_north"].sel(crossing=c), weeks,
                                      f"crackdown: tonnes north at {crossing_names()[str(c)]}",
                                      "t", digits=1)
                 for c in base["crossing"].values}
    others = [str(c) for c in base["crossing"].values if c != CROSSING]
    at = base["flow_north"].sel(crossing=CROSSING)
    elsewhere = paired_total(base["flow_north"].sel(crossing=others),
                             cracked["flow_north"].sel(crossing=others), weeks,
                             f"crackdown: tonnes north at the other {len(others)} crossings",
                             "t", digits=1)
    lost = (tonnes(base, weeks) - tonnes(cracked, weeks)).sel(crossing=CROSSING).values
    gained = (tonnes(cracked, weeks) - tonnes(base, weeks)).sel(crossing=others) \
        .sum("crossing").values
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(lost > 0, 100.0 * gained / lost, np.nan)
    name = crossing_names()[CROSSING]
    diverted = level(share, f"crackdown: share of the tonnes kept from {name} that "
                     "crossed elsewhere (diverted)", "%", digits=1)
    return Flows(
        total=total, crossings=crossings,
        at_crossing=paired_total(at, cracked["flow_north"].sel(crossing=CROSSING), weeks,
                                 f"crackdown: tonnes north at {name}", "t", digits=1),
        elsewhere=elsewhere, diverted=diverted,
        seized=paired_total(base["seized_north"], cracked["seized_north"], weeks,
                            f"crackdown: tonnes seized {span}", "t", digits=1),
        weeks=n,
        by_drug={str(d): paired_total(base["flow_north_by_drug"].sel(drug=d),
                                      cracked["flow_north_by_drug"].sel(drug=d), weeks,
                                      f"crackdown: tonnes of {d} north {span}", "t", digits=2)
                 for d in base["drug"].values})


PARTS = (("crackdown", "(a) a crossing crackdown lowers the total flow north",
          "The crossing crackdown lowers the total flow north"),
         ("diversion", "(b) the crackdown cuts, rather than diverts, what it keeps from its "
          "crossing", "The crackdown cuts rather than diverts the tonnes it keeps from its "
          "crossing"),
         ("raids", "(c) raids lower the total flow north", "Raids lower the total flow north"),
         ("U.S. pressure", "(d) U.S. pressure lowers the total flow north",
          "U.S. pressure lowers the total flow north"))


def _parts(flows: Flows) -> list[tuple[str, Verdict]]:
    """Does each policy lower the total flow north, and does the crackdown cut or divert
    the tonnes it keeps from its crossing (`verdict.judge_cut`)?"""
    return [(title, judge_cut(flows.diverted, claim) if key == "diversion"
             else judge(flows.total[key], "lower", claim)) for key, title, claim in PARTS]


def _runs(ctx: Context, overrides: dict, runs: int | None,
          weeks: int | None) -> dict[str, xr.Dataset]:
    return {label: ctx.runner.run(data, overrides, runs, weeks)
            for label, data in scenarios(ctx).items()}


def headline(ctx: Context):
    def run(overrides: dict[str, float], runs: int | None = None,
            weeks: int | None = None) -> tuple[Estimate, Verdict]:
        flows = measure(_runs(ctx, overrides, runs, weeks))
        return flows.total["crackdown"], combine([v for _, v in _parts(flows)])
    return run


def section(ctx: Context) -> ClaimSection:
    setup = ctx.setup
    crossing = crossing_names()[CROSSING]
    runs = _runs(ctx, {}, None, None)
    flows = measure(runs)
    parts = _parts(flows)
    default = (flows.total["crackdown"], combine([v for _, v in parts]))
    final, sensitivity = judged(ctx, headline(ctx), PARAMETERS, MONTHS, default)
    base, cracked = runs["status quo"], runs["crackdown"]
    weeks = window(cracked)
    codes = route_states(ctx)
    names = dict(zip(base["state"].values, base["state_name"].values, strict=True))
    others = [c for c in base["state"].values if c not in codes]
    span = f"over the {flows.weeks} weeks of the crackdown"
    homicides = [
        paired_total(base["state_homicides"].sel(state=codes),
                     cracked["state_homicides"].sel(state=codes), weeks,
                     f"crackdown: homicides on its new routes ({', '.join(names[c] for c in codes)}) "
                     f"{span}", "people"),
        paired_total(base["state_homicides"].sel(state=others),
                     cracked["state_homicides"].sel(state=others), weeks,
                     f"crackdown: homicides in the other {len(others)} states {span}",
                     "people")] if codes else []
    raid_homicides = difference(base["homicides"], runs["raids"]["homicides"],
                                MONTHS, f"raids: homicides a week at {MONTHS} months",
                                "per week", name="homicides")
    total = flows.total
    estimates = [total["crackdown"], flows.at_crossing, flows.elsewhere, flows.diverted,
                 flows.seized, *homicides, total["raids"], raid_homicides,
                 total["U.S. pressure"]]
    flow_series = {label: runs[label]["flow_north"].sum("crossing", min_count=1)
                   for label in runs}
    figs = [
        figures.embed(figures.fans([
            ("All crossings", flow_series),
            (f"At {crossing}", {label: runs[label]["flow_north"].sel(crossing=CROSSING)
                                for label in ("status quo", "crackdown")}),
            ("At the other crossings", {
                label: runs[label]["flow_north"].drop_sel(crossing=CROSSING)
                .sum("crossing", min_count=1) for label in ("status quo", "crackdown")}),
        ], "Tonnes per week that cross north"),
            f"Left: the total flow north under each policy. Middle and right: the crackdown "
            f"at {crossing} against the status quo, there and at the other crossings."),
        figures.embed(figures.differences([replace(e, label=crossing_names()[c])
                                           for c, e in flows.crossings.items()],
                                          "Crackdown minus status quo, tonnes by crossing",
                                          relative=False),
                      f"Paired change in tonnes north at each crossing {span}; points are "
                      "medians, bars 90 % intervals. What falls at the crossing cracked down "
                      "on and rises at the others is diverted; the difference of the two is "
                      "the cut."),
        figures.embed(maps.change_map(base["state_homicides"].isel(time=weeks),
                                      cracked["state_homicides"].isel(time=weeks),
                                      weeks=flows.weeks,
                                      title=f"Crackdown at {crossing}: change in homicides "
                                            "by state while it lasts"),
                      f"Homicides per 100,000 people a year, crackdown minus status quo paired "
                      f"world by world, {span}: violence moves to the states of the new "
                      "routes (EVIDENCE F7). " + ATTRIBUTION),
    ]
    if sensitivity.swings:
        figs.append(figures.embed(figures.swings(default[0], sensitivity.swings,
                                                 "Total tonnes north under the crackdown: "
                                                 "swings"),
                                  "Change in total tonnes north under the crackdown with each "
                                  "parameter at its range ends (grey: defaults)."))
    crack = total["crackdown"]
    relative = 100 * (crack.relative or 0.0)
    route_note = (f"Homicides move with the routes: {homicides[0].text()} in the states the "
                  f"new routes cross and {homicides[1].text()} in the others; national "
                  "conflict deaths are unchanged by a crackdown (territory moves deaths between "
                  "states, it adds none)." if homicides else
                  "The crackdown adds no traffic to any state beyond the threshold, so no "
                  "route states are reported.")
    return ClaimSection(
        id=ID, title="Pressure, raids and the drug flow north", quote=QUOTE,
        question="Do a crackdown at a border crossing, mass raids and U.S. pressure reduce "
                 "the tonnes of drugs that cross into the United States, or do they move "
                 "them to other crossings?",
        experiment=f"Territory on (routes to the border, tonnes by crossing). From "
                   f"{setup.policy_date} for two years: a crackdown at {crossing} (its cost "
                   f"and seizure share x {CRACKDOWN_FACTOR:g}); raids ({100 * SWEEP_SHARE:g} % "
                   f"of the {SWEEP_LARGEST} largest groups arrested every {SWEEP_EVERY} "
                   "weeks); and the U.S. levers of C5 (to the horizon). Each against the "
                   f"status quo on {setup.runs} paired worlds; tonnes north over the "
                   f"{flows.weeks} weeks of the crackdown.",
        estimates=estimates, verdict=final,
        headline=f"crackdown {crack.fmt(crack.median, True)} t north ({relative:+.1f} %, "
                 f"{flows.words}); raids {total['raids'].fmt(total['raids'].median, True)} t",
        parts=parts, figures=figs,
        assumptions=assumptions(PARAMETERS + SEIZED),
        sensitivity=sensitivity,
        notes=[f"Cut or diverted: the crackdown changed the tonnes north at {crossing} by "
               f"{flows.at_crossing.text()} and at the other crossings by "
               f"{flows.elsewhere.text()}; in all by {crack.text()} (status quo "
               f"{crack.fmt(crack.base or 0.0)} t). Seizures changed by "
               f"{flows.seized.text()}.",
               "By drug, the crackdown changed the tonnes north by "
               + "; ".join(f"{drug} {estimate.text()} (status quo "
                           f"{estimate.fmt(estimate.base or 0.0)} t)"
                           for drug, estimate in flows.by_drug.items()) + ".",
               route_note,
               "Route states: where the crackdown adds at least "
               f"{100 * ROUTE_SHARE:g} % of the week's supply in traffic, by the model's "
               "routing at the start. The default split of the flow over crossings is not "
               "calibrated to CBP's seizure shares (docs/territory.md)."],
        assumed="Built in: the supply moved north is set by demand "
                "(each drug's territory_seized_* / territory_seizure_share), so raids and "
                "pressure, "
                "which remove members and leaders, cannot lower it; only seizures at the "
                "crossings do. That a crackdown diverts flows and violence is an assumption "
                "after EVIDENCE F7 and F17; how much rests on assumed crossing costs and "
                "route dispersion, for which no estimate was found.",
    )


def requests(ctx: Context) -> list:
    every = list(scenarios(ctx).values())
    return main_requests(every) + swing_requests(ctx, every, PARAMETERS, MONTHS)
