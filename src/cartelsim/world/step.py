"""The world step: one compiled week of the whole group model, for runs side by side.

The order of the sub-steps is declared once, in `STEP_ORDER`, and `describe_step()` lists
it; `_run_weeks` performs them in that order. Every sub-step reads and writes arrays shaped
[run, group] (the group axis is the run's capacity; see `world.state`), and a run only ever
touches its own rows, so a run's results do not depend on the batch, the chunking or the
number of threads. Loops go over each run's live groups only, so a week costs time linear
in the live groups plus the rivalry edges of the base system.

Rivalry follows lineages (DESIGN.md §2 L2: a splinter is a strong rival of its parent and
copies its rivalries). Every group descends from one base group of the System, its root
(a splinter has its parent's; a new group that entered, the lineage it entered in);
W(a, b) = W_base(root a, root b) for different roots and, for two distinct groups of one
lineage, `splinter_rivalry`, or `entrant_rivalry` when either is local (entered, or split
from a group that did). With lineage totals T_b = sum of members over lineage b,

    sum_j W_ij C_j = sum_b W_base(root i, b) T_b + K_i,
    K_i = splinter_rivalry (T_root(i) - C_i)   (no local group in the lineage;
                                                engines.lineage.kin_rivalry in general)

so the conflict term costs O(base edges + live groups). With no split every lineage is one
group, T_b = C_b and K_i is exactly 0: the published model's sums, in its order.

Arithmetic of the flows is that of `engines.kernels` (RK4 for three weeks after a restart,
then Adams-Bashforth 4; the stochastic engine draws counts around one RK4 week); the rate
evaluation and the draws are in `world.flows`, the parameter indices in `world.params`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from cartelsim.engines.kernels import (
    FASTMATH,
    FOCUS,
    MAX_RATE_PER_WEEK,
    MAX_RATE_PER_WEEK_RK4,
    RHO_MULT,
    STATUS_NEGATIVE,
    STATUS_OK,
    STATUS_STEP,
    THETA_MULT,
)
from cartelsim.engines.lineage import kin_rivalry, lineage_totals
from cartelsim.mechanisms.leadership import AT_REST
from cartelsim.territory.kernel import (
    DRUG_SUPPLY,
    PRESSURE,
    STATE_DEATHS,
    territory_income,
    territory_scratch,
    territory_week,
)
from cartelsim.territory.pressure import (
    feedback,
    frozen_a_year,
    prevented,
    prosecuted_a_week,
    visible_share,
)
from cartelsim.world import rng
from cartelsim.world.ends import end_or_keep, record_group, record_totals
from cartelsim.world.flows import draw_flows, expected_week, rates_net, rk4_week
from cartelsim.world.params import (
    F_BRIBE,
    F_BRIBE_HALF,
    F_COST,
    F_DECAY,
    F_GAIN,
    F_MARKET,
    F_MONEY_ON,
    F_PAYROLL,
    F_PROTECTION_ON,
    F_RESERVE,
    F_REVERSAL,
    F_SHARE_EXPONENT,
    F_WAGE,
    P_CAPACITY_MAX,
    P_CLARITY,
    P_CONSOLIDATED,
    P_END_MEMBERS,
    P_ENTRANT_RIVALRY,
    P_ENTRY_MEMBERS,
    P_ENTRY_RATE,
    P_ETA,
    P_EXPONENT,
    P_FRACTION,
    P_HAZARD,
    P_KAPPA_C,
    P_KAPPA_R,
    P_MIN_SPLIT,
    P_PRESSURE_ARRESTS,
    P_PRESSURE_RATE,
    P_RECOVERY,
    P_SETTLED,
    P_SPLINTER_INTEGRITY,
    P_SPLINTER_RIVALRY,
    P_THETA,
    P_VISIBILITY,
)

# ---------------------------------------------------------------- the declared order
STEP_ORDER: tuple[tuple[str, str], ...] = (
    ("targets", "resolve state-dependent targets ('the N largest', of every group or of one "
                "lineage) of actions starting this week, from members at the start of the week"),
    ("recovery", "command integrity recovers exactly over the week just ended, "
                 "L <- 1 - (1 - L) exp(-integrity_recovery); a contest ends at L >= 0.9"),
    ("finance", "money and protection move one week (when switched on), from members at the "
                "start of the week and the freezes and prosecutions that held the week before: "
                "K += (1 - c) income - wages - bribes - seized - K / reserve_weeks (c: "
                "operating_cost_share; with territory, "
                "income = other revenue by size + the drug revenue of the tonnes moved north "
                "from the group's origin states, territory.kernel.territory_income); "
                "P += gain b/(b + b_half) (1 - P) - (decay + prosecution) P"),
    ("conditions", "conditional schedules (when = {...}): each is checked on the run's state "
                   "at the start of the week: national homicides (the conflict law at these "
                   "members under the unconditional conflict factors), U.S. pressure from the "
                   "unconditional interventions, members of a group; a one-off without "
                   "every_weeks happens once, in the first week it holds"),
    ("leader_removals", "scheduled leader removals (RemoveLeader effects): success with "
                        "probability chance x (1 - P); integrity x (1 - delta) (settled: x (1 - factor delta)); "
                        "succession settled, contested or uncertain (settled w.p. clarity)"),
    ("pressure", "U.S. pressure u: Poisson(pressure_hvt_rate u) captures, aimed without "
                 "replacement with weights C^visibility_exponent (1 - P), success 1 - P, "
                 "succession uncertain (with territory: u = (scheduled + feedback state) x "
                 "state_visible_weight, territory.pressure)"),
    ("splits", "each contested group with at least split_min_members splits with probability "
               "1 - exp(-h0 (1 - L)^gamma): a new group of its lineage takes split_fraction "
               "of its members, money and alliance strength and its parent's protection, "
               "starts at splinter_integrity"),
    ("entry", "Poisson(entry_rate) new local groups enter (none at rate 0); each arises in "
              "the lineage of a live group drawn in proportion to members (a lineage in "
              "proportion to its members: it arises in that lineage's territory and fights "
              "the lineage at entrant_rivalry, its other rivals as the lineage's), with "
              "entry_members new recruits "
              "(counted as recruits of the week), integrity 1, with money on the payroll "
              "reserve of its members (payroll_weeks x member_wage x its members: it "
              "recruits at the full rate at birth, then lives on its income), no "
              "protection or alliances, parent -1 and its birth week"),
    ("sweeps", "RemoveMembers effects (arrest sweeps) remove a share of the targets' members "
               "at once (counted as arrests of the week)"),
    ("rates", "per-group multipliers: policy (ScaleGroupRate on the targets, ScaleRate on "
              "the country: eta, or rho and theta of every group; with territory the "
              "structural answer to pressure, recruitment x (1 - pressure_structural_gain "
              "(1 - v) u)), then money (recruitment x min(1, K / (payroll_weeks w C))) and "
              "protection (arrest focus x (1 - P)), then leadership (conflict x "
              "(1 + kappa_c (1 - L)), recruitment x (1 - kappa_r (1 - L)))"),
    ("flows", "recruits, arrests, conflict deaths and exits over the week (L1 rate laws): "
              "RK4 / Adams-Bashforth 4, or Poisson counts around one RK4 week"),
    ("territory", "when switched on (territory.kernel): the week's supply takes the routes to "
                  "the border by a logit on cost (crackdowns raise a crossing's cost and "
                  "seizures), giving flow_north per crossing; each group's conflict deaths go "
                  "to the states where it meets its rivals, more where diverted traffic runs"),
    ("ends", "a group with fewer than group_end_members members ends (its remainder counted "
             "as exits); its end week is recorded"),
    ("record", "members, flows, integrity, removals and splits of the week are written "
               "(per group, per lineage or national totals only: the scenario's "
               "run.record)"),
)


def describe_step() -> str:
    """The weekly step's sub-steps, in order, one per line."""
    return "\n".join(f"{k + 1:2d}. {name}: {what}" for k, (name, what) in enumerate(STEP_ORDER))


