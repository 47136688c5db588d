"""C1: removing a leader "temporarily interrupts command and control".

Experiment: the target group's leader is killed with a contested succession (as
examples/cjng-leader-killed.toml) against the status quo on the same worlds. Measures:
the group's command integrity over time, its fall three months after the removal, and the
weeks it takes to recover 90 % of the loss (group-level leadership mechanism, L2). When the
organisation engine (L4, `cartelsim.organisation`) is installed, its command reach after the
leader's removal is shown beside it.
"""

from __future__ import annotations

import importlib.util
import json

import numpy as np

from cartelsim.report import figures
from cartelsim.report.claims.base import (
    Context,
    assumptions,
    judged,
    main_requests,
    swing_requests,
)
from cartelsim.report.model import ClaimSection, Estimate, Verdict
from cartelsim.report.stats import level, recovery_weeks
from cartelsim.report.verdict import combine, judge, judge_share
from cartelsim.report.world import Job, scenario_data

ID = "C1"
QUOTE = "removing a leader “temporarily interrupts command and control”"
PARAMETERS = ("integrity_recovery", "integrity_loss_killed")
MONTHS = 3
NEGLIGIBLE_INTEGRITY = 0.02  # command integrity is a share of 1
ORG_MEMBERS = 500  # a network of this size: a cell of the group, not all of it


def removal(ctx: Context, succession: str = "contested") -> dict:
    setup = ctx.setup
    return scenario_data(setup, f"leader-killed-{succession}", [{
        "action": "remove_leader", "kind": "killed", "succession": succession,
        "start": setup.removal_date, "target": {"groups": [setup.target]}}])


