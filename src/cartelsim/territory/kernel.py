"""The territory sub-step of the world step: a week's conflict deaths put into states.

Compiled, called once a week per run from `world.step` (sub-step "territory"), on the same
live groups, lineages and rivalry graph as the L1 flows. The L1 conflict term of group i is
sum_j M_ij C_j with M_ij proportional to W_ij + 1: i fights every other group, its rivals
harder. Localised, group i meets group j in state s in proportion to both groups' members
there, so i's deaths of the week go to state s in proportion to

    a_is = p_is (sum_j (W_ij + 1) C_j p_js - C_i p_is)

(p = presence shares of `territory.states`; the C_i term removes i itself). By lineage, as in
`world.flows`: sum_j W_ij C_j p_js = sum_b W_base(root i, b) T_b p_bs + splinter_rivalry
(T_root(i) - C_i) p_root(i),s, with T_b the members of lineage b. A group alone in all its
states puts its deaths where it is (a_is = p_is). The deaths of a week add up over states to
the week's total deaths exactly (to rounding).

Costs per week: O(sum over base groups of rivals x states present + live groups x states
present): presence rows are short (most groups are in one state).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cartelsim.engines.kernels import FASTMATH

DEATHS = 2  # row of the per-group flows array holding conflict deaths


@njit(cache=True)
def territory_scratch(n_base, n_states, n_cells):  # pragma: no cover - compiled
    """Work arrays of one run (lineage totals, members per state, rival pressure per cell,
    weights per state)."""
    return (np.zeros(n_base), np.zeros(n_states), np.zeros(n_cells), np.zeros(n_states))


@njit(cache=True, fastmath=FASTMATH)
def territory_week(r, t, members, live, n_live, root, n_base, indptr, indices, weights,
                   splinter_rivalry, flows, presence, ptr, cols, scratch,
                   state_deaths):  # pragma: no cover - compiled
    """Add run r's conflict deaths of the week ending at date t to state_deaths[r, t, :]."""
    lineage, in_state, rival, share = scratch
    n_states = in_state.size
    for b in range(n_base):
        lineage[b] = 0.0
    for s in range(n_states):
        in_state[s] = 0.0
    for j in range(n_live):
        g = live[j]
        lineage[root[g]] += members[g]
    for b in range(n_base):
        t_b = lineage[b]
        if t_b == 0.0:
            continue
        for k in range(ptr[b], ptr[b + 1]):
            in_state[cols[k]] += t_b * presence[b, cols[k]]
    for b in range(n_base):  # rival pressure of lineage b in each of its states
        if lineage[b] == 0.0:
            continue
        for k in range(ptr[b], ptr[b + 1]):
            s = cols[k]
            acc = 0.0
            for e in range(indptr[b], indptr[b + 1]):
                other = indices[e]
                acc += weights[e] * lineage[other] * presence[other, s]
            rival[k] = acc
    out = state_deaths[r, t]
    for j in range(n_live):
        g = live[j]
        d = flows[DEATHS, g]
        if d == 0.0:
            continue
        b = root[g]
        c = members[g]
        total = 0.0
        for k in range(ptr[b], ptr[b + 1]):
            s = cols[k]
            p = presence[b, s]
            a = p * (rival[k] + in_state[s] - c * p + splinter_rivalry * (lineage[b] - c) * p)
            if a < 0.0:  # rounding when g is alone in s
                a = 0.0
            share[s] = a
            total += a
        for k in range(ptr[b], ptr[b + 1]):
            s = cols[k]
            weight = share[s] / total if total > 0.0 else presence[b, s]
            out[s] += d * weight
