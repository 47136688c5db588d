"""The L1 flows of the world step: rates over the live groups (with lineage rivalry), one
RK4 week, and the integer draws of the stochastic engine (see `world.step`)."""

from __future__ import annotations

import numpy as np
from numba import njit

from cartelsim.engines.kernels import FASTMATH, FOCUS, RHO_MULT, THETA_MULT, group_flows
from cartelsim.engines.lineage import kin_rivalry, lineage_totals
from cartelsim.world import rng
from cartelsim.world.params import (
    P_ENTRANT_RIVALRY,
    P_OMEGA,
    P_RHO,
    P_SPLINTER_RIVALRY,
    P_THETA,
)

# Below this expected number of events a week, a group's events are drawn as one Poisson
# count and split among causes one by one.
_SPLIT_MAX_MEAN = 10.0


@njit(cache=True, fastmath=FASTMATH)
def rates_net(members, live, n_live, root, local, n_base, indptr, indices, weights,
              inv_alliance, p, eta, coef, lineage, entered, rival_of, net, comps, sums,
              keep):  # pragma: no cover - compiled
    """net[i] = r_i - a_i - d_i - x_i over the live groups; sums[0:4] the flows summed,
    sums[4] the fastest per-member rate (step check); comps[4, i] when keep."""
    rho = p[P_RHO]
    theta = p[P_THETA]
    omega = p[P_OMEGA]
    sr = p[P_SPLINTER_RIVALRY]
    er = p[P_ENTRANT_RIVALRY]
    total = lineage_totals(members, live, n_live, root, local, lineage, entered)
    focused = 0.0
    for j in range(n_live):
        i = live[j]
        focused += coef[FOCUS, i] * members[i]
    for b in range(n_base):
        acc = 0.0
        for k in range(indptr[b], indptr[b + 1]):
            acc += weights[k] * lineage[indices[k]]
        rival_of[b] = acc
    arrest_scale = eta / focused if focused > 0.0 else 0.0
    s_r = 0.0
    s_a = 0.0
    s_d = 0.0
    s_x = 0.0
    fastest = 0.0
    for j in range(n_live):
        i = live[j]
        b = root[i]
        c = members[i]
        rival = rival_of[b] + kin_rivalry(c, local[i], lineage[b], entered[b], sr, er)
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
        if keep:
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
def rk4_week(members, live, n_live, root, local, n_base, indptr, indices, weights,
             inv_alliance, p, eta, coef, lineage, entered, rival_of, k_net, k_comps, k_sums,
             stage, flows, sums):  # pragma: no cover - compiled
    """Classical RK4 over one week from `members` (unchanged): per-group flows[4, i] and
    their totals sums[4]; returns the fastest per-member rate seen."""
    fastest = 0.0
    for s in range(4):
        if s == 0:
            for j in range(n_live):
                i = live[j]
                stage[i] = members[i]
        else:
            step = 0.5 if s < 3 else 1.0
            for j in range(n_live):
                i = live[j]
                stage[i] = members[i] + step * k_net[s - 1, i]
        rates_net(stage, live, n_live, root, local, n_base, indptr, indices, weights,
                  inv_alliance, p, eta, coef, lineage, entered, rival_of, k_net[s],
                  k_comps[s], k_sums[s], True)
        fastest = max(fastest, k_sums[s, 4])
    for f in range(4):
        sums[f] = (k_sums[0, f] + 2.0 * k_sums[1, f] + 2.0 * k_sums[2, f] + k_sums[3, f]) / 6.0
        for j in range(n_live):
            i = live[j]
            flows[f, i] = (k_comps[0, f, i] + 2.0 * k_comps[1, f, i] + 2.0 * k_comps[2, f, i]
                           + k_comps[3, f, i]) / 6.0
    return fastest


