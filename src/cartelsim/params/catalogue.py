"""The parameter catalogue and `Params`, a set of values that remembers where each came from.

Each parameter is declared once here with its default, unit, plausible range (used to draw
ensembles and to warn about unusual values), hard bounds (values outside are refused), a
description and a source. Overrides record their origin (default → scenario file → CLI →
sampled → calibrated) so reports can show why a number is what it is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from cartelsim.errors import CartelsimError
from cartelsim.textmatch import closest

PRIETO_2023 = (
    "Prieto-Curiel, Campedelli & Hope (2023), Science 381:1312-1316 "
    "(fitted value in the authors' public code, EVIDENCE F18)"
)
PRIETO_2023_FIT_BOUNDS = "range = the bounds of the authors' own least-squares fit (L-BFGS-B)"


@dataclass(frozen=True)
class ParameterSpec:
    """One model parameter: what it means, its default and how far it may plausibly go."""

    name: str
    default: float
    unit: str
    low: float
    high: float
    description: str
    source: str
    layer: str
    minimum: float = 0.0
    maximum: float = float("inf")

    def check(self, value: float, origin: str) -> float:
        """Refuse values outside the hard bounds; the message names the parameter."""
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise CartelsimError(
                f"{origin}: parameter {self.name!r} must be a number ({self.unit}), got {value!r}"
            ) from None
        if number != number or not (self.minimum <= number <= self.maximum):
            raise CartelsimError(
                f"{origin}: parameter {self.name!r} = {value!r} is outside its bounds "
                f"[{self.minimum:g}, {self.maximum:g}] {self.unit}"
            )
        return number


def _spec(*args: object, **kwargs: object) -> tuple[str, ParameterSpec]:
    spec = ParameterSpec(*args, **kwargs)  # type: ignore[arg-type]
    return spec.name, spec


CATALOGUE: Mapping[str, ParameterSpec] = MappingProxyType(
    dict(
        [
            _spec(
                "recruitment_rate", 2.527474e-3, "recruits per member per week", 2.0e-3, 3.0e-3,
                "rho: each member brings in this many recruits per week (r_i = rho C_i).",
                f"{PRIETO_2023}; {PRIETO_2023_FIT_BOUNDS}", "L1", maximum=1.0,
            ),
            _spec(
                "incapacitation", 110.0, "members arrested or imprisoned per week", 110.0, 120.0,
                "eta: members incapacitated per week in all, shared by group size "
                "(a_i = eta C_i / sum C). About 6,000 a year (EVIDENCE F18).",
                f"{PRIETO_2023}; {PRIETO_2023_FIT_BOUNDS}", "L1", maximum=1e6,
            ),
            _spec(
                "conflict_lethality", 1.549231e-8, "deaths per member per weighted rival-member per week",
                1.0e-8, 2.0e-8,
                "theta: killed in conflict d_i = theta C_i (M C)_i, M_ij = (W^R_ij + 1)/(s^A_i + 1). "
                "Chosen by the authors so that about 200 members are killed per week.",
                f"{PRIETO_2023}; {PRIETO_2023_FIT_BOUNDS}", "L1", maximum=1e-3,
            ),
            _spec(
                "saturation", 4.0e-8, "exits per member per member of the same group per week",
                4.0e-8, 1.0e-7,
                "omega: members leave a group at rate omega C_i (x_i = omega C_i^2), "
                "which caps how large one group can grow.",
                f"{PRIETO_2023}; {PRIETO_2023_FIT_BOUNDS}", "L1", maximum=1e-2,
            ),
            _spec(
                "initial_members", 115_000.0, "members", 110_000.0, 115_000.0,
                "Members of all groups at the start (2012 for BACRIM 2020), spread over groups by "
                "a Zipf law (exponent -1) on the rank of total strength.",
                f"{PRIETO_2023}; {PRIETO_2023_FIT_BOUNDS}", "L1", maximum=1e8,
            ),
            _spec(
                "embedded_total_members", 183_000.0, "members", 160_000.0, 185_000.0,
                "Members of all groups of the embedded Mexico 2025 world at its start (2026), "
                "shared over groups by the published shares where known and a Zipf tail "
                "(system.embedded).",
                "lead author R. Prieto-Curiel, interview in La Nación, 24 Feb 2026 (EVIDENCE "
                "F18 update; weak: a model-based estimate, not a count); range: the published "
                "160,000-185,000 members by 2022 (Prieto-Curiel, Campedelli & Hope 2023)",
                "L1", minimum=1.0, maximum=1e8,
            ),
            _spec(
                "integrity_loss_killed", 0.6, "share of command integrity lost", 0.3, 0.9,
                "delta for a top leader killed: command integrity L is multiplied by (1 - delta).",
                "assumption: no published measure of command loss; chosen with conflict_"
                "sensitivity and integrity_recovery so that violence of the group rises about "
                "+36 % in the first 6 months (EVIDENCE F3) and stays up about a year (F1); wide range",
                "L2", maximum=1.0,
            ),
            _spec(
                "integrity_loss_captured", 0.45, "share of command integrity lost", 0.2, 0.8,
                "delta for a top leader captured alive.",
                "assumption: smaller than a killing because captures, not killings, show a "
                "short-term dip in violence (EVIDENCE F5); wide range",
                "L2", maximum=1.0,
            ),
            _spec(
                "integrity_loss_extradited", 0.2, "share of command integrity lost", 0.05, 0.5,
                "delta for a leader transferred or extradited from prison to the US.",
                "assumption: most transferees were already imprisoned, so the shock is smaller "
                "than removing an active leader (EVIDENCE F28); wide range",
                "L2", maximum=1.0,
            ),
            _spec(
                "integrity_loss_lieutenant", 0.15, "share of command integrity lost", 0.05, 0.3,
                "delta for a lieutenant (plaza boss) removed.",
                "assumption: lieutenant arrests raise local violence (EVIDENCE F3, F6) but "
                "leave the top command in place; wide range",
                "L2", maximum=1.0,
            ),
            _spec(
                "integrity_recovery", 0.03, "per week", 0.01, 0.1,
                "lambda: dL/dt = lambda (1 - L); 90 % of a loss is recovered after "
                "ln(10)/lambda weeks (77 weeks at the default).",
                "assumption anchored on EVIDENCE F1 (effects last at least 12 months) and F2 "
                "(+30 % for 6 months in the wider territory)",
                "L2", maximum=1.0,
            ),
            _spec(
                "conflict_sensitivity", 0.9, "relative rise in conflict deaths at L = 0",
                0.3, 2.0,
                "kappa_c: theta_i = theta (1 + kappa_c (1 - L_i)); succession fights and rivals "
                "exploiting weakness.",
                "calibrated by hand to EVIDENCE F3 (+36.5 % drug-related violence in the first "
                "6 months after a removal): with the default delta (killed) and lambda the mean "
                "of 1 - L over 26 weeks is 0.42, and 0.9 x 0.42 = +38 %",
                "L2", maximum=20.0,
            ),
            _spec(
                "recruitment_coordination", 0.3, "relative fall in recruitment at L = 0",
                0.0, 0.6,
                "kappa_r: rho_i = rho (1 - kappa_r (1 - L_i)); a headless group recruits less.",
                "assumption (DESIGN.md §2 L2: low integrity lowers coordination of recruitment); "
                "no published estimate",
                "L2", maximum=1.0,
            ),
            _spec(
                "succession_clarity", 0.5, "probability that a succession is settled", 0.2, 0.8,
                "When a removal's succession is 'uncertain', it is settled (one clear heir) with "
                "this probability and contested otherwise.",
                "assumption: EVIDENCE F6 (Arellano-Félix) shows both outcomes but gives no "
                "frequencies",
                "L2", maximum=1.0,
            ),
            _spec(
                "settled_loss_factor", 0.25, "share of delta lost when the succession is settled",
                0.0, 0.5,
                "A ready, respected successor limits the damage: L is multiplied by "
                "(1 - factor x delta) instead of (1 - delta).",
                "assumption from EVIDENCE F6: removals with a ready successor brought no rise "
                "in homicides",
                "L2", maximum=1.0,
            ),
            _spec(
                "split_hazard", 0.25, "splits per week at L = 0", 0.05, 0.5,
                "h_0: while a succession is contested, the group splits with weekly hazard "
                "h_0 (1 - L)^gamma.",
                "assumption: EVIDENCE F5 and F6 report that contested successions end in "
                "internecine war and splinters but give no rates; the default makes about three "
                "in four contested successions after a killing split within a year (with the "
                "default delta and lambda); wide range",
                "L2", maximum=1.0,
            ),
            _spec(
                "split_exponent", 2.0, "dimensionless", 1.0, 4.0,
                "gamma in the split hazard: splits concentrate where integrity is lowest.",
                "assumption (DESIGN.md §2 L2)",
                "L2", minimum=0.0, maximum=10.0,
            ),
            _spec(
                "split_fraction", 0.3, "share of members leaving with the splinter", 0.1, 0.5,
                "f: a split moves this share of the parent's members into the new group.",
                "assumption: no published split sizes; wide range",
                "L2", maximum=0.9,
            ),
            _spec(
                "split_min_members", 500.0, "members", 100.0, 2000.0,
                "Groups smaller than this do not split.",
                "assumption: a splinter needs enough members to operate as a group",
                "L2", maximum=1e7,
            ),
            _spec(
                "splinter_rivalry", 13.0, "rivalry weight (BACRIM scale 1-13)", 5.0, 13.0,
                "Rivalry weight between a splinter and its parent: an internecine war.",
                "the strongest rivalry in BACRIM 2020 (CJNG - La Nueva Familia Michoacana, 13); "
                "EVIDENCE F6: contested successions become internecine wars",
                "L2", maximum=1e3,
            ),
            _spec(
                "splinter_integrity", 0.5, "command integrity of a new splinter", 0.3, 0.9,
                "A splinter starts with partial command and consolidates at integrity_recovery.",
                "assumption: a new group's command is still forming",
                "L2", maximum=1.0,
            ),
            _spec(
                "entry_rate", 0.0, "new groups per week", 0.0, 0.6,
                "Open fragmentation: new local groups enter without any removal, a Poisson "
                "number a week; each arises in a lineage chosen in proportion to its members "
                "(world.step, 'entry'). 0 switches entry off (the published model).",
                "calibrated to the record's group counts (cartelsim calibrate history); default "
                "0 keeps the published BACRIM 2020 model exact. Range: EVIDENCE F11 counts 171 "
                "unaffiliated local groups and 473 groups in all over 2009-Oct 2020 (615 "
                "weeks): 0.28 and 0.75 a week. Entry stands for the unaffiliated local "
                "groups only (the others are splits, which the split rule makes), so the "
                "upper bound is about twice 0.28, for entrants that die out before anyone "
                "counts them. (A fit with the range to 1.5 went to 0.75 with a homicide "
                "discrepancy of 1.19 on the log scale and 700 groups by 2024: it counted "
                "splits twice.)",
                "L2", maximum=100.0,
            ),
            _spec(
                "entrant_rivalry", 13.0, "rivalry weight (BACRIM scale 1-13)", 0.0, 13.0,
                "Rivalry weight between a local group (one that entered, or a splinter of "
                "one) and another group of the lineage it entered in; two splinters fight "
                "at splinter_rivalry (engines.lineage.kin_rivalry).",
                "calibrated to the record (cartelsim calibrate history); default: "
                "assumption, as hard as a splinter (the rule before entrants had their own "
                "weight). Range from 0 (a local group meets its lineage only as it meets "
                "everyone, the L1 term) to 13, the strongest rivalry in BACRIM 2020 "
                "(CJNG - La Nueva Familia Michoacana); assumption: a local group in a "
                "cartel's territory may be its franchise or its rival",
                "L2", maximum=1e3,
            ),
            _spec(
                "entry_members", 137.0, "members", 20.0, 500.0,
                "Members a new local group enters with (new recruits, counted as recruits of "
                "the week it enters).",
                "BACRIM 2020 start (EVIDENCE F18, Prieto-Curiel et al. 2023): the smallest of "
                "its 150 groups holds 137 members (115,000 members by Zipf, exponent -1); "
                "assumption: a local group enters at the scale of the smallest groups; range "
                "from a gang of 20 to about twice the median BACRIM 2020 group (272 members)",
                "L2", minimum=1.0, maximum=1e5,
            ),
            _spec(
                "succession_consolidated", 0.9, "command integrity", 0.8, 0.97,
                "A contested succession ends (an heir has consolidated, no split any more) once "
                "command integrity L has recovered to this level.",
                "assumption: no published threshold; at the default integrity_recovery a "
                "killing's contest lasts about a year (EVIDENCE F1: violence stays up about a "
                "year); range: an heir accepted sooner or later",
                "L2", minimum=0.0, maximum=1.0,
            ),
            _spec(
                "split_slot_margin", 2.0, "groups per targeted rank", 1.0, 3.0,
                "A leader removal aimed at 'the N largest groups' gives splinter slots to the "
                "margin x N largest groups at the start (rounded down), so a group that grows "
                "past another can still split.",
                "assumption: a capacity of the splinter slots (mechanisms.splinters), not an "
                "observed quantity; a larger margin costs memory and changes nothing unless "
                "groups change rank",
                "L2", minimum=1.0, maximum=100.0,
            ),
            _spec(
                "group_end_members", 1.0, "members", 0.5, 5.0,
                "Open fragmentation ([mechanisms] fragmentation = \"open\"): a group whose "
                "members fall below this ends; its remainder is counted as exits and its end "
                "week is recorded. Ended groups cost nothing in later weeks.",
                "assumption: a group of less than one member no longer exists (the published "
                "model counts groups with at least one member as active)",
                "L2", maximum=1e6,
            ),
            _spec(
                "group_capacity_max", 20_000.0, "groups per run (ever existed)", 5_000.0,
                100_000.0,
                "Open fragmentation: the most groups one run may create (base groups plus every "
                "splinter). The group axis doubles as needed up to this bound; a run that needs "
                "more stops with status 4 instead of dropping groups.",
                "engine bound, not a model quantity: 150-200 groups are reported for 2018-2020 "
                "(EVIDENCE F11, F12), so the default leaves a hundredfold margin while keeping a "
                "run's arrays within memory",
                "L2", minimum=1.0, maximum=1e7,
            ),
            _spec(
                "drug_market_value", 160.0, "US$ million per week", 115.0, 577.0,
                "Criminal revenue of all groups together (drugs, extortion, fuel theft), "
                "shared by size; without territory the only income.",
                "drugs: the tonnes moved north at the wholesale price (territory defaults: "
                "11.9 t a week x US$10.8 m a t = 119 M a week, US$6.2 bn a year), as RAND's "
                "estimate of Mexican DTOs' gross revenue from drug exports to the U.S., US$6.6 "
                "bn a year (Kilmer, Caulkins, Bond & Reuter 2010, RAND OP-325, "
                "https://slave2.omega.jstor.org/stable/10.7249/op325rc), + territory_other_"
                "revenue 40 = 160 (US$8.3 bn a year); range EVIDENCE F23's US$6-30 bn a year "
                "(GAO 2007: US$23 bn, https://www.marketplace.org/2007/09/20/life/mexican-"
                "cartels-are-big-us-business)",
                "money", maximum=1e6,
            ),
            _spec(
                "operating_cost_share", 0.5, "share of revenue", 0.3, 0.7,
                "c: share of revenue spent on the business before wages and bribes (cocaine "
                "bought from South American suppliers, precursors, transport, laundering "
                "fees, arms); only (1 - c - bribe_share) of revenue can pay members.",
                "assumption built from sourced parts: cocaine costs a Mexican trafficker about "
                "half its U.S. wholesale value (US$5,000 a kg from the Colombian exporter, "
                "10,000 at the U.S. importer, 2005, https://tlaxcala-int.org/article.asp?"
                "reference=28699) and is ~45 % of the drug revenue at market.csv prices (44 t "
                "x 12,000 of 1,190 M) = 0.22; laundering about 15 cents on the dollar "
                "(Sinaloa, NYT Magazine 2012, https://havocscope.com/money-laundering-drug-"
                "cartel/) = 0.15; precursors, transport and arms ~0.1-0.15; range from "
                "synthetic-heavy revenue to dearer laundering",
                "money", maximum=0.99,
            ),
            _spec(
                "market_share_exponent", 1.0, "dimensionless", 0.8, 1.5,
                "a: a group's share of revenue is C_i^a / sum_j C_j^a (a > 1: the large earn "
                "more per member).",
                "assumption: no published split of revenue by group size",
                "money", maximum=5.0,
            ),
            _spec(
                "member_wage", 2.5e-4, "US$ million per member per week", 1.4e-4, 7.5e-4,
                "Pay of one member for a week (US$250), averaged over ranks.",
                "EVIDENCE F22 (US$250 a week in the author's model) and F26 (CJNG offers of MXN "
                "3,000-14,000 a week, about US$170-750); CJNG accounts found in 2026 pay "
                "lookouts (halcones) MXN 2,500 a week, about US$140 (https://www.unotv.com/"
                "nacional/el-crimen-compite-con-el-estado-hasta-en-el-salario/); early Zetas "
                "US$300-600 a week (PGR witnesses, https://infocajeme.com/imprimir/4053)",
                "money", maximum=1.0,
            ),
            _spec(
                "bribe_share", 0.08, "share of revenue", 0.04, 0.2,
                "Share of revenue paid in bribes for political protection.",
                "EVIDENCE F26: police bribes of about US$1.2 bn a year (2010) are 4-20 % of "
                "revenue depending on the estimate in F23",
                "money", maximum=1.0,
            ),
            _spec(
                "reserve_weeks", 26.0, "weeks", 8.0, 104.0,
                "The leadership takes money out of the group's funds (profits, legal "
                "investments) at K_i / reserve_weeks a week, so reserves settle at this many "
                "weeks of net income and never grow without bound.",
                "assumption: no published figure on criminal cash reserves; half a year, "
                "range two months to two years",
                "money", minimum=1.0, maximum=1e4,
            ),
            _spec(
                "payroll_weeks", 8.0, "weeks of wages", 2.0, 26.0,
                "A group recruits at its full rate while its money covers this many weeks of "
                "wages; below that, recruitment falls in proportion (rho_i = rho min(1, K_i / "
                "(payroll_weeks w C_i))).",
                "assumption (DESIGN.md §2 L2: recruitment is limited by the ability to pay)",
                "money", maximum=1e3,
            ),
            _spec(
                "freeze_reversal", 0.87, "share of frozen money later released", 0.5, 0.95,
                "Frozen accounts mostly return to their owners through court injunctions, so a "
                "freeze removes only (1 - reversal) of what it blocks.",
                "EVIDENCE F24: UIF froze MXN 32,531 m Dec 2018-Jun 2025, >87 % later released",
                "money", maximum=1.0,
            ),
            _spec(
                "protection_gain", 0.02, "per week", 0.005, 0.05,
                "beta: protection grows as beta b/(b + b_half) (1 - P) with bribes b.",
                "assumption: EVIDENCE F10 documents protection networks but not their speed",
                "protection", maximum=1.0,
            ),
            _spec(
                "protection_bribe_half", 0.5, "US$ million per week", 0.1, 2.0,
                "b_half: bribes at which a group buys protection at half the maximum speed.",
                "assumption: order of a state police force's monthly bribe payroll (EVIDENCE "
                "F26: MXN 1,277 m a month for all municipal police)",
                "protection", maximum=1e3,
            ),
            _spec(
                "protection_decay", 0.01, "per week", 0.002, 0.05,
                "Protection decays (officials rotate, elections; EVIDENCE F10) at this rate.",
                "assumption: EVIDENCE F10 (party alternation broke protection arrangements); "
                "about two years' half-life at the low end",
                "protection", maximum=1.0,
            ),
            _spec(
                "pressure_arrest_gain", 0.1, "relative rise in arrests per unit of pressure",
                0.0, 0.5,
                "U.S. pressure u raises incapacitation: eta (1 + gain u).",
                "assumption from EVIDENCE F27: each tariff deadline was followed by a step "
                "increase in enforcement (10,000 troops to the border)",
                "pressure", maximum=10.0,
            ),
            _spec(
                "pressure_hvt_rate", 0.05, "leader removals per week per unit of pressure",
                0.01, 0.2,
                "U.S. pressure u drives high-value-target operations: removals arrive as a "
                "Poisson process of rate rate x u, aimed at the most visible groups.",
                "assumption from EVIDENCE F27-F28: pressure turned into observable results "
                "(55 transfers of cartel figures to the US in 2025); about 2.6 removals a year "
                "at u = 1",
                "pressure", maximum=10.0,
            ),
            _spec(
                "visibility_exponent", 1.0, "dimensionless", 0.0, 2.0,
                "An HVT operation picks group i with probability proportional to "
                "C_i^exponent (1 - P_i): large, unprotected groups are the visible ones.",
                "assumption (DESIGN.md §2 L3: targeting by visibility)",
                "pressure", maximum=10.0,
            ),
            _spec(
                "pressure_split_slots", 10.0, "groups", 5.0, 20.0,
                "Under U.S. pressure, the groups that may split after a pressure-driven "
                "removal are this many of the largest at the start (rounded down; each gets a "
                "splinter slot).",
                "assumption: pressure-driven operations aim at the most visible, i.e. largest, "
                "groups (visibility_exponent); a capacity of the splinter slots "
                "(mechanisms.splinters), not an observed quantity",
                "pressure", minimum=1.0, maximum=5000.0,
            ),
            _spec(
                "victim_member_share", 0.10, "model deaths per (homicide + disappearance)", 0.05, 0.20,
                "Share of national homicides plus disappearances that are members killed in "
                "conflict; the published model was fitted to 10 % of that sum. The membership "
                "estimate rests on it (EVIDENCE F21 iii).",
                "Prieto-Curiel, Campedelli & Hope (2023) code: WeeklyCasualties*0.1 (EVIDENCE F18); "
                "range: assumption, halving and doubling the published share",
                "observation", maximum=1.0,
            ),
            _spec(
                "homicide_share_of_victims", 0.75, "homicides per (homicide + disappearance)",
                0.70, 0.80,
                "How the victims implied by model deaths split between homicides and "
                "disappearances (the rest).",
                "INEGI homicides and RNPDNO still-missing persons, 2022: 33,287 / (33,287 + "
                "10,210) = 0.77; 2023: 32,252 / (32,252 + 11,905) = 0.73 (embedded national "
                "series); range spans both years",
                "observation", maximum=1.0,
            ),
            # ---- L5: territory, routes and the market (cartelsim.territory; docs/territory.md) ----
            _spec(
                "territory_road_detour", 1.2, "road km per great-circle km", 1.05, 1.4,
                "Road length of a corridor segment whose length no source gave: great-circle "
                "distance between its ends times this factor (edges.csv, distance_source = "
                "computed).",
                "the 12 segments with a sourced road length (edges.csv) have road/great-circle "
                "ratios 1.05-1.38, median 1.18; default rounds the median, range spans them",
                "L5", minimum=1.0, maximum=3.0,
            ),
            _spec(
                "territory_route_dispersion", 150.0, "km-equivalent", 50.0, 500.0,
                "Logit dispersion of the split of a flow over crossings: a route that costs this "
                "much more carries e^-1 of the share of an otherwise equal route. Small = all on "
                "the cheapest crossing; large = spread evenly.",
                "assumption: no published estimate; chosen so that crossings a few hundred km "
                "apart in cost share the flow, as CBP seizures spread over several field offices "
                "(market.csv seizure_share rows); wide range for calibration",
                "L5", minimum=1.0, maximum=1e5,
            ),
            _spec(
                "territory_us_km_weight", 1.0, "km-equivalent per U.S. road km", 0.0, 2.0,
                "Cost of a road km inside the United States, from the crossing to the hub of "
                "the demand region a load is bound for (territory.destinations), against a "
                "road km in Mexico: 0 = shippers choose the crossing ignoring where the drugs "
                "go; 1 = a km costs the same on either side.",
                "assumption: no published estimate; default a km on either side costs the "
                "same, range from ignoring the U.S. side to twice the Mexican cost; "
                "calibrated to CBP field-office shares (`cartelsim calibrate territory`)",
                "L5", maximum=100.0,
            ),
            _spec(
                "territory_crossing_cost", 200.0, "km-equivalent", 0.0, 1000.0,
                "Cost of taking a load through one U.S. port of entry, in the same km-equivalent "
                "units as road segments; a crossing crackdown multiplies it.",
                "assumption: without it a crackdown at a crossing has nothing to multiply; set "
                "to the order of one day's drive; wide range",
                "L5", maximum=1e5,
            ),
            _spec(
                "territory_crackdown_multiplier", 2.0, "cost multiplier", 1.2, 5.0,
                "A crackdown multiplies the cost of the segments or crossings it targets by this "
                "factor (penalty = multiplier - 1), so flows divert to other routes.",
                "assumption after EVIDENCE F7 (Dell 2015: crackdowns divert traffic along the "
                "road network) and F17 (Magliocca et al. 2019); no estimate of the cost increase "
                "was found; wide range",
                "L5", minimum=1.0, maximum=100.0,
            ),
            _spec(
                "territory_control_penalty", 0.5, "extra cost fraction", 0.0, 2.0,
                "Extra cost of moving a load through states its shipper does not hold, as a "
                "fraction of the route's km: a route wholly on rivals' ground costs (1 + "
                "penalty) times its km (territory.kernel.route_control).",
                "assumption: groups charge or fight for passage (DESIGN.md L5, Dell 2015); no "
                "published magnitude found; wide range; fitted in stage 2 (calibrate "
                "territory)",
                "L5", maximum=100.0,
            ),
            _spec(
                "territory_control_weeks", 4.0, "weeks", 1.0, 13.0,
                "How often the routes' control costs are re-read from the members present "
                "(territory.kernel.refresh_control); 1 = every week.",
                "assumption: control of a corridor changes hands over months, not weeks; "
                "re-reading it monthly keeps a territorial run within the 2x cost goal of "
                "issue 14 (BENCHMARKS.md)",
                "L5", minimum=1.0, maximum=52.0,
            ),
            _spec(
                "territory_contested_ratio", 0.5, "runner-up strength / leader's strength",
                0.25, 0.9,
                "A state counts as contested on the control map when its second strongest "
                "group holds at least this fraction of the strongest group's strength.",
                "assumption: a display rule for maps (no published threshold for 'contested'); "
                "0.5 marks states where no group holds twice the strength of the next",
                "L5", maximum=1.0,
            ),
            _spec(
                "territory_presence_other", 0.25, "share of the home state's weight", 0.05,
                1.0,
                "Weight of each state in a named group's other_states_present list relative "
                "to its home state, when its members are spread over states (territory."
                "states); the world step allocates its conflict deaths by this presence.",
                "assumption: major_groups.csv lists states of reported or significant presence "
                "without sizes; the home state is the base (EVIDENCE-sourced home states), so "
                "each other state gets a fraction of it; range from token presence to equal",
                "L5", minimum=0.0, maximum=1.0,
            ),
            _spec(
                "territory_presence_spread", 0.0, "share of a group's presence", 0.0, 1.0,
                "Share of each group's presence spread over the 32 states by population, on "
                "top of its home and listed states (local cells, allies and retail where no "
                "list names the group); 0 = the lists alone (territory.states).",
                "assumption: the lists name states of reported presence only and say nothing "
                "of sizes; range from none to all of a group's weight (1 = presence by "
                "population alone); calibrated to SESNSP state shares 2015-2018 (`cartelsim "
                "calibrate territory`)",
                "L5", minimum=0.0, maximum=1.0,
            ),
            _spec(
                "territory_seized_fentanyl", 12.3, "tonnes per year", 2.0, 13.0,
                "Fentanyl seized a year at the U.S. southwest border; with "
                "territory_seizure_share it sets the fentanyl moved north.",
                "market.csv (CBP): 27,023 lb = 12.3 t in FY2023 (CBP nationwide, about 90 % at "
                "the southern border); range from FY2020 (4,776 lb = 2.2 t, southwest border) "
                "to just above FY2023 (FY2024: 19,300 lb = 8.8 t)",
                "L5", maximum=1e4,
            ),
            _spec(
                "territory_seized_methamphetamine", 54.9, "tonnes per year", 50.0, 90.0,
                "Methamphetamine seized a year at the U.S. southwest border; with "
                "territory_seizure_share it sets the methamphetamine moved north.",
                "market.csv (CBP): 121,000 lb = 54.9 t in FY2023 (southwest border); range to "
                "FY2021's 192,000 lb = 87 t (CBP nationwide)",
                "L5", maximum=1e5,
            ),
            _spec(
                "territory_seized_cocaine", 44.0, "tonnes per year", 19.0, 50.0,
                "Cocaine seized a year at the U.S. southwest border; with "
                "territory_seizure_share it sets the cocaine moved north.",
                "market.csv (CBP): 'more than 97,000 lb' = 44 t in FY2021 (CBP nationwide, a "
                "lower bound); range from FY2020's 42,645 lb = 19.3 t (ports of entry only) to "
                "a year above FY2021",
                "L5", maximum=1e5,
            ),
            _spec(
                "territory_seizure_share", 0.15, "share of the flow", 0.05, 0.4,
                "Share of the loads reaching a U.S. crossing that are seized there (times the "
                "crackdown factor of the week, at most 1); the rest is the flow north.",
                "assumption: no published interdiction rate for the southwest border was "
                "found (market.csv holds seizures, not flows); wide range for calibration",
                "L5", minimum=1e-3, maximum=1.0,
            ),
            _spec(
                "territory_route_violence", 5.0, "per share of the flow diverted", 0.0, 20.0,
                "Contested new routes: a state's weight in the allocation of its groups' "
                "conflict deaths is multiplied by 1 + this x the share of the week's supply "
                "diverted through it by crackdowns (territory.kernel).",
                "assumption after EVIDENCE F7 (Dell 2015: violence rises on the diverted "
                "routes) and F8 (Osorio 2015); no coefficient was found in the stored "
                "excerpts; wide range",
                "L5", maximum=1e3,
            ),
            _spec(
                "territory_price_fentanyl", 38_500.0, "US$ per kg", 20_000.0, 80_000.0,
                "Wholesale price of a kg of fentanyl near the border: the revenue of a tonne "
                "that crosses (territory.kernel.territory_income).",
                "market.csv: 35,000-42,000 US$/kg wholesale in Sinaloa (2020); default the "
                "middle; range to the U.S. wholesale price of cut product, 80,000 US$/kg "
                "(DEA via the New York Times, 2016)",
                "L5", maximum=1e7,
            ),
            _spec(
                "territory_price_methamphetamine", 3_500.0, "US$ per kg", 1_300.0, 8_800.0,
                "Wholesale price of a kg of methamphetamine near the border: the revenue of a "
                "tonne that crosses (territory.kernel.territory_income).",
                "market.csv: 3,500 US$/kg base price in Ciudad Juarez (2017); range from the "
                "top of Sinaloa's announced price (600 US$/lb = 1,300 US$/kg, 2020) to the "
                "border price after the 2020 shortage (4,000 US$/lb = 8,800 US$/kg)",
                "L5", maximum=1e7,
            ),
            _spec(
                "territory_price_cocaine", 12_000.0, "US$ per kg", 10_000.0, 25_000.0,
                "Wholesale price of a kg of cocaine near the border: the revenue of a tonne "
                "that crosses (territory.kernel.territory_income).",
                "market.csv: 10,000-14,000 US$/kg in Mexico near the U.S. border (2017); "
                "default the middle; range to the U.S. wholesale price, 20,000-25,000 US$/kg "
                "(2017)",
                "L5", maximum=1e7,
            ),
            _spec(
                "territory_other_revenue", 40.0, "US$ million per week", 10.0, 220.0,
                "With territory on, the revenue that is not drugs moved north (extortion, "
                "fuel theft, local retail), shared by size as drug_market_value is without "
                "territory; drug revenue then comes from the tonnes.",
                "fuel theft cost Pemex US$1.6 bn a year (2018, https://www.businessinsider.com"
                "/cartels-mexico-oil-theft-pemex-2018-4) + paid extortion MXN 3.1 bn a year "
                "(INEGI 2022: 4.7 m extortions, 8.7 % paid, MXN 7,500 each, https://"
                "heraldodemexico.com.mx/opinion/2024/8/28/extorsion-violencia-ahora-toca-"
                "michoacan-633126-amp.html) = about US$1.8 bn; default US$2.1 bn a year; range "
                "extortion alone to the merchants' association's US$11.3 bn for cobro de piso "
                "(https://identidadmx.com.mx/2022/07/extorsion-el-delito-invisible-que-acaba-"
                "con-negocios-y-vidas)",
                "money", maximum=1e6,
            ),
            _spec(
                "us_pressure_flow_gain", 0.0, "pressure u at the reference flow north", 0.0,
                2.0,
                "With territory on, U.S. pressure has a feedback part that moves toward this x "
                "(flow north / the flow north without crackdowns): more drugs crossing, more "
                "pressure; raids that cut the flow ease it (territory.pressure).",
                "assumption: no estimate of how U.S. pressure responds to the flow was found; "
                "0 keeps pressure as scheduled (dated U.S. measures) until calibrated; 1 "
                "would be the 2025 level of us_pressure at today's flow",
                "L5", maximum=100.0,
            ),
            _spec(
                "us_pressure_response_weeks", 26.0, "weeks", 4.0, 104.0,
                "Time constant of U.S. pressure's feedback part: it closes 1/this of the gap "
                "to its driven level each week.",
                "assumption: U.S. measures (tariff threats, designations) came months after "
                "the flows that motivated them; half a year, range one month to two years",
                "L5", minimum=1.0, maximum=1e4,
            ),
            _spec(
                "state_visible_weight", 1.0, "share of the response", 0.0, 1.0,
                "How much the Mexican state values visible wins: the share of U.S. pressure it "
                "answers with visible operations (leader captures, arrests); the rest goes to "
                "structural action (recruitment prevention, financial intelligence, "
                "anti-corruption: state_structural_finance, state_structural_corruption). "
                "With territory on.",
                "assumption (DESIGN.md L3: pressure tilts effort toward observable "
                "instruments; claim C5); 1 = every unit of pressure buys visible operations, "
                "the pressure model without territory",
                "L5", maximum=1.0,
            ),
            _spec(
                "pressure_structural_gain", 0.1, "share of recruitment per unit pressure",
                0.0, 0.3,
                "Structural answer to pressure, effort E = this x (1 - state_visible_weight) "
                "x u shared by three channels (territory.pressure): recruitment of every group "
                "x (1 - min(0.9, E x prevention share)); a share min(0.9, E x finance share) of "
                "every group's money frozen a year (money on); a share E x corruption share of "
                "its protection destroyed a year (protection on).",
                "assumption: scaled so that the 2025 level of pressure (u = 1) spent wholly on "
                "prevention stops 10 % of recruitment, between no effect and the 50 % of the "
                "published halving experiment (EVIDENCE F18); the same effort buys 10 % of the "
                "money a year in finance, 10 % of the protection a year in anti-corruption",
                "L5", maximum=1.0,
            ),
            _spec(
                "state_structural_finance", 1.0 / 3.0, "share of the structural effort",
                0.0, 1.0,
                "Share of the state's structural answer to pressure spent on financial "
                "intelligence (freezing the groups' money); with state_structural_corruption "
                "at most 1, the rest is recruitment prevention.",
                "assumption: no published split of the Mexican state's non-visible effort was "
                "found; equal thirds for finance, anti-corruption and prevention",
                "L5", maximum=1.0,
            ),
            _spec(
                "state_structural_corruption", 1.0 / 3.0, "share of the structural effort",
                0.0, 1.0,
                "Share of the state's structural answer to pressure spent on anti-corruption "
                "(destroying the groups' political protection); with state_structural_finance "
                "at most 1, the rest is recruitment prevention.",
                "assumption: as state_structural_finance",
                "L5", maximum=1.0,
            ),
            _spec(
                "baseline_homicides", 8_000.0, "homicides per year", 6_000.0, 10_000.0,
                "Homicides unrelated to organised crime (family, personal, common crime), "
                "added to the organised-crime homicides the model's conflict deaths imply to "
                "give what INEGI registers. Constant over time.",
                "assumption between two sourced anchors: INEGI registered 8,868 homicides in "
                "2007, before the rise, some already linked to organised crime (history "
                "national_homicides.csv); '6 of 10' homicides attributed to organised crime in "
                "2016 (Semaforo Delictivo/Lantia, EVIDENCE F32) leaves 0.4 x 24,560 = 9,800 "
                "others; range spans both",
                "observation", maximum=1e6,
            ),
            _spec(
                "sesnsp_inegi_ratio", 0.93, "SESNSP victims per INEGI registered homicide",
                0.87, 0.94,
                "SESNSP counts victims in prosecutors' investigation files (homicidio doloso + "
                "feminicidio) and runs below INEGI's death registrations; the observed SESNSP "
                "series is this share of the INEGI-comparable one.",
                "SESNSP state sums / INEGI national in the complete years: 0.924 (2017), 0.932 "
                "(2018), mean 0.93 (cartelsim.record.observed.sesnsp_to_inegi); range: 0.87 for "
                "2007-2011 (SNSP 82,732 / INEGI 95,632, docs/history-data.md) to 0.94 (2016, "
                "partial), the 0.87-0.94 of the shared observed data README",
                "observation", maximum=2.0,
            ),
            _spec(
                "members_2007", 85_000.0, "members", 60_000.0, 115_000.0,
                "Members of all groups together at the start of the history replay "
                "(1 January 2007), split over the groups of 2007 by their stated relative sizes.",
                "assumption, back-cast: 115,000 members in 2012 (Prieto-Curiel et al. 2023, "
                "EVIDENCE F18) less five years of the about 6,000 a year net growth the same "
                "study reports for 2012-2022 (60,000 in ten years); range from faster growth "
                "before 2012 to none (a 2009 U.S. Defense Department estimate of 'more than "
                "100,000 foot soldiers' for the two largest cartels, Homeland Security News Wire, 4 March 2009, citing the Washington Times, is within it)",
                "history", maximum=1e7,
            ),
        ]
    )
)


# Parameters that were replaced, and what to write instead (old scenario files get this in
# their one-line error).
REPLACED: Mapping[str, str] = MappingProxyType({
    "territory_seized_tonnes": "it was split by drug (7 Dec 2026): set territory_seized_fentanyl, "
                               "territory_seized_methamphetamine and territory_seized_cocaine "
                               "(tonnes a year each)",
    "territory_wholesale_price": "it was split by drug (7 Dec 2026): set "
                                 "territory_price_fentanyl, territory_price_methamphetamine and "
                                 "territory_price_cocaine (US$ per kg each)",
})


def unknown_parameter_hint(name: str) -> str:
    """What follows "unknown parameter NAME" in an error: how to migrate a replaced name,
    else the closest catalogue name."""
    if name in REPLACED:
        return f"; {REPLACED[name]}"
    hint = closest(name, CATALOGUE)
    return f"; did you mean {hint!r}?" if hint else ""


class Params(Mapping[str, float]):
    """An immutable set of parameter values with the origin of each value.

    >>> p = Params.defaults().override({"incapacitation": 220}, origin="cli")
    >>> p["incapacitation"], p.origin("incapacitation")
    (220.0, 'cli')
    """

    __slots__ = ("_values", "_origins", "_chains", "_catalogue")

    def __init__(self, values: Mapping[str, float], origins: Mapping[str, str],
                 chains: Mapping[str, tuple[tuple[str, float], ...]] | None = None,
                 catalogue: Mapping[str, ParameterSpec] = CATALOGUE) -> None:
        self._catalogue = catalogue  # the group model's, or the member engine's (L4)
        self._values = dict(values)
        self._origins = dict(origins)
        chains = chains or {}
        self._chains = {name: tuple(chains.get(name, ((origins[name], values[name]),)))
                        for name in self._values}

    @classmethod
    def defaults(cls, catalogue: Mapping[str, ParameterSpec] = CATALOGUE) -> Params:
        """Every parameter of `catalogue` at its default, origin 'default'."""
        return cls(
            {name: spec.default for name, spec in catalogue.items()},
            {name: "default" for name in catalogue},
            catalogue=catalogue,
        )

    def override(self, values: Mapping[str, object], origin: str) -> Params:
        """Return new Params with `values` replacing defaults; unknown names are errors."""
        merged = dict(self._values)
        origins = dict(self._origins)
        chains = dict(self._chains)
        for name, value in values.items():
            if name not in self._catalogue:
                raise CartelsimError(f"{origin}: unknown parameter {name!r}"
                                     f"{unknown_parameter_hint(name)}")
            merged[name] = self._catalogue[name].check(value, origin)  # type: ignore[arg-type]
            origins[name] = origin
            chains[name] = (*chains[name], (origin, merged[name]))
        return Params(merged, origins, chains, self._catalogue)

    def scaled(self, name: str, factor: float, origin: str) -> Params:
        """Multiply one parameter by `factor` (a policy lever such as 'double arrests')."""
        return self.override({name: self[name] * factor}, origin)

    def origin(self, name: str) -> str:
        """Where the current value came from (the last override)."""
        return self._origins[name]

    def chain(self, name: str) -> tuple[tuple[str, float], ...]:
        """Every (origin, value) the parameter took, oldest first: default -> parameter
        file -> scenario -> sample -> ..., so a report can say what a value replaced."""
        return self._chains[name]

    def unusual(self) -> list[str]:
        """Names of values outside their plausible range (allowed, but worth a warning)."""
        return [
            name
            for name, value in self._values.items()
            if not self._catalogue[name].low <= value <= self._catalogue[name].high
        ]

    def __getitem__(self, name: str) -> float:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._values.items() if self._origins[k] != "default"}
        return f"Params(changed={changed})"

    def provenance(self) -> dict[str, str]:
        """'value (origin)' per parameter, for result attributes."""
        return {k: f"{self._values[k]!r} ({self._origins[k]})" for k in self._values}
