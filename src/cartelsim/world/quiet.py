"""The world step's shortcut for a quiet deterministic world: the published model (L1) with
nothing that can act on a group.

A deterministic world without interventions, money, protection or territory never removes a
leader, so every command stays intact, no group splits, and the multipliers of the step's
"rates" sub-step stay 1 every week. What is left of the week is the flows (RK4 after a
restart, then Adams-Bashforth 4), the ends and the record. `world.step._run_weeks` still
walks every sub-step for such a world, and its rate evaluation follows live groups and
lineage sums; this module runs the same weeks over the base groups as one dense axis, with
the compiled rate law of `engines.kernels` (the published model's loops).

Why the numbers are the same bit for bit (tests/world/test_quiet.py checks it): with no split
every lineage is one group, so the world's rivalry sum is the base rivalry sum, in the same
order, plus `splinter_rivalry * 0.0`, which adds exactly nothing; a group that ended holds
exactly 0 members, so on the dense axis its terms (0 members, 0 flows, 0 rivalry) add exact
zeros to every sum; ends, restarts after an end, the failure checks and the records follow
`_run_weeks`'s "ends and record" pass line by line.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from cartelsim.engines.kernels import (
    FASTMATH,
    MAX_RATE_PER_WEEK,
    STATUS_NEGATIVE,
    STATUS_OK,
    STATUS_STEP,
    _rates_net,
    rk4_week,
)
from cartelsim.world.ends import end_or_keep, record_group, record_totals
from cartelsim.world.params import P_END_MEMBERS, P_ETA, P_OMEGA, P_RHO, P_THETA
from cartelsim.world.step import _fail

_AB4 = (55.0 / 24.0, -59.0 / 24.0, 37.0 / 24.0, -9.0 / 24.0)


def is_quiet(stochastic: bool, rows: int, money: bool, protection: bool,
             territory: bool, entry_rate: float = 0.0) -> bool:
    """Whether a chunk of runs can take the shortcut: deterministic, no scheduled effect, no
    money, protection or territory, no new groups entering (then nothing can remove a
    leader, change a rate or add a group)."""
    return (not stochastic and rows == 0 and not (money or protection or territory)
            and entry_rate == 0.0)


@njit(cache=True, fastmath=FASTMATH)
def _quiet_run(r, weeks, keep, p, indptr, indices, weights, n, members, alliance, end, live,
               n_live, week, status, hist_net, hist_comps, hist_sums, since, jumped, totals,
               active, g_members, g_flows, g_integrity):  # pragma: no cover - compiled
    """Advance run r from week[r] to `weeks` as `step._run_weeks` would, over the dense axis
    of its n base groups (see the module docstring)."""
    m = members[r, :n]
    row_live = live[r]
    inv_alliance = np.empty(n)
    for g in range(n):
        inv_alliance[g] = 1.0 / (alliance[r, g] + 1.0)
    coef = np.ones((3, n))  # every multiplier 1 in a quiet week
    flows = np.zeros((4, n))
    week_sums = np.zeros(4)
    stage = np.zeros(n)
    k_net = np.zeros((4, n))
    k_comps = np.zeros((4, 4, n))
    k_sums = np.zeros((4, 5))
    rho = p[P_RHO]
    eta = p[P_ETA]
    theta = p[P_THETA]
    omega = p[P_OMEGA]
    end_members = p[P_END_MEMBERS]
    c0, c1, c2, c3 = _AB4
    history = hist_net[r]
    comp_hist = hist_comps[r]
    sums_hist = hist_sums[r]
    while week[r] < weeks:
        w = week[r]
        nl = n_live[r]
        t = w + 1
        if keep:  # integrity at the start of the week: every command intact
            for j in range(nl):
                g_integrity[r, w, row_live[j]] = 1.0
        # a restart after a jump in members (a group ended); the first week restarts anyway
        k = 0 if jumped[r] or w == 0 else since[r]
        jumped[r] = False
        k += 1
        now, s1, s2, s3 = k % 4, (k - 1) % 4, (k - 2) % 4, (k - 3) % 4
        _rates_net(m, indptr, indices, weights, inv_alliance, rho, eta, theta, omega, coef,
                   history[now, :n], comp_hist[now, :, :n], sums_hist[now], keep)
        if sums_hist[now, 4] > MAX_RATE_PER_WEEK:
            _fail(r, t, STATUS_STEP, status, totals, active, keep, g_members, g_flows,
                  g_integrity)
            return
        if k <= 3:
            rk4_week(m, indptr, indices, weights, inv_alliance, rho, eta, theta, omega, coef,
                     k_net, k_comps, k_sums, stage, flows, week_sums)
            for g in range(n):  # an ended group adds 0 - 0 - 0 - 0
                m[g] += flows[0, g] - flows[1, g] - flows[2, g] - flows[3, g]
        else:
            for f in range(4):
                week_sums[f] = (c0 * sums_hist[now, f] + c1 * sums_hist[s1, f]
                                + c2 * sums_hist[s2, f] + c3 * sums_hist[s3, f])
                if not keep:
                    continue
                for g in range(n):
                    flows[f, g] = (c0 * comp_hist[now, f, g] + c1 * comp_hist[s1, f, g]
                                   + c2 * comp_hist[s2, f, g] + c3 * comp_hist[s3, f, g])
            # dense: the four remembered rates of an ended group are exact zeros, since an
            # end restarts the rule and RK4 refills every slot before AB4 reads it again
            for g in range(n):
                m[g] += (c0 * history[now, g] + c1 * history[s1, g] + c2 * history[s2, g]
                         + c3 * history[s3, g])
        since[r] = k
        # ends and record, in one pass (as step._run_weeks)
        total = 0.0
        count = 0
        kept = 0
        for j in range(nl):
            g = row_live[j]
            c = m[g]
            if c < 0.0:
                _fail(r, t, STATUS_NEGATIVE, status, totals, active, keep, g_members, g_flows,
                      g_integrity)
                return
            c, kept = end_or_keep(r, t, g, c, end_members, flows, week_sums, True, m, end,
                                  jumped, row_live, kept)
            if c >= 1.0:
                count += 1
            total += c
            if keep:
                record_group(r, t, g, c, flows, g_members, g_flows)
        record_totals(r, t, total, week_sums, count, totals, active)
        n_live[r] = kept
        week[r] = t
    if keep:  # the last date: one more week of recovery of intact commands: still 1
        for j in range(n_live[r]):
            g_integrity[r, weeks, row_live[j]] = 1.0


@njit(cache=True, parallel=True)
def quiet_batch(weeks, keep, p, indptr, indices, weights, n, members, alliance, end, live,
                n_live, week, status, hist_net, hist_comps, hist_sums, since, jumped, totals,
                active, g_members, g_flows, g_integrity):  # pragma: no cover - compiled
    """`step.world_batch` for a quiet deterministic world (`is_quiet`); threads share runs."""
    for run in prange(status.shape[0]):
        r = np.int64(run)
        if status[r] == STATUS_OK and week[r] < weeks:
            _quiet_run(r, weeks, keep, p, indptr, indices, weights, n, members, alliance, end,
                       live, n_live, week, status, hist_net, hist_comps, hist_sums, since,
                       jumped, totals, active, g_members, g_flows, g_integrity)


@njit(cache=True)
def quiet_serial(weeks, keep, p, indptr, indices, weights, n, members, alliance, end, live,
                 n_live, week, status, hist_net, hist_comps, hist_sums, since, jumped, totals,
                 active, g_members, g_flows, g_integrity):  # pragma: no cover - compiled
    """`quiet_batch` without threads (one run)."""
    for r in range(status.shape[0]):
        if status[r] == STATUS_OK and week[r] < weeks:
            _quiet_run(r, weeks, keep, p, indptr, indices, weights, n, members, alliance, end,
                       live, n_live, week, status, hist_net, hist_comps, hist_sums, since,
                       jumped, totals, active, g_members, g_flows, g_integrity)
