"""Compiled weekly steps (Numba) for the group-population model.

The arithmetic is the one of `rates.l1_flows`, written as loops so that Numba can compile
it: the conflict term uses the sparse rivalry rows plus the rank-one total (see `rates`).
Policies act through three per-group coefficients, `coef[run, 3, group]`:

    RHO_MULT    recruits r_i = rho * RHO_MULT_i * C_i                (prevention, money)
    THETA_MULT  deaths   d_i = theta * THETA_MULT_i * C_i (M C)_i    (succession fights)
    FOCUS       arrests  a_i = eta * FOCUS_i C_i / sum_j FOCUS_j C_j (where arrests go)

All ones give the published model bit for bit (multiplying by 1.0 is exact). Coefficients
are constant within a segment of weeks; the driver (`simulate`) cuts the horizon where they
change. Runs are independent; each writes only its own rows, so results do not depend on
threads or batching.

Outputs per run and week t (t = 0 is the start): members at t, and the flows over the week
that ends at t (NaN at t = 0). Each week,
members[t] - members[t-1] == recruits - arrests - deaths - exits by construction.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

# Run status codes (STYLE.md 10: a failed run is data, not half-filled arrays).
STATUS_OK = 0
STATUS_NEGATIVE = 1  # a group would have lost more members than it had within one week
STATUS_STEP = 2  # per-member rates too fast for a weekly step to be accurate
STATUS_MESSAGES = {
    STATUS_OK: "ok",
    STATUS_NEGATIVE: "a group lost more members than it had within one week "
    "(rates too large for a weekly step); the run stopped there",
    STATUS_STEP: "per-member rates exceeded the weekly step's accuracy limit "
    "(0.25 per week deterministic, 1 per week stochastic); the run stopped there",
}

FLOW_NAMES = ("recruits", "arrests", "deaths", "exits")
RHO_MULT, THETA_MULT, FOCUS = range(3)
N_COEFFICIENTS = 3

# Largest per-member rate (per week) for which the weekly step is trusted. Adams-Bashforth 4
# is stable for h*|lambda| up to about 0.3 on the negative real axis; the published system
# stays below 0.02. Faster rates (absurd parameters) stop the run with STATUS_STEP.
MAX_RATE_PER_WEEK = 0.25
# The stochastic engine takes its expected flows from one RK4 week, stable up to 2.8 and
# accurate to ~1 % at 1 per week; beyond that the run stops with STATUS_STEP as well.
MAX_RATE_PER_WEEK_RK4 = 1.0

# Fast-math without reassociation: sums keep their order, so adding an empty group (a
# splinter slot) or a zero rivalry entry leaves every result bit for bit unchanged.
FASTMATH = {"nnan", "ninf", "nsz", "arcp", "contract"}

# Adams-Bashforth 4 weights for f_n, f_{n-1}, f_{n-2}, f_{n-3} (step h = 1 week).
_AB4 = (55.0 / 24.0, -59.0 / 24.0, 37.0 / 24.0, -9.0 / 24.0)


@njit(cache=True, fastmath=FASTMATH, inline="always")
def group_flows(c, rival, total, inv_alliance, rho_mult, focus, theta_mult, rho, arrest_scale,
                theta, omega):  # pragma: no cover - compiled
    """The L1 rate law of one group with c members (DESIGN.md L1), shared by every engine:
    (recruits, arrests, deaths, exits, fastest per-member rate) over a week, where `rival` is
    its rivalry-weighted sum of other groups' members and `total` all members."""
    recruit_rate = rho * rho_mult
    arrest_rate = arrest_scale * focus
    pressure = theta * theta_mult * (rival + total - c) * inv_alliance
    speed = recruit_rate + arrest_rate + pressure + 2.0 * omega * c
    return recruit_rate * c, arrest_rate * c, pressure * c, omega * c * c, speed


@njit(cache=True, fastmath=FASTMATH)
def _rates_net(members, indptr, indices, weights, inv_alliance, rho, eta, theta, omega, coef,
               net, comps, sums, keep_comps):  # pragma: no cover - compiled
    """net[i] = r_i - a_i - d_i - x_i for one run; sums[0:4] = each flow summed over groups.

    sums[4] receives the fastest per-member rate of any group with members (a bound on the
    local Jacobian: rho_i + a_i/C_i + theta_i (M C)_i + 2 omega C_i), to check the step size.
    comps[4, group] receives the per-group flows when keep_comps is set.
    """
    n = members.size
    total = 0.0
    focused = 0.0
    for i in range(n):
        total += members[i]
        focused += coef[FOCUS, i] * members[i]
    arrest_scale = eta / focused if focused > 0.0 else 0.0
    s_r = 0.0
    s_a = 0.0
    s_d = 0.0
    s_x = 0.0
    fastest = 0.0
    for i in range(n):
        rival = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            rival += weights[k] * members[indices[k]]
        c = members[i]
        r, a, d, x, speed = group_flows(c, rival, total, inv_alliance[i], coef[RHO_MULT, i],
                                        coef[FOCUS, i], coef[THETA_MULT, i], rho,
                                        arrest_scale, theta, omega)
        net[i] = r - a - d - x
        if c > 0.0 and speed > fastest:
            fastest = speed
        s_r += r
        s_a += a
        s_d += d
        s_x += x
        if keep_comps:
            comps[0, i] = r
            comps[1, i] = a
            comps[2, i] = d
            comps[3, i] = x
    sums[0] = s_r
    sums[1] = s_a
    sums[2] = s_d
    sums[3] = s_x
    sums[4] = fastest


