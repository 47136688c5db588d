"""The Science 2023 model reproduced beside the published numbers, and the combined policy
the paper did not run (recruitment halved and incapacitation doubled together, EVIDENCE
F21 i), both on BACRIM 2020 (deterministic, as published) and on the brief's own world
(paired stochastic worlds against the status quo)."""

from __future__ import annotations

from pathlib import Path

from cartelsim.report import figures
from cartelsim.report.claims.base import Context
from cartelsim.report.stats import difference
from cartelsim.report.world import scenario_data

COMBINED = {"prevent_recruitment": 0.5, "scale_arrests": 2.0}


def jobs(folder: Path | None) -> dict:
    """The reproduction as a job the runner can start early in a worker process."""
    return {f"reproduction:{folder}": (published, folder)}


def published(folder: Path | None) -> dict:
    """The published claims beside the model's numbers on BACRIM 2020 (if the data exist)."""
    from cartelsim.analysis.figures import reproduction_figure
    from cartelsim.engines.simulate import simulate
    from cartelsim.errors import CartelsimError
    from cartelsim.experiments import prieto2023
    from cartelsim.params.catalogue import Params
    from cartelsim.system.bacrim import load_bacrim
    from cartelsim.system.fetch import default_data_dir, verify_bacrim

    folder = folder or default_data_dir()
    if folder is None or not Path(folder).is_dir() or verify_bacrim(folder):
        return {"available": False, "folder": str(folder),
                "message": f"BACRIM 2020 was not found at {folder}, so the published model was "
                           "not reproduced here. Get it with `cartelsim data fetch bacrim2020` "
                           "or pass --data DIR."}
    try:
        system = load_bacrim(folder)
    except CartelsimError as exc:
        return {"available": False, "folder": str(folder), "message": str(exc)}
    results = prieto2023.run(system)
    checks = prieto2023.compare(results, system)
    baseline = results["baseline"]
    state = baseline["members"].isel(run=0, time=-1).values
    start = baseline.time.values[-1]
    params = Params.defaults()
    combined = params.scaled("recruitment_rate", 0.5, "combined policy") \
        .scaled("incapacitation", 2.0, "combined policy")
    together = simulate(system, combined, weeks=prieto2023.WEEKS, start=start,
                        week_offset=prieto2023.WEEKS, initial=state)
    members22 = float(baseline["total_members"].isel(run=0, time=-1))
    deaths22 = float(baseline["total_deaths"].isel(run=0, time=-1))
    rows = []
    for label, ds in (("rates unchanged", results["unchanged"]),
                      ("recruitment halved", results["half_recruitment"]),
                      ("incapacitation doubled", results["double_incapacitation"]),
                      ("both together (not in the paper)", together)):
        rows.append({"policy": label,
                     "members": float(ds["total_members"].isel(run=0, time=-1)),
                     "deaths": float(ds["total_deaths"].isel(run=0, time=-1))})
    unchanged = rows[0]
    for row in rows:
        row["members_vs_unchanged"] = row["members"] / unchanged["members"] - 1.0
        row["deaths_vs_unchanged"] = row["deaths"] / unchanged["deaths"] - 1.0
    figure = figures.embed(reproduction_figure(prieto2023.tidy(results)),
                           "The published baseline 2012-2022 and its continuations to 2032, "
                           "reproduced on BACRIM 2020.")
    return {"available": True, "folder": str(folder),
            "checks": [{"claim": c.claim, "published": c.published, "model": c.model,
                        "agrees": c.agrees, "note": "; ".join(p for p in (c.note, c.source)
                                                               if p)} for c in checks],
            "combined": rows, "members2022": members22, "deaths2022": deaths22,
            "doubled": doubled_statement(rows, members22, deaths22), "figure": figure}


def _against(value: float, reference: float, what: str) -> str:
    """'12 % lower than the 150,000 with rates unchanged' (the word follows the sign)."""
    change = value / reference - 1.0
    word = "lower" if change < 0 else "higher"
    return f"{abs(100 * change):.0f} % {word} than the {reference:,.0f} {what}"


def doubled_statement(rows: list[dict], members22: float, deaths22: float) -> str:
    """The doubled-incapacitation result against both references: the unchanged-rate path
    (the counterfactual) and the 2022 levels (what the paper compares with). Every word
    follows from the numbers."""
    unchanged = next(r for r in rows if r["policy"] == "rates unchanged")
    doubled = next(r for r in rows if r["policy"] == "incapacitation doubled")
    parts = []
    for key, level22, what in (("members", members22, "members"),
                               ("deaths", deaths22, "members killed a week")):
        side = "above" if doubled[key] > level22 else "below"
        parts.append(f"{doubled[key]:,.0f} {what} in 2032, "
                     f"{_against(doubled[key], unchanged[key], 'with rates unchanged')} and "
                     f"{side} the {level22:,.0f} of 2022")
    return ("Doubling incapacitation from 2022 gives " + "; ".join(parts) + ". The first "
            "comparison is the policy's effect (the same years with rates unchanged); the "
            "second only says where the system ends up against 2022.")


def _levers(ctx: Context) -> dict[str, dict]:
    when = ctx.setup.policy_date
    single = {
        "recruitment halved": [{"action": "prevent_recruitment", "effect": 0.5,
                                "start": when}],
        "arrests doubled": [{"action": "scale_arrests", "effect": 2.0, "start": when}],
    }
    single["both together"] = single["recruitment halved"] + single["arrests doubled"]
    return {label: scenario_data(ctx.setup, label.replace(" ", "-"), items)
            for label, items in single.items()}


def requests(ctx: Context) -> list:
    return [(data, {}, None, None) for data in (scenario_data(ctx.setup, "status-quo", []),
                                                *_levers(ctx).values())]


def combined_here(ctx: Context) -> dict:
    """The combined policy and its two halves against the status quo on the brief's world."""
    base = ctx.runner.run(scenario_data(ctx.setup, "status-quo", []))
    estimates = []
    series = {"status quo": base["total_members"]}
    for label, data in _levers(ctx).items():
        ds = ctx.runner.run(data)
        series[label] = ds["total_members"]
        for var, what, unit in (("total_members", "members", "members"),
                                ("homicides", "homicides a week", "per week")):
            estimates.append(difference(base[var], ds[var], 60, f"{what} at 5 years: {label}",
                                        unit, name=var))
    figure = figures.embed(figures.fans([("Members (all groups)", series)],
                                        "The combined policy on this brief's world"),
                           "Members under the status quo, each lever alone and both together.")
    return {"estimates": estimates, "figure": figure}
