"""C4: hitting the rivals of a tolerated group is no proof that collusion ended.

The article's hypothesis: the state kills CJNG's leader (a visible blow against a rival of
the group suspected of being tolerated, La Mayiza) while quietly sparing that group.
Experiment: in both arms CJNG's leader is killed on the removal date (contested succession,
as C1); in one arm the state also spares the tolerated group (no arrests for it, its
rivals three times the attention per member, as examples/selective-enforcement.toml), in
the other arrests stay neutral (shared by size). Same worlds in both. Two parts:

(a) collusion matters: the tolerated group's share of all members is higher after 3 years
    when it is spared;
(b) whether the public can tell: from one world's public national series (homicides,
    arrests, leader removals in year 3) can an observer say which policy produced it? The
    claim says not (see `verdict.judge_separability`).
"""

from __future__ import annotations

from cartelsim.analysis.compare import months_to_weeks
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
from cartelsim.report.stats import difference, separability_auc
from cartelsim.report.verdict import combine, judge, judge_separability
from cartelsim.report.world import scenario_data

ID = "C4"
QUOTE = "hitting the rivals of a tolerated group is no proof that collusion ended"
PARAMETERS = ("saturation", "recruitment_rate", "conflict_lethality")
MONTHS = 36
RIVAL_FOCUS = 3.0
NEGLIGIBLE_POINTS = 0.5  # percentage points of all members
PUBLIC = {"homicides": "national homicides", "total_arrests": "national arrests",
          "hvt_removals": "leader removals"}


def selective(ctx: Context) -> dict:
    """CJNG's leader killed, and the tolerated group spared while its rivals are hit."""
    setup = ctx.setup
    killing = removal(ctx)["interventions"]
    return scenario_data(setup, "killing-and-tolerated-spared", [*killing,
        {"action": "focus_arrests", "effect": 0.0, "start": setup.policy_date,
         "target": {"groups": [setup.tolerated]}, "label": "tolerated"},
        {"action": "focus_arrests", "effect": RIVAL_FOCUS, "start": setup.policy_date,
         "target": {"rivals_of": setup.tolerated}, "label": "its rivals hit"}])


def neutral(ctx: Context) -> dict:
    """CJNG's leader killed, arrests shared by size (the removal of C1)."""
    return removal(ctx)


def _share(ctx: Context, overrides: dict, runs: int | None, weeks: int | None):
    base = ctx.runner.run(neutral(ctx), overrides, runs, weeks)
    policy = ctx.runner.run(selective(ctx), overrides, runs, weeks)
    group = ctx.setup.tolerated
    share = difference(100 * base["group_share"].sel(group=group),
                       100 * policy["group_share"].sel(group=group), MONTHS,
                       f"share of all members at {MONTHS} months", "points",
                       negligible=NEGLIGIBLE_POINTS, digits=1)
    return base, policy, share


def _observer(base, policy, months: float) -> tuple[str, float]:
    """The public series that best separates the policies in year 3, and its AUC."""
    end = months_to_weeks(months)
    window = slice(max(1, end - 52 + 1), end + 1)
    best = ("national homicides", 0.5)
    for var, label in PUBLIC.items():
        if var not in base or var not in policy:
            continue
        a = base[var].isel(time=window).mean("time").values.astype(float)
        b = policy[var].isel(time=window).mean("time").values.astype(float)
        auc = separability_auc(a, b)
        if abs(auc - 0.5) >= abs(best[1] - 0.5):
            best = (label, auc)
    return best


def _verdicts(ctx: Context, share: Estimate, base, policy) -> tuple[Verdict, Verdict]:
    name = ctx.setup.name_of(ctx.setup.tolerated)
    series, auc = _observer(base, policy, MONTHS)
    return (judge(share, "higher", f"(a) {name} gains share when spared"),
            judge_separability(auc, "(b) Public series do not reveal the sparing",
                               f"{series} in year 3"))


def headline(ctx: Context):
    def run(overrides: dict[str, float], runs: int | None = None,
            weeks: int | None = None) -> tuple[Estimate, Verdict]:
        base, policy, share = _share(ctx, overrides, runs, weeks)
        return share, combine(_verdicts(ctx, share, base, policy))
    return run