# ---------------------------------------------------------------- codes shared with Python
STATUS_CAPACITY = 4  # the group axis reached group_capacity_max
STATUS_PAUSED = -1  # internal: the run needs a larger group axis; the driver grows it

# effect types (interventions.effects; schedule.effect_code maps each effect to one)
E_SCALE_GROUP, E_SCALE_NATIONAL, E_REMOVE_MEMBERS, E_REMOVE_LEADER, E_FREEZE, \
    E_CUT_PROTECTION, E_PRESSURE = range(7)
E_ELSEWHERE = 7  # an effect read outside the step's loops (route costs: territory.corridors)
# national rates E_SCALE_NATIONAL scales (its `which`)
N_RHO, N_ETA, N_THETA = range(3)
# targets
T_EVERYONE, T_GROUPS, T_RIVALS, T_LARGEST = range(4)
# successions
S_SETTLED, S_CONTESTED, S_UNCERTAIN = range(3)


_AB4 = (55.0 / 24.0, -59.0 / 24.0, 37.0 / 24.0, -9.0 / 24.0)


# ---------------------------------------------------------------- targets
@njit(cache=True)
def _largest(members, live, n_live, count, out, lineage, root):  # pragma: no cover
    """The `count` live groups with most members (ties: lower index first) into out[:count];
    returns how many were written. With lineage >= 0 only the groups whose root is
    `lineage` compete (a target {largest = N, lineage = ...})."""
    n = 0
    values = np.empty(n_live)
    among = np.empty(n_live, dtype=np.int64)
    for j in range(n_live):
        g = live[j]
        if lineage < 0 or root[g] == lineage:
            values[n] = -members[g]
            among[n] = g
            n += 1
    m = min(count, n)
    order = np.argsort(values[:n], kind="mergesort")
    for k in range(m):
        out[k] = among[order[k]]
    return m


@njit(cache=True, inline="always")
def _hits(kind, g, root, base_mask, ref, n_base):  # pragma: no cover - compiled
    """Whether group g is a fixed target (everyone, named groups, rivals of `ref`)."""
    if kind == T_EVERYONE:
        return True
    if kind == T_GROUPS:
        return g < n_base and base_mask[g] != 0
    if kind == T_RIVALS:  # W(ref, g) > 0 under the lineage rule
        b = root[g]
        return base_mask[b] != 0 or (b == ref and g != ref)
    return False


@njit(cache=True, inline="always")
def _event_week(first, last, every, w):  # pragma: no cover - compiled
    if w < first or w >= last:
        return False
    if every == 0:
        return w == first
    return (w - first) % every == 0


@njit(cache=True, inline="always")
def _happens(it, w, first, last, every, conditional, trigger, held):  # pragma: no cover
    """Whether one-off row `it` happens at week w (a conditional one only where it held)."""
    if conditional[it] != 0:
        if not held[it]:
            return False
        if trigger[it] != 0:  # held only in the window, once
            return True
    return _event_week(first[it], last[it], every[it], w)


@njit(cache=True, inline="always")
def _acts(it, w, first, last, conditional, held):  # pragma: no cover - compiled
    """Whether lasting row `it` acts in week w (a conditional one only where it held)."""
    return first[it] <= w < last[it] and (conditional[it] == 0 or held[it])


