"""Parameters of the organisation engine (layer L4: members and their network).

They live in their own catalogue, apart from the group-level `CATALOGUE`, so the ensembles
and the sensitivity analyses of the group model are unchanged; `cartelsim params --layer L4`
lists them. Rates are weekly probabilities per member. Most values are assumptions: the
anchors (Duijn, Kashirin & Sloot 2014; Manzi & Calderoni 2024; Calderoni et al. 2022,
EVIDENCE F14-F16) are simulation studies that publish mechanisms, not Mexican rates. The
member-level loss and recruitment rates are the published L1 rates divided per member
(EVIDENCE F18), so an organisation of the default size keeps its size.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import ParameterSpec, Params
from cartelsim.textmatch import closest

PER_MEMBER_L1 = ("published L1 rates per member at about 170,000 members (Prieto-Curiel, "
                 "Campedelli & Hope 2023; EVIDENCE F18)")


def _spec(*args: object, **kwargs: object) -> tuple[str, ParameterSpec]:
    spec = ParameterSpec(*args, layer="L4", **kwargs)  # type: ignore[arg-type, misc]
    return spec.name, spec


ORG_CATALOGUE: Mapping[str, ParameterSpec] = MappingProxyType(dict([
    # --- structure -------------------------------------------------------------------
    _spec("lieutenant_share", 0.01, "share of members", 0.005, 0.03,
          "Lieutenants (plaza bosses): each heads a plaza of enforcers and lookouts and "
          "answers to the leader.",
          "assumption: CJNG is reported to work through regional plaza bosses; one per "
          "about 100 members gives 20-50 plazas in a group of a few thousand", maximum=0.5),
    _spec("span_of_control", 30.0, "direct subordinates", 10.0, 60.0,
          "At most this many lieutenants (and financiers) answer to the leader directly; "
          "beyond that, lieutenants answer to lieutenants, level by level.",
          "assumption: command spans of tens are usual in hierarchies; a leader cannot "
          "command thousands of plaza bosses directly", minimum=2.0, maximum=10_000.0),
    _spec("financier_share", 0.005, "share of members", 0.002, 0.02,
          "Financiers (money, laundering), tied to the leader and to a few plazas.",
          "assumption: a small specialised role (MADTOR's financiers, EVIDENCE F15)",
          maximum=0.5),
    _spec("contact_share", 0.005, "share of members", 0.002, 0.02,
          "Corrupt contacts (police, officials) on the payroll of a plaza.",
          "assumption: protection is bought per plaza (EVIDENCE F10, F26)", maximum=0.5),
    _spec("enforcer_share", 0.25, "share of members", 0.15, 0.4,
          "Enforcers (armed cell heads); the rest of the members are lookouts (halcones) "
          "and street workers.",
          "assumption: a minority of members are armed cell heads", maximum=0.9),
    _spec("plaza_size_sigma", 0.5, "log-sd of plaza weights", 0.2, 1.0,
          "Plazas differ in size: each lieutenant's share of enforcers is proportional to "
          "a lognormal weight with this log-sd. Large plazas make strong contenders.",
          "assumption: heterogeneous regional commands", maximum=5.0),
    _spec("lateral_ties", 1.5, "lateral ties per member", 0.5, 3.0,
          "Mean lateral (non-command) ties per enforcer or lookout, mostly inside its cell.",
          "assumption: Duijn et al. (2014, EVIDENCE F14) model operational ties beside the "
          "chain of command", maximum=50.0),
    _spec("cross_cell_share", 0.3, "share of lateral ties", 0.1, 0.5,
          "Share of lateral ties that reach another cell of the same plaza (0 in a "
          "compartmentalised organisation).",
          "assumption: efficiency-security trade-off (Morselli; EVIDENCE F15)", maximum=1.0),
    _spec("lieutenant_ties", 1.0, "lateral ties per lieutenant", 0.0, 3.0,
          "Mean lateral ties between lieutenants (0 in a compartmentalised organisation).",
          "assumption", maximum=50.0),
    _spec("financier_links", 2.0, "plazas per financier", 1.0, 4.0,
          "Lieutenants each financier is tied to, besides the leader.", "assumption",
          minimum=0.0, maximum=100.0),
    # --- losses and recruitment (weekly, per member) ----------------------------------
    _spec("arrest_rate", 2e-4, "per member per week", 1e-4, 4e-4,
          "Background weekly probability that an enforcer or lookout is arrested directly "
          "(other roles scale with arrest_exposure_*); the contacts each arrest exposes "
          "(tie_exposure) bring total arrests to about the L1 rate.",
          f"{PER_MEMBER_L1}: eta / C = 110 / 170,000 = 6.5e-4 in all, about 3 arrests "
          "per direct arrest with the default ties and tie_exposure (measured)", maximum=1.0),
    _spec("arrest_exposure_leader", 0.1, "relative to a street member", 0.02, 0.5,
          "Leaders are hard to reach with ordinary arrests (removals are separate).",
          "assumption: high-value targets need dedicated operations (DESIGN.md §2 L3)",
          maximum=100.0),
    _spec("arrest_exposure_specialist", 0.5, "relative to a street member", 0.2, 1.0,
          "Lieutenants, financiers and corrupt contacts are arrested less often.",
          "assumption", maximum=100.0),
    _spec("tie_exposure", 0.2, "probability per tie", 0.05, 0.3,
          "Each arrest exposes each contact of the arrested member, who is arrested the same "
          "week with this probability and exposes his own contacts in turn (investigations "
          "follow ties). Dense, efficient organisations pay for their efficiency here.",
          "assumption: the efficiency-security trade-off of Duijn et al. (EVIDENCE F14) and "
          "MADTOR (F15)", maximum=1.0),
    _spec("death_rate", 1.2e-3, "per member per week", 6e-4, 2.4e-3,
          "Weekly probability of being killed in conflict.",
          f"{PER_MEMBER_L1}: about 200 killed a week", maximum=1.0),
    _spec("exit_rate", 6.5e-4, "per member per week at the initial size", 3e-4, 1.3e-3,
          "Weekly exits (desertion, retirement), proportional to size relative to the initial "
          "size (the L1 saturation term omega C).",
          f"{PER_MEMBER_L1}: recruits minus arrests minus deaths, so the default "
          "organisation keeps its size", maximum=1.0),
    _spec("recruit_rate", 2.527474e-3, "recruits per member per week", 2.0e-3, 3.0e-3,
          "Each lieutenant, enforcer and lookout brings in a recruit with this weekly "
          "probability.", f"{PER_MEMBER_L1}; rho", maximum=1.0),
    _spec("recruit_lateral", 0.3, "probability", 0.0, 0.6,
          "A recruit also keeps a lateral tie to the lookout who brought it in.",
          "assumption: recruitment through acquaintances (PROTON-OC, EVIDENCE F16)",
          maximum=1.0),
    # --- recovery ---------------------------------------------------------------------
    _spec("promotion_rate", 0.25, "per week", 0.1, 0.5,
          "Weekly probability that an open post (lieutenant, enforcer, financier, contact) "
          "is filled, by promoting the best-connected subordinate or by recruiting.",
          "assumption: a post refilled in about a month", maximum=1.0),
    _spec("rewire_rate", 0.2, "per week", 0.05, 0.5,
          "Weekly probability that a member whose boss was removed ties to the replacement.",
          "assumption: Duijn et al. (EVIDENCE F14) rewire within a few periods", maximum=1.0),
    _spec("rewire_efficiency", 0.5, "probability", 0.0, 1.0,
          "When a member re-ties to a new boss, it also ties to one of the boss's other "
          "subordinates with this probability: faster communication (efficiency) at the "
          "price of exposure (security).",
          "assumption: the efficiency-security trade-off of Duijn et al. (EVIDENCE F14)",
          maximum=1.0),
    _spec("allegiance_rate", 0.04, "per week", 0.015, 0.1,
          "Weekly probability that a lieutenant (or financier) left without a leader pledges "
          "to a successor.",
          "assumption: chosen so a killing without a settled heir takes 1-2 years to be "
          "absorbed (EVIDENCE F1: effects last at least a year)", maximum=1.0),
    _spec("heir_acceptance", 0.8, "probability", 0.5, 0.95,
          "With a settled succession (a ready, respected heir), each lieutenant accepts the "
          "heir at once with this probability.",
          "assumption from EVIDENCE F6: kingpin removals with a ready successor brought no "
          "rise in violence", maximum=1.0),
    _spec("standing_sigma", 0.4, "log-sd", 0.1, 0.8,
          "A lieutenant's standing is the size of his plaza times a lognormal factor with "
          "this log-sd (reputation, money, arms).", "assumption", maximum=5.0),
    _spec("contest_ratio", 0.7, "ratio of standings", 0.5, 0.9,
          "An undecided succession is contested when the runner-up's standing is at least "
          "this share of the front-runner's (near-equal contenders).",
          "assumption from EVIDENCE F6 (contested when two or more contenders of similar "
          "strength)", maximum=1.0),
    _spec("split_min_share", 0.1, "share of members", 0.05, 0.3,
          "A contested succession ends in a split when the runner-up's faction holds at "
          "least this share of the members; otherwise the runner-up submits.",
          "assumption: a faction needs enough members to operate as a group", maximum=1.0),
    _spec("max_contest_weeks", 104.0, "weeks", 52.0, 156.0,
          "A contest that has not ended by then is decided by the factions as they stand.",
          "assumption", minimum=1.0, maximum=10_000.0),
    _spec("handover_killed", 0.0, "probability", 0.0, 0.1,
          "Probability that a removed leader names the heir himself (then the succession is "
          "settled): a killed leader cannot.", "assumption", maximum=1.0),
    _spec("handover_captured", 0.3, "probability", 0.1, 0.6,
          "A captured leader names an heir from prison with this probability.",
          "assumption from EVIDENCE F5 (captures, unlike killings, show a short-term dip in "
          "violence)", maximum=1.0),
    _spec("handover_extradited", 0.8, "probability", 0.5, 0.95,
          "A leader extradited after years in prison has usually handed over already.",
          "assumption from EVIDENCE F28 (most transferees were already imprisoned)",
          maximum=1.0),
]))

KIND_HANDOVER = {"killed": "handover_killed", "captured": "handover_captured",
                 "extradited": "handover_extradited"}


def org_parameters(overrides: Mapping[str, object] | None = None,
                   origin: str = "organisation") -> Params:
    """Defaults with `overrides` applied, each value with its origin and chain (as the group
    model's `Params`); unknown names and values outside the hard bounds are one-line errors
    naming the parameter."""
    for name, value in (overrides or {}).items():
        if name not in ORG_CATALOGUE:
            hint = closest(name, ORG_CATALOGUE)
            raise CartelsimError(f"{origin}: unknown organisation parameter {name!r}"
                                 + (f"; did you mean {hint!r}?" if hint else ""))
        if isinstance(value, bool):
            raise CartelsimError(f"{origin}: parameter {name!r} must be a number, got {value!r}")
    return Params.defaults(ORG_CATALOGUE).override(dict(overrides or {}), origin)