@njit(cache=True, fastmath=FASTMATH)
def rk4_week(members, indptr, indices, weights, inv_alliance, rho, eta, theta, omega, coef,
             k_net, k_comps, k_sums, stage, flows, sums):  # pragma: no cover - compiled
    """Classical RK4 over one week from `members` (not changed).

    Writes the week's per-group flows[4, group] and their totals sums[4] (the RK4 quadrature
    of each rate) and returns the fastest per-member rate seen (for the step check).
    Scratch: k_net[4, group], k_comps[4, 4, group], k_sums[4, 5], stage[group].
    """
    n = members.size
    fastest = 0.0
    for s in range(4):
        if s == 0:
            for i in range(n):
                stage[i] = members[i]
        else:
            step = 0.5 if s < 3 else 1.0
            for i in range(n):
                stage[i] = members[i] + step * k_net[s - 1, i]
        _rates_net(stage, indptr, indices, weights, inv_alliance, rho, eta, theta, omega, coef,
                   k_net[s], k_comps[s], k_sums[s], True)
        fastest = max(fastest, k_sums[s, 4])
    for f in range(4):
        sums[f] = (k_sums[0, f] + 2.0 * k_sums[1, f] + 2.0 * k_sums[2, f] + k_sums[3, f]) / 6.0
        for i in range(n):
            flows[f, i] = (k_comps[0, f, i] + 2.0 * k_comps[1, f, i] + 2.0 * k_comps[2, f, i]
                           + k_comps[3, f, i]) / 6.0
    return fastest


@njit(cache=True, parallel=True)
def deterministic_batch(members, rho, eta, theta, omega, coef, jump, indptr, indices,
                        weights, inv_alliance, t_start, weeks, totals, active, group_members,
                        group_flows, status, memory, sched_groups, sched_coef,
                        restart):  # pragma: no cover - compiled
    """Advance runs members[run, group] (in place) from week t_start by `weeks` weeks.

    Rates are per run (shape [run]); coef[run, 3, group] as in the module docstring;
    jump[run, group] members removed at the start of the segment (already subtracted from
    `members`), counted as arrests of its first week. Writes rows t_start+1 ..
    t_start+weeks of totals[run, time, 5], active[run, time] and, when their first axis is
    not empty, group_members[run, time, group] and group_flows[run, time, 4, group]. Runs
    whose status is not OK are skipped. Threads share the runs. `memory` carries the
    multistep history from one segment to the next (see `simulate.Memory`).

    A schedule changes a few groups' coefficients week by week inside the segment:
    week s of the segment uses coef[run, :, sched_groups[j]] = sched_coef[run, s, :, j]
    (written into `coef`, which ends with the last week's values), and restart[s] restarts
    the multistep rule that week, as a new segment would. Empty schedules change nothing.
    """
    net, comps, sums, since = memory
    for r in prange(members.shape[0]):
        _integrate_run(members[r], rho[r], eta[r], theta[r], omega[r], coef[r], jump[r],
                       indptr, indices, weights, inv_alliance, t_start, weeks, totals, active,
                       group_members, group_flows, status, r, net[r], comps[r], sums[r], since,
                       sched_groups, sched_coef[r], restart)


@njit(cache=True)
def deterministic_serial(members, rho, eta, theta, omega, coef, jump, indptr, indices,
                         weights, inv_alliance, t_start, weeks, totals, active, group_members,
                         group_flows, status, memory, sched_groups, sched_coef,
                         restart):  # pragma: no cover - compiled
    """`deterministic_batch` without threads: cheaper for one or two runs."""
    net, comps, sums, since = memory
    for r in range(members.shape[0]):
        _integrate_run(members[r], rho[r], eta[r], theta[r], omega[r], coef[r], jump[r],
                       indptr, indices, weights, inv_alliance, t_start, weeks, totals, active,
                       group_members, group_flows, status, r, net[r], comps[r], sums[r], since,
                       sched_groups, sched_coef[r], restart)


