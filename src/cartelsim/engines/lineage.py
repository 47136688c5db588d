"""Rivalry inside a lineage, shared by the world step's flows and the territory's deaths.

A lineage is a base group with every group descended from it or entered in it (DESIGN.md
§2 L2). Its groups fight one another: splinters of one another at `splinter_rivalry` (an
internecine war, EVIDENCE F6), and at `entrant_rivalry` where either is a local group (a
group that entered, or a splinter of one), which need not fight as hard. Summing by
lineage keeps the conflict term linear in the live groups.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True, inline="always")
def kin_rivalry(c, local, total, entered, splinter_rivalry,
                entrant_rivalry):  # pragma: no cover - compiled
    """The rivalry-weighted members of a group's own lineage other than itself.

    `total` is the lineage's members, `entered` those of its local groups (entrants and
    their splinters; `local` says whether this group is one). Two groups of one lineage
    fight at splinter_rivalry, or at entrant_rivalry when either is local:

        settled group: splinter_rivalry (total - entered - c) + entrant_rivalry entered
        local group:   entrant_rivalry (total - c)

    With no local group (entered = 0) this is splinter_rivalry (total - c) bit for bit."""
    if local:
        return entrant_rivalry * (total - c)
    return splinter_rivalry * (total - entered - c) + entrant_rivalry * entered


@njit(cache=True, inline="always")
def lineage_totals(members, live, n_live, root, local, lineage,
                   entered):  # pragma: no cover - compiled
    """lineage[b] = members of lineage b, entered[b] = those of its local groups; returns
    the members of all live groups."""
    for b in range(lineage.size):
        lineage[b] = 0.0
        entered[b] = 0.0
    total = 0.0
    for j in range(n_live):
        i = live[j]
        c = members[i]
        total += c
        lineage[root[i]] += c
        if local[i]:
            entered[root[i]] += c
    return total