# ---------------------------------------------------------------- conditions
@njit(cache=True)
def _national_homicides(r, w, m, row_live, nl, root, local, n_base, indptr, indices,
                        weights, inv_alliance, p, sched, resolved, end, lineage, entered,
                        rival_of, factor):  # pragma: no cover - compiled
    """National homicides per week at members m: the conflict law theta_i C_i (M C)_i under
    the conflict factors of the lasting effects without a condition (no succession fights),
    over victim_member_share, times homicide_share_of_victims (interventions.conditions)."""
    (kind, which, value, _, once, first, last, _, target, mask, ref, _, _, _, _,
     conditional, _, _, _, _, _, per_death) = sched
    theta = p[P_THETA]
    for j in range(nl):
        factor[row_live[j]] = 1.0
    for it in range(kind.size):
        if conditional[it] != 0 or once[it] != 0 or not first[it] <= w < last[it]:
            continue
        if kind[it] == E_SCALE_NATIONAL and which[it] == N_THETA:
            theta *= value[it]
        elif kind[it] == E_SCALE_GROUP and which[it] == THETA_MULT:
            if target[it] == T_LARGEST:
                for k in range(resolved.shape[2]):
                    g = resolved[r, it, k]
                    if g >= 0 and end[g] < 0:
                        factor[g] *= value[it]
            else:
                for j in range(nl):
                    g = row_live[j]
                    if _hits(target[it], g, root, mask[it], ref[it], n_base):
                        factor[g] *= value[it]
    total = lineage_totals(m, row_live, nl, root, local, lineage, entered)
    for b in range(n_base):
        acc = 0.0
        for k in range(indptr[b], indptr[b + 1]):
            acc += weights[k] * lineage[indices[k]]
        rival_of[b] = acc
    deaths = 0.0
    for j in range(nl):
        g = row_live[j]
        b = root[g]
        c = m[g]
        rival = rival_of[b] + kin_rivalry(c, local[g], lineage[b], entered[b],
                                          p[P_SPLINTER_RIVALRY], p[P_ENTRANT_RIVALRY])
        deaths += theta * factor[g] * c * (rival + total - c) * inv_alliance[g]
    return deaths / per_death[0] * per_death[1]


@njit(cache=True)
def _conditions(r, w, m, row_live, nl, root, local, n_base, indptr, indices, weights,
                inv_alliance, p, sched, resolved, end, held, fired, lineage, entered, rival_of,
                factor, chosen):  # pragma: no cover - compiled
    """held[r, it] for week w: whether each conditional row's `when` holds on run r's state
    (see interventions.conditions); a trigger holds once, and then fired[r, it] is set."""
    (kind, _, value, _, _, first, last, _, target, mask, ref, largest, _, _, _,
     conditional, trigger, homicides_above, pressure_above, any_above, group_above,
     _) = sched
    needs_homicides = False
    pressure = 0.0  # U.S. pressure of the interventions without a condition
    for it in range(kind.size):
        if not first[it] <= w < last[it]:
            continue
        if conditional[it] != 0 and homicides_above[it] >= 0.0:
            needs_homicides = True
        if conditional[it] == 0 and kind[it] == E_PRESSURE:
            pressure += value[it]
    homicides = 0.0
    if needs_homicides:
        homicides = _national_homicides(r, w, m, row_live, nl, root, local, n_base, indptr,
                                        indices, weights, inv_alliance, p, sched, resolved,
                                        end, lineage, entered, rival_of, factor)
    for it in range(kind.size):
        if conditional[it] == 0:
            continue
        ok = (first[it] <= w < last[it] and homicides > homicides_above[it]
              and pressure > pressure_above[it])
        if ok and any_above[it] >= 0.0:  # an action on the whole country: any group
            ok = False
            for j in range(nl):
                if m[row_live[j]] > any_above[it]:
                    ok = True
                    break
        if ok and trigger[it] != 0:
            if fired[r, it]:
                ok = False
            elif group_above[it] >= 0.0:  # fires when one of its targets is above
                ok = False
                if target[it] == T_LARGEST:
                    got = _largest(m, row_live, nl, largest[it], chosen, ref[it], root)
                    for k in range(got):
                        if m[chosen[k]] > group_above[it]:
                            ok = True
                else:
                    for j in range(nl):
                        g = row_live[j]
                        if _hits(target[it], g, root, mask[it], ref[it], n_base) and \
                                m[g] > group_above[it]:
                            ok = True
            if ok:
                fired[r, it] = True
        held[r, it] = ok


# ---------------------------------------------------------------- leadership
@njit(cache=True)
def _remove(r, g, w, purpose, key, chance, delta, succession, clarity, p, integrity,
            contested, state):  # pragma: no cover - compiled
    """One removal operation on group g; returns 1 if it succeeded (draws into `state`)."""
    rng.start(key, w, g, purpose, state)
    if not rng.uniform(state) < chance:
        return 0
    if succession == S_CONTESTED:
        hard = True
    elif succession == S_SETTLED:
        hard = False
    else:
        hard = rng.uniform(state) >= clarity
    loss = delta if hard else delta * p[P_SETTLED]
    integrity[r, g] *= 1.0 - loss
    if hard:
        contested[r, g] = True
    return 1


# ---------------------------------------------------------------- entry
@njit(cache=True)
def _entrants(key, w, m, row_live, nl, root, rate, state, entering):  # pragma: no cover
    """How many new groups enter in week w (Poisson(rate)), and the lineage of each into
    entering[k] (as far as it has room; a run without room pauses before using them).

    A lineage is drawn in proportion to its members, by drawing a live group in proportion
    to members and taking its root: new local groups arise where a lineage's people and
    territory are. Draws are keyed (run, week, PURPOSE_ENTRY), one stream for the week."""
    rng.start(key, w, -1, rng.PURPOSE_ENTRY, state)
    count = rng.poisson(state, rate)
    total = 0.0
    for j in range(nl):
        total += max(m[row_live[j]], 0.0)
    for k in range(count):
        aim = rng.uniform(state) * total
        acc = 0.0
        pick = row_live[0] if nl > 0 else 0
        for j in range(nl):
            g = row_live[j]
            if m[g] > 0.0:
                acc += m[g]
                pick = g
                if aim < acc:
                    break
        if k < entering.size:
            entering[k] = root[pick]
    return count