@njit(cache=True, fastmath=FASTMATH)
def _integrate_run(members, rho, eta, theta, omega, coef, jump, indptr, indices, weights,
                   inv_alliance, t_start, weeks, totals, active, group_members, group_flows,
                   status, r, history, comp_hist, sums_hist, since, sched_groups, sched,
                   restart):  # pragma: no cover - compiled
    """One deterministic run over one segment: RK4 for three weeks, then Adams-Bashforth 4.

    RK4 (re)starts the multistep rule after a restart (since[r] == 0: the start, or a jump
    in coefficients or members); otherwise AB4 carries on with the rates remembered from
    earlier weeks, so cutting a horizon into segments that change nothing changes no bit.
    AB4 needs one rate evaluation a week. Both agree with a high-accuracy adaptive solution
    to ~1e-10 relative on the published system (tests). Flows are the same quadrature
    applied to each rate, so each week's change equals the sum of the flows.
    history[4, group], comp_hist[4, 4, group] and sums_hist[4, 5] are ring buffers (slot
    k % 4 holds the rates k weeks after the restart); since[r] counts those weeks.
    """
    if status[r] != STATUS_OK:
        return
    n = members.size
    keep = group_members.shape[0] > 0
    flows = np.zeros((4, n))
    week_sums = np.zeros(4)
    stage = np.zeros(n)
    k_net = np.zeros((4, n))
    k_comps = np.zeros((4, 4, n))
    k_sums = np.zeros((4, 5))
    c0, c1, c2, c3 = _AB4
    k = since[r]
    for step in range(1, weeks + 1):
        t = t_start + step
        apply_schedule(coef, sched_groups, sched, step - 1)
        if step > 1 and restart.size > 0 and restart[step - 1]:
            k = 0
        k += 1
        now, s1, s2, s3 = k % 4, (k - 1) % 4, (k - 2) % 4, (k - 3) % 4
        _rates_net(members, indptr, indices, weights, inv_alliance, rho, eta, theta, omega,
                   coef, history[now], comp_hist[now], sums_hist[now], keep)
        if sums_hist[now, 4] > MAX_RATE_PER_WEEK:
            _fail(STATUS_STEP, totals, active, group_members, group_flows, status, r, t, keep)
            return
        if k <= 3:
            rk4_week(members, indptr, indices, weights, inv_alliance, rho, eta, theta, omega,
                     coef, k_net, k_comps, k_sums, stage, flows, week_sums)
            for i in range(n):
                members[i] += flows[0, i] - flows[1, i] - flows[2, i] - flows[3, i]
        else:
            for f in range(4):
                week_sums[f] = (c0 * sums_hist[now, f] + c1 * sums_hist[s1, f]
                                + c2 * sums_hist[s2, f] + c3 * sums_hist[s3, f])
                if keep:
                    for i in range(n):
                        flows[f, i] = (c0 * comp_hist[now, f, i] + c1 * comp_hist[s1, f, i]
                                       + c2 * comp_hist[s2, f, i] + c3 * comp_hist[s3, f, i])
            for i in range(n):
                members[i] += (c0 * history[now, i] + c1 * history[s1, i]
                               + c2 * history[s2, i] + c3 * history[s3, i])
        if step == 1:
            _add_jump(jump, flows, week_sums)
        for i in range(n):
            if members[i] < 0.0:
                _fail(STATUS_NEGATIVE, totals, active, group_members, group_flows, status, r,
                      t, keep)
                return
        record_week(members, flows, week_sums, totals, active, group_members, group_flows,
                    r, t, keep)
    since[r] = k


@njit(cache=True, inline="always")
def apply_schedule(coef, sched_groups, sched, week):  # pragma: no cover - compiled
    """Write week `week` of a run's schedule sched[week, 3, k] into its coef[3, group]."""
    for j in range(sched_groups.size):
        g = sched_groups[j]
        for c in range(N_COEFFICIENTS):
            coef[c, g] = sched[week, c, j]


@njit(cache=True, inline="always")
def _add_jump(jump, flows, week_sums):  # pragma: no cover - compiled
    """Members removed at the start of a segment count as that week's arrests."""
    for i in range(jump.size):
        flows[1, i] += jump[i]
        week_sums[1] += jump[i]


@njit(cache=True)
def record_week(members, flows, week_sums, totals, active, group_members, group_flows, r, t,
                keep):  # pragma: no cover - compiled
    """Write week t (t >= 1) of run r: national totals always, per-group series when kept."""
    n = members.size
    total = 0.0
    count = 0
    for i in range(n):
        total += members[i]
        if members[i] >= 1.0:
            count += 1
    totals[r, t, 0] = total
    for f in range(4):
        totals[r, t, 1 + f] = week_sums[f]
    active[r, t] = count
    if keep:
        for i in range(n):
            group_members[r, t, i] = members[i]
            for f in range(4):
                group_flows[r, t, f, i] = flows[f, i]


@njit(cache=True)
def _fail(code, totals, active, group_members, group_flows, status, r, start,
          keep):  # pragma: no cover - compiled
    """Mark run r failed from week `start` on: NaN series, active = -1, status = code."""
    status[r] = code
    totals[r, start:, :] = np.nan
    active[r, start:] = -1
    if keep:
        group_members[r, start:, :] = np.nan
        group_flows[r, start:, :, :] = np.nan