def section(ctx: Context) -> ClaimSection:
    setup = ctx.setup
    name = setup.name_of(setup.tolerated)
    target = setup.name_of(setup.target)
    base, policy, share = _share(ctx, {}, None, None)
    group = setup.tolerated
    size = difference(base["group_members"].sel(group=group),
                      policy["group_members"].sel(group=group), MONTHS,
                      f"{name}: members at {MONTHS} months", "members", name="members")
    violence = difference(base["group_deaths"].sel(group=group),
                          policy["group_deaths"].sel(group=group), MONTHS,
                          f"{name}: members killed a week at {MONTHS} months", "per week",
                          name="total_deaths", digits=1)
    homicides = difference(base["homicides"], policy["homicides"], MONTHS,
                           f"national homicides a week at {MONTHS} months", "per week",
                           name="homicides")
    part_a, part_b = _verdicts(ctx, share, base, policy)
    default = (share, combine([part_a, part_b]))
    final, sensitivity = judged(ctx, headline(ctx), PARAMETERS, MONTHS, default)
    aucs = []
    end = months_to_weeks(MONTHS)
    window = slice(max(1, end - 51), end + 1)
    for var, label in PUBLIC.items():
        a = base[var].isel(time=window).mean("time").values.astype(float)
        b = policy[var].isel(time=window).mean("time").values.astype(float)
        aucs.append(f"{label}: {100 * max(separability_auc(a, b), 1 - separability_auc(a, b)):.0f} %")
    figs = [figures.embed(figures.fans([
        (f"{name}: share of all members (%)",
         {"killing, neutral arrests": 100 * base["group_share"].sel(group=group),
          f"killing, {name} spared": 100 * policy["group_share"].sel(group=group)}),
        ("National homicides per week (public)",
         {"killing, neutral arrests": base["homicides"],
          f"killing, {name} spared": policy["homicides"]}),
    ], f"{target} leader killed; {name} spared or not"),
        f"Left: what sparing buys {name} after {target}'s leader is killed. Right: what the "
        "public sees; the more the bands overlap, the harder the two are to tell apart.")]
    if sensitivity.swings:
        figs.append(figures.embed(figures.swings(share, sensitivity.swings,
                                                 f"{name}'s share gain: parameter swings"),
                                  "Share gain at 3 years with each parameter at its range "
                                  "ends (grey: defaults)."))
    return ClaimSection(
        id=ID, title="Selective enforcement and collusion", quote=QUOTE,
        question=f"If the state kills {target}'s leader while quietly sparing {name}, the "
                 f"group suspected of being tolerated, does {name} gain, and could the public "
                 "tell from the national numbers that collusion goes on?",
        experiment=f"In both arms {target}'s leader is killed on {setup.removal_date} "
                   f"(contested succession, as C1). In one, the state also spares {name} "
                   f"from {setup.policy_date} (no arrests for it, {RIVAL_FOCUS:g}x attention "
                   "per member for its rivals; total arrests unchanged); in the other, "
                   f"arrests stay neutral. {setup.runs} paired worlds.",
        estimates=[share, size, violence, homicides], verdict=final,
        headline=f"{name} share {share.fmt(share.median, True)} pts at 3 y",
        parts=[("(a) does the spared group gain?", part_a),
               ("(b) can the public tell from national series?", part_b)],
        figures=figs, assumptions=assumptions(PARAMETERS + ("incapacitation",)),
        sensitivity=sensitivity,
        notes=["How often an observer would pick the right policy from one world's year-3 "
               "average (50 % = a coin toss): " + "; ".join(aucs) + ".",
               "Total arrests are the same under both policies by construction (only where "
               "they go changes), so arrest totals cannot reveal selectivity; arrests by "
               "group, which would, are rarely public."],
        assumed="The tolerance itself is an input (the scenario sets it); what emerges is "
                "how much the tolerated group gains and whether public series show it.",
    )


def requests(ctx: Context) -> list:
    pair = [neutral(ctx), selective(ctx)]
    return main_requests(pair) + swing_requests(ctx, pair, PARAMETERS, MONTHS)