# ---------------------------------------------------------------- one run
@njit(cache=True, fastmath=FASTMATH)
def _run_weeks(r, weeks, stochastic, keep, p, fin, base, sched, st, out,
               delta_pressure, terr):  # pragma: no cover - compiled
    """Advance run r from st.week[r] to `weeks` (or until it pauses or fails)."""
    indptr, indices, weights, n_base = base
    (it_kind, it_which, it_value, it_item, it_once, it_first, it_last, it_every, it_target,
     it_mask, it_ref, it_largest, it_delta, it_succession, it_clarity, c_on, c_trigger, _, _,
     _, c_group, _) = sched
    (members, integrity, contested, alliance, root, parent, birth, end, live, n_live, n_used,
     week, status, need, resolved, keys_demo, keys_events, keys_sweep, hist_net, hist_comps,
     hist_sums, since, prev_coef, prev_eta, jumped, phase, money, protection, was_calm,
     intact, held, fired, local) = st
    (totals, active, g_members, g_flows, g_integrity, g_transfers, hvt, splits, g_money,
     g_protection, seizures, g_lineages) = out
    by_lineage = g_lineages.shape[0] > 0  # record = "lineages"
    territory_on = terr[STATE_DEATHS].shape[0] > 0  # [run, time, state], empty when off
    comps = keep or territory_on  # per-group flows of every week (territory reads deaths)
    t_scratch = territory_scratch(n_base, terr[0].shape[1], terr[2].size, terr[4].size,
                                  terr[7].size, terr[10].shape[1], terr[DRUG_SUPPLY].size)
    money_on = fin[F_MONEY_ON] != 0.0
    protection_on = fin[F_PROTECTION_ON] != 0.0
    keep_finance = keep and g_money.shape[0] > 0
    cap = members.shape[1]
    drug_income = np.zeros(cap)  # territory: revenue from the tonnes moved north
    n_items = it_kind.size
    lineage = np.zeros(n_base)  # members of each lineage (engines.lineage.lineage_totals)
    entered_lineage = np.zeros(n_base)  # ... of its local groups
    ahead_lineage = np.zeros(n_base)
    ahead_entered = np.zeros(n_base)
    rival_of = np.zeros(n_base)
    coef = np.ones((3, cap))
    flows = np.zeros((4, cap))
    week_sums = np.zeros(4)
    stage = np.zeros(cap)
    k_net = np.zeros((4, cap))
    k_comps = np.zeros((4, 4, cap))
    k_sums = np.zeros((4, 5))
    jump = np.zeros(cap)
    fraction = np.zeros(cap)
    chosen = np.zeros(cap, dtype=np.int64)
    splitting = np.zeros(cap, dtype=np.int64)
    entering = np.zeros(cap, dtype=np.int64)  # lineage of each entrant of the week
    entered = np.zeros(cap)  # members each group entered with this week (recruits)
    weight = np.zeros(cap)
    inv_alliance = np.zeros(cap)
    exposure = np.ones(cap)  # 1 - P: the share of the state's action that reaches a group
    freeze = np.zeros(cap)
    prosecution = np.zeros(cap)
    # members of each group at the start of the week, for conditions on a group's size
    # (0 for a splinter in its first week); only kept when a row has such a condition
    m_cond = np.zeros(cap)
    by_size = False
    any_condition = False
    for it in range(n_items):
        if c_on[it] != 0:
            any_condition = True
        if c_group[it] >= 0.0:
            by_size = True
    held_r = held[r]
    state = np.zeros(1, dtype=np.uint64)  # the keyed generator (see rng)
    draw = np.zeros(1, dtype=np.uint64)  # a second one for removals within the pressure step
    c0, c1, c2, c3 = _AB4
    row_live = live[r]
    m = members[r]
    for g in range(n_used[r]):
        inv_alliance[g] = 1.0 / (alliance[r, g] + 1.0)
    while week[r] < weeks:
        w = week[r]
        nl = n_live[r]
        for j in range(nl if by_size else 0):  # a resumed week has not moved members yet
            m_cond[row_live[j]] = m[row_live[j]]
        if phase[r] == 0:
            # 1 targets
            for it in range(n_items):
                if it_target[it] == T_LARGEST and it_first[it] == w and it_once[it] == 0:
                    got = _largest(m, row_live, nl, it_largest[it], chosen, it_ref[it],
                                   root[r])
                    for k in range(resolved.shape[2]):
                        resolved[r, it, k] = chosen[k] if k < got else -1
            # 2 recovery (nothing to do while every command is intact)
            if w > 0 and not intact[r]:
                decay = math.exp(-p[P_RECOVERY])
                unsettled = False
                for j in range(nl):
                    g = row_live[j]
                    level = integrity[r, g]
                    if level != 1.0:
                        level = 1.0 - (1.0 - level) * decay
                        if 1.0 - level <= AT_REST:
                            level = 1.0
                        integrity[r, g] = level
                    if contested[r, g] and not level < p[P_CONSOLIDATED]:
                        contested[r, g] = False
                    if level != 1.0 or contested[r, g]:
                        unsettled = True
                intact[r] = not unsettled
            # 3 money and protection
            if money_on or protection_on:
                if w > 0:
                    if territory_on:
                        territory_income(w, m, row_live, nl, root[r], local[r], n_base, terr,
                                         t_scratch, drug_income)
                    _finance_week(r, w, m, row_live, nl, root[r], n_base, fin, money,
                                  protection, freeze, prosecution, seizures, resolved,
                                  it_kind, it_value, it_first, it_last, it_target, it_mask,
                                  it_ref, end[r], c_on, c_group, held_r, m_cond, drug_income,
                                  weight, terr)  # weight: free until the pressure step
                for j in range(nl):
                    g = row_live[j]
                    exposure[g] = 1.0 - protection[r, g] if protection_on else 1.0
                    if keep_finance:
                        g_money[r, w, g] = money[r, g]
                        g_protection[r, w, g] = protection[r, g]
            # 4 conditions
            if any_condition:
                _conditions(r, w, m, row_live, nl, root[r], local[r], n_base, indptr, indices,
                            weights, inv_alliance, p, sched, resolved, end[r], held, fired,
                            lineage, entered_lineage, rival_of, weight, chosen)
            # 5 scheduled leader removals
            for it in range(n_items):
                if it_kind[it] != E_REMOVE_LEADER or not _happens(
                        it, w, it_first, it_last, it_every, c_on, c_trigger, held_r):
                    continue
                purpose = 16 + it_item[it]  # draws keyed by the intervention, not the row
                if it_target[it] == T_LARGEST:
                    got = _largest(m, row_live, nl, it_largest[it], chosen, it_ref[it],
                                   root[r])
                    for k in range(got):
                        if not m_cond[chosen[k]] > c_group[it]:
                            continue
                        hvt[r, w] += _remove(r, chosen[k], w, purpose, keys_events[r],
                                             it_value[it] * exposure[chosen[k]],
                                             it_delta[it], it_succession[it],
                                             it_clarity[it], p, integrity, contested, draw)
                else:
                    for j in range(nl):
                        g = row_live[j]
                        if _hits(it_target[it], g, root[r], it_mask[it], it_ref[it],
                                 n_base) and m_cond[g] > c_group[it]:
                            hvt[r, w] += _remove(r, g, w, purpose, keys_events[r],
                                                 it_value[it] * exposure[g], it_delta[it],
                                                 it_succession[it], it_clarity[it], p,
                                                 integrity, contested, draw)
            # 6 pressure-driven operations
            u = 0.0
            for it in range(n_items):
                if it_kind[it] == E_PRESSURE and _acts(it, w, it_first, it_last, c_on, held_r):
                    u += it_value[it]
            u = (u + feedback(r, w, terr)) * visible_share(terr)  # territory: reacting u
            if u > 0.0:
                rng.start(keys_events[r], w, -1, rng.PURPOSE_PRESSURE, state)
                count = rng.poisson(state, p[P_PRESSURE_RATE] * u)
                total_weight = 0.0
                positive = 0
                for j in range(nl):
                    g = row_live[j]
                    weight[j] = max(m[g], 0.0) ** p[P_VISIBILITY] * exposure[g]
                    total_weight += weight[j]
                    if weight[j] > 0.0:
                        positive += 1
                picks = min(count, positive)
                for _ in range(picks):
                    target = rng.uniform(state) * total_weight
                    acc = 0.0
                    pick = -1
                    for j in range(nl):
                        if weight[j] > 0.0:
                            acc += weight[j]
                            pick = j
                            if target < acc:
                                break
                    total_weight -= weight[pick]
                    weight[pick] = 0.0
                    hvt[r, w] += _remove(r, row_live[pick], w, rng.PURPOSE_PRESSURE,
                                         keys_events[r], exposure[row_live[pick]],
                                         delta_pressure, S_UNCERTAIN, p[P_CLARITY], p,
                                         integrity, contested, draw)
            if hvt[r, w] > 0.0:
                intact[r] = False
            phase[r] = 1
        # 7 splits (decided first, so a run that needs room pauses before changing anything)
        n_split = 0
        for j in range(0 if intact[r] else nl):
            g = row_live[j]
            if not contested[r, g] or m[g] < p[P_MIN_SPLIT]:
                continue
            hazard = p[P_HAZARD] * (1.0 - integrity[r, g]) ** p[P_EXPONENT]
            rng.start(keys_events[r], w, g, rng.PURPOSE_SPLIT, state)
            if rng.uniform(state) < 1.0 - math.exp(-hazard):
                splitting[n_split] = g
                n_split += 1
        # 8 entry (decided with the splits, from the same members, before anything moves)
        n_entry = 0
        if p[P_ENTRY_RATE] > 0.0:
            n_entry = _entrants(keys_events[r], w, m, row_live, nl, root[r], p[P_ENTRY_RATE],
                                state, entering)
        if n_used[r] + n_split + n_entry > cap:
            if n_used[r] + n_split + n_entry > p[P_CAPACITY_MAX]:
                _fail(r, w, STATUS_CAPACITY, status, totals, active, keep, g_members, g_flows,
                      g_integrity)
                return
            status[r] = STATUS_PAUSED
            need[r] = n_used[r] + n_split + n_entry
            return
        phase[r] = 0
        for k in range(n_split):
            g = splitting[k]
            s = n_used[r]
            moved = p[P_FRACTION] * m[g]
            if stochastic:
                moved = math.floor(moved)
            share = moved / m[g] if m[g] != 0.0 else 0.0
            cash = money[r, g] * share
            money[r, g] -= cash
            money[r, s] = cash
            protection[r, s] = protection[r, g]
            m[g] -= moved
            m[s] = moved
            integrity[r, s] = p[P_SPLINTER_INTEGRITY]
            contested[r, s] = False
            contested[r, g] = False
            root[r, s] = root[r, g]
            local[r, s] = local[r, g]
            parent[r, s] = g
            birth[r, s] = w
            end[r, s] = -1
            alliance[r, s] = p[P_FRACTION] * alliance[r, g]
            inv_alliance[s] = 1.0 / (alliance[r, s] + 1.0)
            row_live[nl] = s
            nl += 1
            n_used[r] = s + 1
            splits[r, w] += 1
            if keep:
                g_transfers[r, w + 1, g] -= moved
                g_transfers[r, w + 1, s] += moved
            jumped[r] = True
        for j in range(nl if n_entry > 0 else 0):
            entered[row_live[j]] = 0.0
        for k in range(n_entry):
            s = n_used[r]
            c = p[P_ENTRY_MEMBERS]
            m[s] = math.floor(c) if stochastic else c
            entered[s] = m[s]
            if money_on:  # the payroll reserve of its members: solvent at birth
                money[r, s] = fin[F_PAYROLL] * fin[F_WAGE] * m[s]
            integrity[r, s] = 1.0
            contested[r, s] = False
            root[r, s] = entering[k]
            local[r, s] = True
            parent[r, s] = -1
            birth[r, s] = w
            end[r, s] = -1
            alliance[r, s] = 0.0
            inv_alliance[s] = 1.0
            row_live[nl] = s
            nl += 1
            n_used[r] = s + 1
            jumped[r] = True
        n_live[r] = nl
        # 9 sweeps
        any_sweep = False
        for it in range(n_items):
            if it_kind[it] == E_REMOVE_MEMBERS and _happens(it, w, it_first, it_last,
                                                            it_every, c_on, c_trigger, held_r):
                any_sweep = True
        if any_sweep:
            for j in range(nl):
                fraction[row_live[j]] = 0.0
        for it in range(n_items if any_sweep else 0):
            if it_kind[it] != E_REMOVE_MEMBERS or not _happens(
                    it, w, it_first, it_last, it_every, c_on, c_trigger, held_r):
                continue
            e = it_value[it]
            if it_target[it] == T_LARGEST:
                got = _largest(m, row_live, nl, it_largest[it], chosen, it_ref[it], root[r])
                for k in range(got):
                    g = chosen[k]
                    if m_cond[g] > c_group[it]:
                        fraction[g] = fraction[g] + e - fraction[g] * e
            else:
                for j in range(nl):
                    g = row_live[j]
                    if _hits(it_target[it], g, root[r], it_mask[it], it_ref[it], n_base) \
                            and m_cond[g] > c_group[it]:
                        fraction[g] = fraction[g] + e - fraction[g] * e
        for j in range(nl if any_sweep else 0):
            g = row_live[j]
            jump[g] = 0.0
            if fraction[g] > 0.0:
                if stochastic:
                    rng.start(keys_sweep[r], w, g, rng.PURPOSE_SWEEP, state)
                    jump[g] = float(rng.binomial(state, np.int64(m[g]), fraction[g]))
                else:
                    jump[g] = m[g] * fraction[g]
                m[g] -= jump[g]
                if jump[g] != 0.0:
                    jumped[r] = True
        # 10 rates: policy, money and protection, leadership
        eta = p[P_ETA]
        # a calm week (no lasting policy, no money or protection, every command intact) has
        # all multipliers 1: nothing to rebuild, the restart test only looks at jumps
        calm = not (money_on or protection_on) and feedback(r, w, terr) == 0.0
        for it in range(n_items if calm else 0):
            a = it_kind[it]
            if (a == E_SCALE_GROUP or a == E_SCALE_NATIONAL) and \
                    _acts(it, w, it_first, it_last, c_on, held_r):
                calm = False
                break
        for j in range(nl if calm and not intact[r] else 0):
            if integrity[r, row_live[j]] != 1.0:
                calm = False
                break
        restart = jumped[r]
        if calm and not was_calm[r]:  # multipliers back to 1
            for j in range(nl):
                g = row_live[j]
                for c in range(3):
                    if prev_coef[r, c, g] != 1.0:
                        restart = True
                    coef[c, g] = 1.0
                    prev_coef[r, c, g] = 1.0
        for j in range(0 if calm else nl):
            g = row_live[j]
            coef[RHO_MULT, g] = 1.0
            coef[THETA_MULT, g] = 1.0
            coef[FOCUS, g] = 1.0
        u_scheduled = 0.0
        for it in range(0 if calm else n_items):
            a = it_kind[it]
            if a == E_PRESSURE and _acts(it, w, it_first, it_last, c_on, held_r):
                u_scheduled += it_value[it]
            if a != E_SCALE_GROUP and a != E_SCALE_NATIONAL:
                continue
            if not _acts(it, w, it_first, it_last, c_on, held_r):
                continue
            factor = it_value[it]
            if a == E_SCALE_NATIONAL:
                if it_which[it] == N_ETA:
                    eta = eta * factor
                else:  # rho or theta of every group: its per-group multiplier
                    c = RHO_MULT if it_which[it] == N_RHO else THETA_MULT
                    for j in range(nl):
                        coef[c, row_live[j]] *= factor
                continue
            c = it_which[it]
            if it_target[it] == T_LARGEST:
                for k in range(resolved.shape[2]):
                    g = resolved[r, it, k]
                    if g >= 0 and end[r, g] < 0 and m_cond[g] > c_group[it]:
                        coef[c, g] *= factor
            else:
                for j in range(nl):
                    g = row_live[j]
                    if _hits(it_target[it], g, root[r], it_mask[it], it_ref[it], n_base) \
                            and m_cond[g] > c_group[it]:
                        coef[c, g] *= factor
        if not calm and territory_on:  # U.S. pressure's feedback and the structural answer
            u_f = feedback(r, w, terr)
            eta = eta * (1.0 + p[P_PRESSURE_ARRESTS] * u_f * visible_share(terr))
            cut = prevented(u_scheduled + u_f, terr)
            for j in range(nl if cut > 0.0 else 0):
                coef[RHO_MULT, row_live[j]] *= 1.0 - cut
        if not calm and (money_on or protection_on):
            payroll_weeks = fin[F_PAYROLL] * fin[F_WAGE]
            for j in range(nl):
                g = row_live[j]
                if money_on:
                    payroll = payroll_weeks * m[g]
                    coef[RHO_MULT, g] *= min(1.0, money[r, g] / payroll) if payroll > 0.0 \
                        else 1.0
                if protection_on:
                    coef[FOCUS, g] *= 1.0 - protection[r, g]
        for j in range(0 if calm else nl):
            g = row_live[j]
            lost = 1.0 - integrity[r, g]
            coef[THETA_MULT, g] *= 1.0 + p[P_KAPPA_C] * lost
            coef[RHO_MULT, g] *= 1.0 - p[P_KAPPA_R] * lost
        if keep:
            for j in range(nl):
                g = row_live[j]
                g_integrity[r, w, g] = integrity[r, g]
        for j in range(0 if calm else nl):
            g = row_live[j]
            for c in range(3):
                if coef[c, g] != prev_coef[r, c, g]:
                    restart = True
                prev_coef[r, c, g] = coef[c, g]
        was_calm[r] = calm
        if eta != prev_eta[r]:  # after the policy changed it
            restart = True
        prev_eta[r] = eta
        jumped[r] = False
        # 11 flows
        t = w + 1
        if stochastic:
            fastest = expected_week(m, row_live, nl, root[r], local[r], n_base, indptr,
                                    indices, weights, inv_alliance, p, eta, coef, lineage,
                                    entered_lineage, ahead_lineage, ahead_entered, rival_of,
                                    stage, flows)
            if fastest > MAX_RATE_PER_WEEK_RK4:
                _fail(r, t, STATUS_STEP, status, totals, active, keep, g_members, g_flows,
                      g_integrity)
                return
            demography = rng.week_key(keys_demo[r], w, rng.PURPOSE_DEMOGRAPHY)
            for j in range(nl):
                g = row_live[j]
                rng.start_group(demography, g, state)
                draw_flows(state, m, g, flows)
        else:
            k = since[r]
            if restart:
                k = 0
            k += 1
            now, s1, s2, s3 = k % 4, (k - 1) % 4, (k - 2) % 4, (k - 3) % 4
            rates_net(m, row_live, nl, root[r], local[r], n_base, indptr, indices, weights,
                      inv_alliance, p, eta, coef, lineage, entered_lineage, rival_of,
                      hist_net[r, now], hist_comps[r, now], hist_sums[r, now], comps)
            if hist_sums[r, now, 4] > MAX_RATE_PER_WEEK:
                _fail(r, t, STATUS_STEP, status, totals, active, keep, g_members, g_flows,
                      g_integrity)
                return
            if k <= 3:
                rk4_week(m, row_live, nl, root[r], local[r], n_base, indptr, indices, weights,
                         inv_alliance, p, eta, coef, lineage, entered_lineage, rival_of, k_net,
                         k_comps, k_sums, stage, flows, week_sums)
                for j in range(nl):
                    g = row_live[j]
                    m[g] += flows[0, g] - flows[1, g] - flows[2, g] - flows[3, g]
            else:
                for f in range(4):
                    week_sums[f] = (c0 * hist_sums[r, now, f] + c1 * hist_sums[r, s1, f]
                                    + c2 * hist_sums[r, s2, f] + c3 * hist_sums[r, s3, f])
                    if not comps:
                        continue
                    for j in range(nl):
                        g = row_live[j]
                        flows[f, g] = (c0 * hist_comps[r, now, f, g]
                                       + c1 * hist_comps[r, s1, f, g]
                                       + c2 * hist_comps[r, s2, f, g]
                                       + c3 * hist_comps[r, s3, f, g])
                for j in range(nl):
                    g = row_live[j]
                    m[g] += (c0 * hist_net[r, now, g] + c1 * hist_net[r, s1, g]
                             + c2 * hist_net[r, s2, g] + c3 * hist_net[r, s3, g])
            since[r] = k
        # 12 territory
        if territory_on:
            territory_week(r, t, m, row_live, nl, root[r], local[r], n_base, indptr, indices,
                           weights, p[P_SPLINTER_RIVALRY], p[P_ENTRANT_RIVALRY], flows, terr,
                           t_scratch)
        # 13 ends and 14 record, in one pass (sweeps count as arrests of the week,
        # entrants' members as recruits)
        if stochastic:
            for f in range(4):
                week_sums[f] = 0.0
        total = 0.0
        count = 0
        kept = 0
        for j in range(nl):
            g = row_live[j]
            if any_sweep:
                flows[1, g] += jump[g]
                if not stochastic:
                    week_sums[1] += jump[g]
            if n_entry > 0:
                flows[0, g] += entered[g]
                if not stochastic:
                    week_sums[0] += entered[g]
            c = m[g]
            if c < 0.0:
                _fail(r, t, STATUS_NEGATIVE, status, totals, active, keep, g_members, g_flows,
                      g_integrity)
                return
            c, kept = end_or_keep(r, t, g, c, p[P_END_MEMBERS], flows, week_sums,
                                  not stochastic, m, end, jumped, row_live, kept)
            if c >= 1.0:
                count += 1
            if stochastic:
                for f in range(4):
                    week_sums[f] += flows[f, g]
            total += c
            if by_lineage:
                b = root[r, g]
                g_lineages[r, t, 0, b] += c
                g_lineages[r, t, 1, b] += flows[2, g]
            if keep:
                record_group(r, t, g, c, flows, g_members, g_flows)
        record_totals(r, t, total, week_sums, count, totals, active)
        n_live[r] = kept
        week[r] = w + 1
    if keep:  # the last date: one more week of recovery, no events
        decay = math.exp(-p[P_RECOVERY])
        for j in range(n_live[r]):
            g = row_live[j]
            g_integrity[r, weeks, g] = 1.0 - (1.0 - integrity[r, g]) * decay
            if keep_finance:  # held from the last week's update, as the other engines do
                g_money[r, weeks, g] = money[r, g]
                g_protection[r, weeks, g] = protection[r, g]