@njit(cache=True, fastmath=FASTMATH)
def expected_week(members, live, n_live, root, local, n_base, indptr, indices, weights,
                  inv_alliance, p, eta, coef, lineage, entered, ahead_lineage, ahead_entered,
                  rival_of, stage, flows):  # pragma: no cover - compiled
    """The expected flows[4, i] of one classical RK4 week from `members` (unchanged), for
    the stochastic step: the rule of `rk4_week`, fused. Each stage's pass over the live
    groups also accumulates the RK4-weighted flows and builds the next stage (members,
    totals, lineage sums into `ahead_lineage`), so a stage costs one pass over the live
    groups and one over the base rivalry edges, and no stage totals are formed (the draws
    replace them). Rounding differs from `rk4_week` (sums in another order), so the
    deterministic engine keeps `rk4_week`. Returns the fastest per-member rate seen."""
    rho = p[P_RHO]
    theta = p[P_THETA]
    omega = p[P_OMEGA]
    sr = p[P_SPLINTER_RIVALRY]
    er = p[P_ENTRANT_RIVALRY]
    fastest = 0.0
    total = lineage_totals(members, live, n_live, root, local, lineage, entered)
    focused = 0.0
    for j in range(n_live):
        i = live[j]
        c = members[i]
        stage[i] = c
        focused += coef[FOCUS, i] * c
    now, now_entered = lineage, entered
    ahead, ahead_in = ahead_lineage, ahead_entered
    for s in range(4):
        weight = 1.0 if s == 0 or s == 3 else 2.0
        step = 0.5 if s < 2 else 1.0  # the next stage is members + step * (this stage's net)
        for b in range(n_base):
            acc = 0.0
            for k in range(indptr[b], indptr[b + 1]):
                acc += weights[k] * now[indices[k]]
            rival_of[b] = acc
        arrest_scale = eta / focused if focused > 0.0 else 0.0
        stage_total = total
        total = 0.0
        focused = 0.0
        for b in range(n_base if s < 3 else 0):
            ahead[b] = 0.0
            ahead_in[b] = 0.0
        for j in range(n_live):
            i = live[j]
            b = root[i]
            c = stage[i]
            kin = kin_rivalry(c, local[i], now[b], now_entered[b], sr, er)
            r, a, d, x, speed = group_flows(c, rival_of[b] + kin, stage_total,
                                            inv_alliance[i], coef[RHO_MULT, i],
                                            coef[FOCUS, i], coef[THETA_MULT, i], rho,
                                            arrest_scale, theta, omega)
            if c > 0.0 and speed > fastest:
                fastest = speed
            if s == 0:
                flows[0, i] = r
                flows[1, i] = a
                flows[2, i] = d
                flows[3, i] = x
            else:
                flows[0, i] += weight * r
                flows[1, i] += weight * a
                flows[2, i] += weight * d
                flows[3, i] += weight * x
            if s < 3:
                following = members[i] + step * (r - a - d - x)
                stage[i] = following
                total += following
                focused += coef[FOCUS, i] * following
                ahead[b] += following
                if local[i]:
                    ahead_in[b] += following
        now, ahead = ahead, now
        now_entered, ahead_in = ahead_in, now_entered
    for j in range(n_live):
        i = live[j]
        for f in range(4):
            flows[f, i] /= 6.0
    return fastest


@njit(cache=True, inline="always")
def draw_flows(state, m, g, flows):  # pragma: no cover - compiled
    """Integer flows of group g around the expected ones in flows[:, g] (overwritten).

    Recruits, arrests, deaths and exits are independent Poisson counts (losses are rare per
    member per week, so Poisson is the binomial's limit). Below a total mean of
    `_SPLIT_MAX_MEAN` they are drawn as one Poisson count of all events, each event given a
    cause in proportion to the means (Poisson splitting: the same distribution, one
    exponential instead of four); above it as four Poisson counts. Total losses are capped
    at the members present by taking back drawn losses one at a time, each from a cause
    chosen in proportion to the counts."""
    c = m[g]
    e0 = max(flows[0, g], 0.0)
    e1 = max(flows[1, g], 0.0)
    e2 = max(flows[2, g], 0.0)
    e3 = max(flows[3, g], 0.0)
    mean = e0 + e1 + e2 + e3
    recruits = 0
    arrested = 0
    killed = 0
    left = 0
    if mean < _SPLIT_MAX_MEAN:
        # each event's cause without branches (the cause is random, so a branch would be
        # mispredicted about once an event): counts of events below each cut
        cut1 = e0 + e1
        cut2 = cut1 + e2
        events = rng.poisson(state, mean)
        below0 = 0
        below1 = 0
        below2 = 0
        for _ in range(events):
            u = rng.uniform(state) * mean
            below0 += np.int64(u < e0)
            below1 += np.int64(u < cut1)
            below2 += np.int64(u < cut2)
        recruits = below0
        arrested = below1 - below0
        killed = below2 - below1
        left = events - below2
    else:  # a large group: four Poisson counts cost less than splitting a large total
        recruits = rng.poisson(state, e0)
        arrested = rng.poisson(state, e1)
        killed = rng.poisson(state, e2)
        left = rng.poisson(state, e3)
    present = np.int64(c)
    while arrested + killed + left > present:
        pick = rng.uniform(state) * (arrested + killed + left)
        if pick < arrested:
            arrested -= 1
        elif pick < arrested + killed:
            killed -= 1
        else:
            left -= 1
    flows[0, g] = recruits
    flows[1, g] = arrested
    flows[2, g] = killed
    flows[3, g] = left
    m[g] = c - (arrested + killed + left) + recruits
