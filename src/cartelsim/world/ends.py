"""The week's last sub-steps, shared by the full world step (`world.step`) and the quiet
shortcut (`world.quiet`): each live group ends or stays, and the week is recorded.

Kept in one place so that the shortcut's numbers stay the step's bit for bit (a test runs
both): the two loops around these calls differ only in what the full step adds before
(arrest sweeps and entrants, the stochastic engine's sums) and records beside (lineages).
"""

from __future__ import annotations

from numba import njit


@njit(cache=True, inline="always")
def end_or_keep(r, t, g, c, end_members, flows, week_sums, count_exits, m, end, jumped,
                row_live, kept):  # pragma: no cover - compiled
    """Group g with c members at date t ends below `end_members` (its remainder leaves as
    exits, added to week_sums[3] when `count_exits`; its end date recorded) or stays live as
    row_live[kept]. Returns (its members now, the live groups kept so far)."""
    if c < end_members:
        flows[3, g] += c
        if count_exits:
            week_sums[3] += c
        m[g] = 0.0
        end[r, g] = t
        jumped[r] = True
        return 0.0, kept
    row_live[kept] = g
    return c, kept + 1


@njit(cache=True, inline="always")
def record_group(r, t, g, c, flows, g_members, g_flows):  # pragma: no cover - compiled
    """Members and flows of group g at date t (the per-group record)."""
    g_members[r, t, g] = c
    for f in range(4):
        g_flows[r, t, f, g] = flows[f, g]


@njit(cache=True, inline="always")
def record_totals(r, t, total, week_sums, count, totals, active):  # pragma: no cover
    """The week's national totals: members, the four flows and the active groups."""
    totals[r, t, 0] = total
    for f in range(4):
        totals[r, t, 1 + f] = week_sums[f]
    active[r, t] = count