@njit(cache=True)
def _finance_week(r, w, m, row_live, nl, root, n_base, fin, money, protection, freeze,
                  prosecution, seizures, resolved, it_kind, it_value, it_first, it_last,
                  it_target, it_mask, it_ref, end, c_on, c_group, held_r,
                  m_cond, drug_income, sized, terr):  # pragma: no cover - compiled
    """Money and protection from week w - 1 to w (the Euler step of `mechanisms.finance`),
    with members at the start of week w and the freezes and prosecutions of week w - 1
    (a conditional one where its condition held in week w - 1; a group size, at week w),
    including the structural answer to that week's U.S. pressure (`territory.pressure`).
    `sized` is scratch [live group] for members ** market_share_exponent."""
    held = w - 1
    frozen, prosecuted = 0.0, 0.0
    if terr[PRESSURE].shape[0] > 0:  # territory on: the structural answer to week w - 1's u
        u = feedback(r, held, terr)
        for it in range(it_kind.size):
            if it_kind[it] == E_PRESSURE and _acts(it, held, it_first, it_last, c_on, held_r):
                u += it_value[it]
        frozen, prosecuted = frozen_a_year(u, terr), prosecuted_a_week(u, terr)
    for j in range(nl):
        g = row_live[j]
        freeze[g] = frozen
        prosecution[g] = prosecuted
    for it in range(it_kind.size):
        a = it_kind[it]
        if (a != E_FREEZE and a != E_CUT_PROTECTION) or not _acts(it, held, it_first, it_last,
                                                                   c_on, held_r):
            continue
        into = freeze if a == E_FREEZE else prosecution
        if it_target[it] == T_LARGEST:
            for k in range(resolved.shape[2]):
                g = resolved[r, it, k]
                if g >= 0 and end[g] < 0 and m_cond[g] > c_group[it]:
                    into[g] += it_value[it]
        else:
            for j in range(nl):
                g = row_live[j]
                if _hits(it_target[it], g, root, it_mask[it], it_ref[it], n_base) and \
                        m_cond[g] > c_group[it]:
                    into[g] += it_value[it]
    total = 0.0
    for j in range(nl):  # each group's power once (a pow costs tens of ns), kept in `sized`
        sized[j] = max(m[row_live[j]], 0.0) ** fin[F_SHARE_EXPONENT]
        total += sized[j]
    money_on = fin[F_MONEY_ON] != 0.0
    protection_on = fin[F_PROTECTION_ON] != 0.0
    for j in range(nl):
        g = row_live[j]
        share = sized[j] / total if total > 0.0 else 0.0
        income = fin[F_MARKET] * share + drug_income[g]  # drug_income: 0 without territory
        bribes = fin[F_BRIBE] * income
        if money_on:
            frozen = money[r, g] * (-math.log1p(-min(freeze[g], 0.999999)) / 52.0)
            seizures[r, w] += frozen
            spendable = (1.0 - fin[F_COST]) * income  # after product, transport, laundering
            money[r, g] = max(money[r, g] + spendable - fin[F_WAGE] * m[g] - bribes
                              - frozen * (1.0 - fin[F_REVERSAL])
                              - money[r, g] / fin[F_RESERVE], 0.0)
        if protection_on:
            half = bribes + fin[F_BRIBE_HALF]
            gain = fin[F_GAIN] * bribes / half if half > 0.0 else 0.0
            level = protection[r, g]
            level += gain * (1.0 - level) - (fin[F_DECAY] + prosecution[g]) * level
            protection[r, g] = min(max(level, 0.0), 1.0)


