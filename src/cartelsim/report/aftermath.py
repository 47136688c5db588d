"""The first months after El Mencho's killing, for CJNG itself.

From the removal experiment of C1/C2 (the target's leader killed, contested succession,
against the status quo on the same worlds): the members of the group's lineage (the group
and any splinter of it) killed in conflict in each month after the removal, as a level and
as a paired difference, and the share of worlds in which the group has split by the end of
each month. Nothing runs here; the runner serves the claims' results from its cache.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from cartelsim.report import figures
from cartelsim.report.claims.base import Context
from cartelsim.report.claims.c1_command import removal
from cartelsim.report.stats import level
from cartelsim.report.world import scenario_data

MONTHS = 12
WEEKS_PER_MONTH = 52 / 12


def monthly(values: np.ndarray, after: int, months: int) -> np.ndarray:
    """Sums over each month after position `after` of a (run, time) weekly flow: (run, month).

    Month m covers the weeks after the removal up to round(m * 52 / 12)."""
    edges = [after + int(round(m * WEEKS_PER_MONTH)) for m in range(months + 1)]
    return np.stack([values[:, a + 1:b + 1].sum(axis=1) for a, b in zip(edges, edges[1:],
                                                                          strict=False)], axis=1)


def section(ctx: Context) -> dict:
    """Rows by month (deaths, paired extra deaths, P(split)) and a figure."""
    setup = ctx.setup
    base = ctx.runner.run(scenario_data(setup, "status-quo", []))
    policy = ctx.runner.run(removal(ctx))
    after = int(np.searchsorted(policy.week.values,
                                (setup.removal_date - setup.start).days // 7))
    months = min(MONTHS, int((policy.sizes["time"] - 1 - after) / WEEKS_PER_MONTH))
    group = setup.target
    killed = policy["group_lineage_deaths"].sel(group=group).values.astype(float)
    quiet = base["group_lineage_deaths"].sel(group=group).values.astype(float)
    by_month, base_month = monthly(killed, after, months), monthly(quiet, after, months)
    split = policy["group_split"].sel(group=group).values.astype(float)
    rows = []
    for m in range(months):
        end = after + int(round((m + 1) * WEEKS_PER_MONTH))
        rows.append({
            "month": m + 1,
            "deaths": level(by_month[:, m], "members killed", "a month"),
            "extra": replace(level(by_month[:, m] - base_month[:, m], "extra", "a month"),
                             base=float(np.median(base_month[:, m]))),
            "split": float(np.mean(split[:, end] > 0)),
        })
    name = setup.name_of(group)
    figure = figures.embed(
        figures.aftermath(by_month, base_month, [r["split"] for r in rows], name),
        f"Left: members of {name} and of any splinter of it killed in conflict in each month "
        f"after its leader is killed (contested succession), against the same worlds without "
        f"the killing. Right: the share of worlds in which {name} has split by the end of "
        "each month.")
    return {"group": name, "date": str(setup.removal_date), "rows": rows, "figure": figure,
            "worlds": int(by_month.shape[0])}


def requests(ctx: Context) -> list:
    """The two runs the section reads (shared with C1 and C2, so usually cached)."""
    return [(scenario_data(ctx.setup, "status-quo", []), {}, None, None),
            (removal(ctx), {}, None, None)]