def _integrity_numbers(ctx: Context, overrides: dict, runs: int | None,
                       weeks: int | None) -> tuple[Estimate, np.ndarray, int, object]:
    ds = ctx.runner.run(removal(ctx), overrides, runs, weeks)
    integrity = ds["group_command_integrity"].sel(group=ctx.setup.target)
    after = int(np.searchsorted(ds.week.values, (ctx.setup.removal_date - ctx.setup.start)
                                .days // 7))
    step = min(after + int(round(MONTHS * 52 / 12)), ds.sizes["time"] - 1)
    values = integrity.isel(time=step).values.astype(float)
    # the status quo removes no leader, so its integrity is exactly 1 in every world: the
    # paired difference is the integrity minus 1
    tail = [0.05, 0.5, 0.95]
    low, mid, high = np.quantile(values - 1.0, tail)
    drop = Estimate(f"command integrity {MONTHS} months after the removal", "", float(mid),
                    float(low), float(high), values.size, base=1.0,
                    p_lower=float(np.mean(values < 1.0)), negligible=NEGLIGIBLE_INTEGRITY,
                    digits=2)
    return drop, recovery_weeks(integrity, after), ds.sizes["time"] - 1 - after, integrity


def headline(ctx: Context):
    def run(overrides: dict[str, float], runs: int | None = None,
            weeks: int | None = None) -> tuple[Estimate, Verdict]:
        drop, weeks_back, _, _ = _integrity_numbers(ctx, overrides, runs, weeks)
        recovered = np.isfinite(weeks_back)
        verdict = combine([
            judge(drop, "lower", "Command is interrupted"),
            judge_share(float(recovered.mean()), "The interruption is temporary",
                        "90 % of the lost integrity comes back within the horizon"),
        ])
        # weeks beyond the horizon count as the horizon (a lower bound) in the headline
        shown = np.where(recovered, weeks_back, float(ctx.weeks_for(1e9)))
        return level(shown, "weeks to recover 90 % of command integrity", "weeks"), verdict
    return run


def section(ctx: Context) -> ClaimSection:
    setup = ctx.setup
    name = setup.name_of(setup.target)
    drop, weeks_back, room, integrity = _integrity_numbers(ctx, {}, None, None)
    recovered = np.isfinite(weeks_back)
    interrupted = judge(drop, "lower", "Command is interrupted")
    temporary = judge_share(float(recovered.mean()), "The interruption is temporary",
                            f"90 % of the lost integrity comes back within the {room} weeks "
                            "simulated after the removal")
    verdict = combine([interrupted, temporary])
    recovery = level(weeks_back, "weeks to recover 90 % of the lost integrity", "weeks")
    settled = ctx.runner.run(removal(ctx, "settled"))["group_command_integrity"] \
        .sel(group=setup.target)
    default = (headline(ctx)({}, None, None)[0], verdict)
    final, sensitivity = judged(ctx, headline(ctx), PARAMETERS, 1e9, default)
    panels = [(f"Command integrity of {name}", {"contested succession": integrity,
                                                "settled succession": settled})]
    figs = [figures.embed(figures.fans(panels, f"{name}'s leader killed on "
                                       f"{setup.removal_date}", reference=1.0),
                          f"Command integrity of {name} (1 = intact) after its leader is "
                          "killed, with a contested and with a settled succession; the status "
                          "quo stays at 1.")]
    notes = [f"Recovered within the horizon in {100 * recovered.mean():.0f} % of worlds."]
    org = organisation_curve(ctx)
    if org is None:
        notes.append("The organisation engine (L4, cartelsim.organisation) is not installed "
                     "in this version, so command reach inside the group's network is not "
                     "shown; the recovery above comes from the group-level mechanism (L2), "
                     "whose loss and recovery rate are assumptions.")
    elif isinstance(org, str):
        notes.append(f"The organisation engine (L4) is installed but could not run: {org}")
    else:
        figs.append(org[0])
        notes.append(org[1])
    if sensitivity.swings:
        figs.append(figures.embed(figures.swings(default[0], sensitivity.swings,
                                                 "Weeks to recover: parameter swings"),
                                  "Weeks to recover 90 % with each parameter at the ends of "
                                  "its plausible range (grey: defaults)."))
    return ClaimSection(
        id=ID, title="Leader removal and command", quote=QUOTE,
        question=f"If the state kills {name}'s leader and no heir is ready, how far does the "
                 "group's command fall, and how long until it is back?",
        experiment=f"{setup.runs} paired worlds: {name}'s leader killed on "
                   f"{setup.removal_date} with a contested succession, against the status quo "
                   "(no removal). A settled succession is shown for comparison.",
        estimates=[drop, recovery], verdict=final,
        headline=f"integrity {drop.fmt(drop.median, True)} at {MONTHS} mo; "
                 f"{recovery.median:.0f} wk to recover",
        parts=[("interrupted", interrupted), ("temporary", temporary)],
        figures=figs, assumptions=assumptions(PARAMETERS), sensitivity=sensitivity,
        notes=notes,
        assumed="Largely built in: the size of the loss (delta) and the recovery rate "
                "(lambda) are assumptions, so the model can only say how long recovery "
                "takes under them, not whether command recovers.",
    )


def organisation_job(ctx: Context) -> tuple[str, Job]:
    """The L4 removal experiment as a job the runner can start in a worker process early
    (its engine takes a while to compile the first time)."""
    args = {"members": ORG_MEMBERS, "runs": 20 if ctx.plan.morris_trajectories == 0 else 50,
            "weeks": min(ctx.setup.weeks, 156), "seed": ctx.setup.seed}
    return f"organisation:{json.dumps(args, sort_keys=True)}", (run_organisation, args)


def jobs(ctx: Context) -> dict[str, Job]:
    if importlib.util.find_spec("cartelsim.organisation") is None:
        return {}
    key, job = organisation_job(ctx)
    return {key: job}


def run_organisation(args: dict) -> dict | str:
    """Leader killed (contested succession) in L4 networks: command reach and weeks to
    recover 90 %; a message instead when the engine fails."""
    try:
        from cartelsim.organisation import removal_experiment, weeks_to_recover

        ds = removal_experiment(members=args["members"], strategy="leader",
                                succession="contested", weeks=args["weeks"],
                                runs=args["runs"], seed=args["seed"], kind="killed")
        return {"reach": ds["command_reach"],
                "weeks_back": np.asarray(weeks_to_recover(ds, level=0.9), dtype=float),
                "depth": int(ds.attrs.get("reach_depth", 3))}
    except Exception as exc:  # another layer's engine: report its failure, keep the brief
        return f"{type(exc).__name__}: {exc}"


def organisation_curve(ctx: Context):
    """The L4 command-reach curve after the leader's removal, if the engine exists.

    Returns None when `cartelsim.organisation` is absent, an error message when it fails,
    else (figure, note).
    """
    if importlib.util.find_spec("cartelsim.organisation") is None:
        return None
    key, (function, args) = organisation_job(ctx)
    if key not in ctx.runner.cache:
        ctx.runner.cache[key] = function(args)
    result = ctx.runner.cache[key]
    if isinstance(result, str):
        return result
    reach, weeks_back = result["reach"], result["weeks_back"]
    if "time" not in reach.dims:
        return "command_reach has no time axis"
    back = level(weeks_back, "weeks for command reach to recover 90 %", "weeks")
    members, runs = args["members"], args["runs"]
    figure = figures.embed(
        figures.fans([("Command reach (share of members within reach of the leadership)",
                       {"leader removed": reach})], "Organisation engine (L4)"),
        f"Command reach in a {members}-member network after its leader is killed "
        "(contested succession), from the organisation engine.")
    note = (f"Organisation engine (L4): in {runs} simulated networks of {members} members "
            f"whose leader is killed (contested succession), command reach (the share of "
            f"members within {result['depth']} ties of the leadership) recovers to 90 % of "
            f"its level before the removal in {back.text()} (median [90 % interval] over the "
            f"{back.runs} networks that recovered within {reach.sizes['time'] - 1} weeks; "
            f"{int(np.isnan(weeks_back).sum())} did not). This is a cross-check beside the "
            "group-level verdict, not part of it.")
    return figure, note


def requests(ctx: Context) -> list:
    return main_requests([removal(ctx), removal(ctx, "settled")]) + swing_requests(
        ctx, [removal(ctx)], PARAMETERS, 1e9)