@njit(cache=True)
def _fail(r, start, code, status, totals, active, keep, g_members, g_flows,
          g_integrity):  # pragma: no cover - compiled
    """Mark run r failed from date `start` on: NaN series, active = -1, status = code."""
    status[r] = code
    totals[r, start:, :] = np.nan
    active[r, start:] = -1
    if keep:
        g_members[r, start:, :] = np.nan
        g_flows[r, start:, :, :] = np.nan
        g_integrity[r, start:, :] = np.nan


@njit(cache=True, parallel=True)
def world_batch(weeks, stochastic, keep, p, fin, base, sched, st, out,
                delta_pressure, terr):  # pragma: no cover - compiled
    """Advance every run that is not finished, failed or waiting; threads share the runs.

    Numba's parallel loops cannot capture tuples of differently typed arrays, so the
    tuples are taken apart here and rebuilt inside the loop (no copies: views of the same
    arrays)."""
    b0, b1, b2, b3 = base
    (q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15, q16, q17, q18,
     q19, q20, q21) = sched
    (s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15, s16, s17, s18,
     s19, s20, s21, s22, s23, s24, s25, s26, s27, s28, s29, s30, s31, s32) = st
    o0, o1, o2, o3, o4, o5, o6, o7, o8, o9, o10, o11 = out
    (t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15, t16, t17, t18,
     t19, t20) = terr
    for run in prange(s12.shape[0]):
        r = np.int64(run)
        if s12[r] == STATUS_OK and s11[r] < weeks:
            _run_weeks(r, weeks, stochastic, keep, p, fin, (b0, b1, b2, b3),
                       (q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14,
                        q15, q16, q17, q18, q19, q20, q21),
                       (s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15,
                        s16, s17, s18, s19, s20, s21, s22, s23, s24, s25, s26, s27,
                        s28, s29, s30, s31, s32),
                       (o0, o1, o2, o3, o4, o5, o6, o7, o8, o9, o10, o11), delta_pressure,
                       (t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15,
                        t16, t17, t18, t19, t20))


@njit(cache=True)
def world_serial(weeks, stochastic, keep, p, fin, base, sched, st, out,
                 delta_pressure, terr):  # pragma: no cover - compiled
    """`world_batch` without threads (one run, or a caller that wants one thread)."""
    status = st[12]
    week = st[11]
    for r in range(status.shape[0]):
        if status[r] == STATUS_OK and week[r] < weeks:
            _run_weeks(r, weeks, stochastic, keep, p, fin, base, sched, st, out,
                       delta_pressure, terr)
