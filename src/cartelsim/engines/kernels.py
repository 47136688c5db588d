"""Compiled weekly steps (Numba), vectorised over [run, group].

The arithmetic is the one of `rates.l1_flows`, written as loops so that Numba can compile
it: the conflict term uses the sparse rivalry rows plus the rank-one total (see `rates`).
Runs are independent, so the deterministic batch runs them in parallel threads; each run
writes only its own rows, so results do not depend on the number of threads.

Outputs per run and week t (t = 0 is the start): members at t, and the flows over the week
that ends at t (recruits, arrests, deaths, exits; NaN at t = 0). Each week,
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
    STATUS_STEP: "per-member rates exceeded the weekly step's accuracy limit "
    "(0.25 per week); the run stopped there",
    STATUS_NEGATIVE: "a group lost more members than it had within one week "
    "(rates too large for a weekly step); the run stopped there",
}

# Column order of the national totals array.
TOTAL_MEMBERS, TOTAL_RECRUITS, TOTAL_ARRESTS, TOTAL_DEATHS, TOTAL_EXITS = range(5)
FLOW_NAMES = ("recruits", "arrests", "deaths", "exits")


@njit(cache=True, inline="always")
def _rates(members, indptr, indices, weights, inv_alliance, rho, eta, theta, omega,
           recruits, arrests, deaths, exits):  # pragma: no cover - compiled
    """Instantaneous weekly rates of the four flows for one run (arrays of length group)."""
    n = members.size
    total = 0.0
    for i in range(n):
        total += members[i]
    per_member_arrest = eta / total if total > 0.0 else 0.0
    for i in range(n):
        rival = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            rival += weights[k] * members[indices[k]]
        c = members[i]
        recruits[i] = rho * c
        arrests[i] = per_member_arrest * c
        deaths[i] = theta * c * (rival + total - c) * inv_alliance[i]
        exits[i] = omega * c * c


@njit(cache=True)
def rk4_week(members, indptr, indices, weights, inv_alliance, rho, eta, theta, omega,
             week_flows, work):  # pragma: no cover - compiled
    """Advance one run by one week with classical RK4; fill week_flows[4, group].

    The flows are the RK4 quadrature of each rate over the week, so the new state is
    exactly members + recruits - arrests - deaths - exits. `work` is scratch [17, group].
    """
    n = members.size
    stage = work[16]
    for s in range(4):
        if s == 0:
            for i in range(n):
                stage[i] = members[i]
        else:
            step = 0.5 if s < 3 else 1.0
            base = 4 * (s - 1)
            for i in range(n):
                net = work[base, i] - work[base + 1, i] - work[base + 2, i] - work[base + 3, i]
                stage[i] = members[i] + step * net
        b = 4 * s
        _rates(stage, indptr, indices, weights, inv_alliance, rho, eta, theta, omega,
               work[b], work[b + 1], work[b + 2], work[b + 3])
    for f in range(4):
        for i in range(n):
            week_flows[f, i] = (work[f, i] + 2.0 * work[4 + f, i] + 2.0 * work[8 + f, i]
                                + work[12 + f, i]) / 6.0


# Largest per-member rate (per week) for which the weekly step is trusted. Adams-Bashforth 4
# is stable for h*|lambda| up to about 0.3 on the negative real axis; the published system
# stays below 0.02. Faster rates (absurd parameters) stop the run with STATUS_STEP.
MAX_RATE_PER_WEEK = 0.25

# Adams-Bashforth 4 weights for f_n, f_{n-1}, f_{n-2}, f_{n-3} (step h = 1 week).
_AB4 = (55.0 / 24.0, -59.0 / 24.0, 37.0 / 24.0, -9.0 / 24.0)


@njit(cache=True, fastmath=True)
def _rates_net(members, indptr, indices, weights, inv_alliance, rho, eta, theta, omega, net,
               comps, sums, keep_comps):  # pragma: no cover - compiled
    """net[i] = r_i - a_i - d_i - x_i for one run; sums[0:4] = each flow summed over groups.

    sums[4] receives the fastest per-member rate of any group with members (a bound on the
    local Jacobian: rho + eta/TC + theta (M C)_i + 2 omega C_i), to check the step size.

    comps[4, group] receives the per-group flows when keep_comps is set.
    """
    n = members.size
    total = 0.0
    for i in range(n):
        total += members[i]
    per_member = eta / total if total > 0.0 else 0.0
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
        pressure = theta * (rival + total - c) * inv_alliance[i]  # deaths per member
        r = rho * c
        a = per_member * c
        d = pressure * c
        x = omega * c * c
        net[i] = r - a - d - x
        speed = rho + per_member + pressure + 2.0 * omega * c
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


@njit(cache=True, parallel=True)
def deterministic_batch(initial, rho, eta, theta, omega, indptr, indices, weights,
                        inv_alliance, weeks, totals, active, group_members, group_flows,
                        status):  # pragma: no cover - compiled
    """Integrate runs [run, group] for `weeks`; parameters are per run (shape [run]).

    Runs are independent and spread over threads. totals[run, week+1, 5],
    active[run, week+1]; group_members[run, week+1, group] and group_flows[run, week+1, 4,
    group] are filled only when their first axis is not empty.
    """
    runs = initial.shape[0]
    for r in prange(runs):
        _integrate_run(initial[r], rho[r], eta[r], theta[r], omega[r], indptr, indices,
                       weights, inv_alliance, weeks, totals, active, group_members,
                       group_flows, status, r)


@njit(cache=True)
def deterministic_serial(initial, rho, eta, theta, omega, indptr, indices, weights,
                         inv_alliance, weeks, totals, active, group_members, group_flows,
                         status):  # pragma: no cover - compiled
    """`deterministic_batch` without threads: cheaper for one or two runs."""
    for r in range(initial.shape[0]):
        _integrate_run(initial[r], rho[r], eta[r], theta[r], omega[r], indptr, indices,
                       weights, inv_alliance, weeks, totals, active, group_members,
                       group_flows, status, r)


@njit(cache=True, fastmath=True)
def _integrate_run(initial, rho, eta, theta, omega, indptr, indices, weights, inv_alliance,
                   weeks, totals, active, group_members, group_flows, status,
                   r):  # pragma: no cover - compiled
    """One deterministic run: RK4 for the first three weeks, then Adams-Bashforth 4.

    RK4 starts the multistep rule; AB4 then needs one rate evaluation a week. Both agree
    with a high-accuracy adaptive solution to ~1e-10 relative on the published system
    (tests). Flows are the same quadrature applied to each rate, so the week's change in
    members equals recruits - arrests - deaths - exits.
    """
    n = initial.size
    keep = group_members.shape[0] > 0
    members = initial.copy()
    history = np.zeros((4, n))  # ring buffer of net rates, slot t % 4 = newest
    comp_hist = np.zeros((4, 4, n if keep else 0))
    sums_hist = np.zeros((4, 5))
    flows = np.zeros((4, n if keep else 0))
    week_sums = np.zeros(4)
    stage = np.zeros(n)
    k_net = np.zeros((4, n))
    k_comps = np.zeros((4, 4, n if keep else 0))
    k_sums = np.zeros((4, 5))
    _record(members, flows, week_sums, totals, active, group_members, group_flows, r, 0, keep)
    c0, c1, c2, c3 = _AB4
    for t in range(1, weeks + 1):
        now, s1, s2, s3 = t % 4, (t - 1) % 4, (t - 2) % 4, (t - 3) % 4
        _rates_net(members, indptr, indices, weights, inv_alliance, rho, eta, theta, omega,
                   history[now], comp_hist[now], sums_hist[now], keep)
        if sums_hist[now, 4] > MAX_RATE_PER_WEEK:
            status[r] = STATUS_STEP
            _fill_nan(totals, active, group_members, group_flows, r, t, keep)
            return
        if t <= 3:  # classical RK4, reusing the rates just computed as its first stage
            k_net[0, :] = history[now]
            k_sums[0, :] = sums_hist[now]
            if keep:
                k_comps[0] = comp_hist[now]
            for s in range(1, 4):
                step = 0.5 if s < 3 else 1.0
                for i in range(n):
                    stage[i] = members[i] + step * k_net[s - 1, i]
                _rates_net(stage, indptr, indices, weights, inv_alliance, rho, eta, theta,
                           omega, k_net[s], k_comps[s], k_sums[s], keep)
            for f in range(4):
                week_sums[f] = (k_sums[0, f] + 2.0 * k_sums[1, f] + 2.0 * k_sums[2, f]
                                + k_sums[3, f]) / 6.0
                if keep:
                    for i in range(n):
                        flows[f, i] = (k_comps[0, f, i] + 2.0 * k_comps[1, f, i]
                                       + 2.0 * k_comps[2, f, i] + k_comps[3, f, i]) / 6.0
            for i in range(n):
                members[i] += (k_net[0, i] + 2.0 * k_net[1, i] + 2.0 * k_net[2, i]
                               + k_net[3, i]) / 6.0
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
        for i in range(n):
            if members[i] < 0.0:
                status[r] = STATUS_NEGATIVE
                _fill_nan(totals, active, group_members, group_flows, r, t, keep)
                return
        _record(members, flows, week_sums, totals, active, group_members, group_flows, r, t,
                keep)
    status[r] = STATUS_OK


@njit(cache=True, inline="always")
def _record(members, flows, week_sums, totals, active, group_members, group_flows, r, t,
            keep):  # pragma: no cover - compiled
    """Write week t of run r: national totals always, per-group series when kept."""
    n = members.size
    total = 0.0
    count = 0
    for i in range(n):
        total += members[i]
        if members[i] >= 1.0:
            count += 1
    totals[r, t, 0] = total
    for f in range(4):
        totals[r, t, 1 + f] = week_sums[f] if t > 0 else np.nan
    active[r, t] = count
    if keep:
        for i in range(n):
            group_members[r, t, i] = members[i]
            for f in range(4):
                group_flows[r, t, f, i] = flows[f, i] if t > 0 else np.nan


@njit(cache=True)
def _fill_nan(totals, active, group_members, group_flows, r, start,
              keep):  # pragma: no cover - compiled
    totals[r, start:, :] = np.nan
    active[r, start:] = -1
    if keep:
        group_members[r, start:, :] = np.nan
        group_flows[r, start:, :, :] = np.nan


# Below this mean, Poisson counts are drawn by inversion (one uniform, about `mean` steps);
# above it, NumPy's own sampler (PTRS) is used. Numba's small-mean Poisson sampler costs
# ~400 ns a draw at mean 5 against ~15 ns for inversion (measured; see BENCHMARKS.md).
_INVERSION_MAX_MEAN = 10.0
# Losses of at most this many members are split among causes member by member.
_SPLIT_BY_MEMBER_MAX = 16


@njit(cache=True, inline="always")
def _poisson(rng, mean):  # pragma: no cover - compiled
    """A Poisson count with the given mean (exact inversion for small means)."""
    if mean <= 0.0:
        return 0
    if mean >= _INVERSION_MAX_MEAN:
        return rng.poisson(mean)
    u = rng.random()
    k = 0
    p = np.exp(-mean)
    cdf = p
    while u > cdf and p > 0.0:
        k += 1
        p *= mean / k
        cdf += p
    return k


@njit(cache=True, inline="always")
def _split3(rng, n, p_first, p_second):  # pragma: no cover - compiled
    """Split n members among three causes with probabilities p_first, p_second, rest."""
    if n <= _SPLIT_BY_MEMBER_MAX:
        first = 0
        second = 0
        for _ in range(n):
            u = rng.random()
            if u < p_first:
                first += 1
            elif u < p_first + p_second:
                second += 1
        return first, second
    first = rng.binomial(n, p_first)
    rest_p = 1.0 - p_first
    second = rng.binomial(n - first, min(p_second / rest_p, 1.0)) if rest_p > 0.0 else 0
    return first, second


@njit(cache=True, nogil=True)
def stochastic_run(initial, rho, eta, theta, omega, indptr, indices, weights, inv_alliance,
                   weeks, rng, totals, active, group_members, group_flows, r,
                   status):  # pragma: no cover - compiled
    """One stochastic run with integer members, drawing each week's flows from `rng`.

    The expected flows of the week are the deterministic ones (RK4 over the week from the
    current integer state), so both engines share the rate laws and agree in the mean.
    Each flow is a Poisson count with that mean (losses are rare per member per week, so
    Poisson is the binomial's limit); total losses are capped at the members present. An extinct group stays extinct: recruits come only
    through members.
    """
    n = initial.size
    keep = group_members.shape[0] > 0
    members = initial.astype(np.float64)
    work = np.empty((17, n))
    expected = np.empty((4, n))
    drawn = np.zeros((4, n))
    sums = np.zeros(4)
    _record(members, drawn, sums, totals, active, group_members, group_flows, r, 0, keep)
    for t in range(1, weeks + 1):
        rk4_week(members, indptr, indices, weights, inv_alliance, rho, eta, theta, omega,
                 expected, work)
        for f in range(4):
            sums[f] = 0.0
        for i in range(n):
            c = members[i]
            if c <= 0.0:
                for f in range(4):
                    drawn[f, i] = 0.0
                continue
            recruits = float(_poisson(rng, expected[0, i]))
            arrest = max(expected[1, i], 0.0)
            death = max(expected[2, i], 0.0)
            leave = max(expected[3, i], 0.0)
            loss = arrest + death + leave
            # one Poisson draw for all losses, split among causes: the same distribution
            # as three independent Poisson flows (Poisson splitting), with fewer draws
            lost = min(_poisson(rng, loss), np.int64(c)) if loss > 0.0 else 0
            arrested, killed = _split3(rng, lost, arrest / loss, death / loss) if lost > 0 \
                else (0, 0)
            drawn[1, i] = arrested
            drawn[2, i] = killed
            drawn[3, i] = lost - arrested - killed
            left = c - lost
            drawn[0, i] = recruits
            members[i] = left + recruits
            for f in range(4):
                sums[f] += drawn[f, i]
        _record(members, drawn, sums, totals, active, group_members, group_flows, r, t, keep)
    status[r] = STATUS_OK
