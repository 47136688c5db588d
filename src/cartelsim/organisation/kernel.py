"""The weekly step of the organisation engine, compiled, over the arrays of `state`.

Each week, in this order:

1. scheduled removals (the strategy of the experiment: leader, top-k by degree or
   betweenness, k at random, k of a role);
2. arrests (background rate by role x pressure, plus a sweep arresting a share of members),
   each arrest exposing the arrested member's contacts (`tie_exposure`), who expose theirs
   in turn (a chain of investigations: dense networks amplify arrests), then deaths and
   exits; everyone leaving opens a post (vacancy) whose subordinates become orphans;
3. succession if the leader left: the front-runner among the lieutenants (standing = live
   ties x a lognormal factor) takes over; it is contested when the runner-up is near-equal
   (or forced by the experiment) unless the old leader handed over;
4. open posts are filled (the best-connected orphan is promoted, or someone is recruited);
5. orphans re-tie to the replacement of their boss (sometimes also to a sibling: the
   efficiency-security trade-off); lieutenants pledge to a successor or, in a contest, to
   one of the two contenders; a contest ends in a split (the runner-up's faction leaves,
   ties between the factions are cut) or in submission;
6. recruitment (each lieutenant, enforcer and lookout brings in a recruit with a weekly
   probability);
7. measures: command reach, efficiency, largest component, splinters, members.

Every random decision is a keyed draw (`draws`), and members are visited in slot order,
so the result is a pure function of the seed, the organisation and the schedule.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cartelsim.organisation import draws as d
from cartelsim.organisation.graph import (
    betweenness,
    compact,
    cut,
    efficiency,
    live_degree,
    structure_measures,
    tie,
    uniform_index,
)
from cartelsim.organisation.state import (
    ARENA,
    CONTEST_START,
    FULL_ARENA,
    FULL_SLOTS,
    LEAD,
    LOST,
    N0,
    NEW_MEMBER_ROOM,
    NFACT,
    NVAC,
    OK,
    RIVAL,
    SLOTS,
    SPLIT_SHARE,
    SPLIT_WEEK,
    SPLITS,
    STATUS,
    SUCCESSION,
    SUCCESSION_WEEK,
)
from cartelsim.organisation.structure import (
    CONTACT,
    ENFORCER,
    FINANCIER,
    LEADER,
    LIEUTENANT,
    LOOKOUT,
)

# Indices of the parameter vector (see `experiment.parameter_vector`).
(P_ARREST, P_EXPO_LEADER, P_EXPO_SPECIALIST, P_TIE_EXPOSURE, P_DEATH, P_EXIT, P_RECRUIT,
 P_RECRUIT_LATERAL, P_PROMOTION, P_REWIRE, P_REWIRE_EFFICIENCY, P_ALLEGIANCE, P_HEIR,
 P_STANDING_SIGMA, P_CONTEST_RATIO, P_SPLIT_MIN, P_MAX_CONTEST, P_HANDOVER, P_SUCCESSION,
 P_DEPTH, P_SPLINTER_MIN, P_EXACT_BELOW, P_SOURCES, P_BETWEENNESS_SOURCES,
 P_EFFICIENCY_EVERY) = range(25)
N_PARAMS = 25
SETTLED, CONTESTED, UNCERTAIN = 0, 1, 2

# Removal strategies in the schedule.
NONE, BY_LEADER, BY_DEGREE, BY_BETWEENNESS, AT_RANDOM, BY_ROLE = range(6)

# Rows of the weekly output.
(O_REACH, O_EFFICIENCY, O_EFFICIENCY_SE, O_LARGEST, O_SPLINTERS, O_MEMBERS, O_PARENT,
 O_ARRESTS, O_REMOVED, O_RECRUITS, O_LEADER) = range(11)
N_OUT = 11

COMPACT_EVERY = 13  # weeks between clean-ups of dead neighbours in the tie lists

# Marks of members leaving this week.
DIRECT, CASCADE, ATTRITED = 1, 2, 3


@njit(cache=True, inline="always")
def _leader_vacancy(vac_role: np.ndarray, vac_faction: np.ndarray, v: int) -> bool:
    """Is post v the parent faction's leadership? (arrays, not the state tuple: passing
    the whole tuple to a call costs a reference count per array)"""
    return v >= 0 and vac_role[v] == LEADER and vac_faction[v] == 0


@njit(cache=True)
def _leave(s, m: int) -> None:
    """Member m leaves (arrested, killed, exits or removed): its post opens (except a
    lookout's) and its direct subordinates become orphans of that post."""
    s.alive[m] = False
    s.stamp[m] = -1  # searches skip dead members by their stamp
    if s.ints[RIVAL] == m:
        s.ints[RIVAL] = -1
    if s.role[m] == LOOKOUT:
        return
    v = s.ints[NVAC]
    s.ints[NVAC] = v + 1
    s.vac_member[v] = m
    s.vac_role[v] = s.role[m]
    s.vac_boss[v] = s.boss[m]
    s.vac_repl[v] = -1
    s.vac_open[v] = not (s.role[m] == LEADER and s.faction[m] == 0)
    s.vac_faction[v] = s.faction[m]
    s.vac_orphan[v] = s.orphan[m]
    s.vac_of[m] = v
    b = s.start[m]
    for i in range(s.deg[m]):
        x = s.adj[b + i]
        if s.alive[x] and s.boss[x] == m:
            s.boss[x] = -1
            s.orphan[x] = v
    if m == s.ints[LEAD]:
        s.ints[LEAD] = -1
        s.ints[LOST] = m


@njit(cache=True)
def _standing(s, root: np.uint64, m: int, sigma: float) -> float:
    u1 = d.uniform(root, s.key[m], 0, d.STANDING)
    u2 = d.uniform(root, s.key[m], 1, d.STANDING)
    z = np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)
    return (1.0 + live_degree(s, m)) * np.exp(sigma * z)


@njit(cache=True)
def _succession(s, root: np.uint64, par: np.ndarray, week: int) -> None:
    """The leader of the parent faction left this week: choose the successor."""
    old = s.ints[LOST]
    s.ints[LOST] = -1
    n = s.ints[SLOTS]
    sigma = par[P_STANDING_SIGMA]
    best, second = -1, -1
    s_best, s_second = -1.0, -1.0
    for want in (LIEUTENANT, ENFORCER, LOOKOUT):
        for m in range(n):
            if s.alive[m] and s.faction[m] == 0 and s.role[m] == want:
                st = _standing(s, root, m, sigma)
                if st > s_best:
                    second, s_second = best, s_best
                    best, s_best = m, st
                elif st > s_second:
                    second, s_second = m, st
        if best >= 0:
            break
    if best < 0:
        return  # nobody left to lead
    mode = int(par[P_SUCCESSION])
    if mode == UNCERTAIN:
        if d.uniform(root, s.key[old], week, d.HANDOVER) < par[P_HANDOVER]:
            mode = SETTLED
        elif second >= 0 and s_second >= par[P_CONTEST_RATIO] * s_best:
            mode = CONTESTED
        else:
            mode = SETTLED
    if second < 0:
        mode = SETTLED
    if s.ints[SUCCESSION] < 0:
        s.ints[SUCCESSION] = mode
        s.ints[SUCCESSION_WEEK] = week
    if s.boss[best] >= 0 and s.boss[best] != old:
        cut(s, best, s.boss[best])
    s.role[best] = LEADER
    s.boss[best] = -1
    s.orphan[best] = -1
    s.ints[LEAD] = best
    if s.ints[RIVAL] == best:
        s.ints[RIVAL] = -1
    if mode == CONTESTED:
        s.ints[RIVAL] = second
        s.ints[CONTEST_START] = week
        return
    s.ints[RIVAL] = -1
    # a ready heir: the old leader's people accept him at once with probability heir_acceptance
    b = s.start[old]
    for i in range(s.deg[old]):
        x = s.adj[b + i]
        if s.alive[x] and _leader_vacancy(s.vac_role, s.vac_faction, s.orphan[x]) and \
                d.uniform(root, s.key[x], week, d.ACCEPT) < par[P_HEIR]:
            _attach(s, x, best)


@njit(cache=True)
def _attach(s, x: int, boss: int) -> None:
    s.boss[x] = boss
    s.orphan[x] = -1
    tie(s, x, boss)


@njit(cache=True)
def _new_member(s, key: np.uint64, role: int, faction: int) -> int:
    n = s.ints[SLOTS]
    if n >= s.key.size:
        s.ints[STATUS] = FULL_SLOTS
        return -1
    s.ints[SLOTS] = n + 1
    s.key[n] = key
    s.role[n] = role
    s.alive[n] = True
    s.stamp[n] = 0
    s.boss[n] = -1
    s.faction[n] = faction
    s.orphan[n] = -1
    top = s.ints[ARENA]
    if top + NEW_MEMBER_ROOM > s.adj.size:
        s.ints[STATUS] = FULL_ARENA
        return -1
    s.start[n] = top
    s.cap[n] = NEW_MEMBER_ROOM
    s.deg[n] = 0
    s.ints[ARENA] = top + NEW_MEMBER_ROOM
    return n


@njit(cache=True)
def _fill_posts(s, root: np.uint64, par: np.ndarray, week: int) -> None:
    """Open posts are filled with probability promotion_rate a week: the orphan with most
    live ties is promoted (ties: the earlier slot), or a recruit takes the post."""
    for v in range(s.ints[NVAC]):
        if not s.vac_open[v]:
            continue
        m = s.vac_member[v]
        if d.uniform(root, s.key[m], week, d.FILL) >= par[P_PROMOTION]:
            continue
        best, best_degree = -1, -1
        b = s.start[m]
        for i in range(s.deg[m]):
            x = s.adj[b + i]
            if s.alive[x] and s.orphan[x] == v:
                deg = live_degree(s, x)
                if deg > best_degree:
                    best, best_degree = x, deg
        if best < 0:
            best = _new_member(s, d.bits(root, s.key[m], week, d.REPLACE_KEY),
                               s.vac_role[v], s.vac_faction[v])
            if best < 0:
                return
        s.role[best] = s.vac_role[v]
        s.orphan[best] = -1
        s.vac_repl[v] = best
        s.vac_open[v] = False
        if s.vac_role[v] == LEADER:
            s.boss[best] = -1
            continue
        boss = s.vac_boss[v]
        if boss >= 0 and s.alive[boss] and s.faction[boss] == s.faction[best]:
            _attach(s, best, boss)
        elif boss >= 0:
            s.orphan[best] = s.vac_of[boss]
        else:
            s.orphan[best] = s.vac_orphan[v]


@njit(cache=True)
def _rewire(s, root: np.uint64, par: np.ndarray, week: int) -> None:
    """Orphans re-tie to their boss's replacement; lieutenants pledge to a leader."""
    n = s.ints[SLOTS]
    leader, rival = s.ints[LEAD], s.ints[RIVAL]
    p_rival = 0.0
    if rival >= 0 and leader >= 0:
        sigma = par[P_STANDING_SIGMA]
        a, b = _standing(s, root, leader, sigma), _standing(s, root, rival, sigma)
        p_rival = b / (a + b)
    for x in range(n):
        v = s.orphan[x]
        if v < 0 or not s.alive[x]:
            continue
        if _leader_vacancy(s.vac_role, s.vac_faction, v):
            if leader < 0 or x == leader:
                continue
            if d.uniform(root, s.key[x], week, d.ALLEGIANCE) >= par[P_ALLEGIANCE]:
                continue
            if rival >= 0 and x != rival and d.uniform(root, s.key[x], week, d.SIDE) < p_rival:
                _attach(s, x, rival)
            elif x != rival:
                _attach(s, x, leader)
            continue
        r = s.vac_repl[v]
        if r < 0:
            continue
        if not s.alive[r]:  # the replacement left before everyone re-tied: reopen the post
            s.vac_repl[v] = -1
            s.vac_open[v] = True
            continue
        if d.uniform(root, s.key[x], week, d.REWIRE) >= par[P_REWIRE]:
            continue
        _attach(s, x, r)
        if d.uniform(root, s.key[x], week, d.LATERAL) < par[P_REWIRE_EFFICIENCY]:
            count = 0
            b = s.start[r]
            for i in range(s.deg[r]):
                y = s.adj[b + i]
                if y != x and s.alive[y] and s.boss[y] == r:
                    count += 1
            if count:
                pick = uniform_index(root, s.key[x], week, d.SIBLING, count)
                for i in range(s.deg[r]):
                    y = s.adj[b + i]
                    if y != x and s.alive[y] and s.boss[y] == r:
                        if pick == 0:
                            tie(s, x, y)
                            break
                        pick -= 1


@njit(cache=True, inline="always")
def _root_of(boss: np.ndarray, alive: np.ndarray, m: int) -> int:
    """The top of m's chain of command among living members."""
    top = m
    steps = 0
    while boss[top] >= 0 and alive[boss[top]] and steps < 64:
        top = boss[top]
        steps += 1
    return top


@njit(cache=True)
def _resolve_contest(s, par: np.ndarray, week: int, force: bool) -> None:
    """End a contest once no lieutenant is left to pledge (or at max_contest_weeks): the
    runner-up's faction splits off if large enough, otherwise he submits."""
    rival, leader = s.ints[RIVAL], s.ints[LEAD]
    if rival < 0 or leader < 0:
        return
    n = s.ints[SLOTS]
    pending = 0
    for x in range(n):
        if s.alive[x] and x != rival and _leader_vacancy(s.vac_role, s.vac_faction, s.orphan[x]):
            pending += 1
    if pending and not force:
        return
    members = 0
    follow = 0
    for x in range(n):
        if s.alive[x] and s.faction[x] == 0:
            members += 1
            s.root[x] = _root_of(s.boss, s.alive, x)
            if s.root[x] == rival:
                follow += 1
    share = follow / max(members, 1)
    s.ints[RIVAL] = -1
    s.ints[CONTEST_START] = -1
    if share < par[P_SPLIT_MIN]:
        s.orphan[rival] = -1
        _attach(s, rival, leader)
        return
    faction = s.ints[NFACT]
    s.ints[NFACT] = faction + 1
    for x in range(n):
        if s.alive[x] and s.faction[x] == 0 and s.root[x] == rival:
            s.faction[x] = faction
    for x in range(n):
        if s.alive[x] and s.faction[x] == faction:
            b = s.start[x]
            i = 0
            while i < s.deg[x]:
                y = s.adj[b + i]
                if s.faction[y] != faction and s.alive[y]:
                    cut(s, x, y)
                else:
                    i += 1
    s.orphan[rival] = -1
    s.role[rival] = LEADER
    s.ints[SPLITS] += 1
    if s.ints[SPLIT_WEEK] < 0:
        s.ints[SPLIT_WEEK] = week
        s.floats[SPLIT_SHARE] = share


@njit(cache=True)
def _recruit(s, root: np.uint64, par: np.ndarray, week: int) -> int:
    n = s.ints[SLOTS]
    recruits = 0
    for x in range(n):
        if not s.alive[x]:
            continue
        role = s.role[x]
        if role != LIEUTENANT and role != ENFORCER and role != LOOKOUT:
            continue
        if d.uniform(root, s.key[x], week, d.RECRUIT) >= par[P_RECRUIT]:
            continue
        new = _new_member(s, d.bits(root, s.key[x], week, d.RECRUIT_KEY),
                          ENFORCER if role == LIEUTENANT else LOOKOUT, s.faction[x])
        if new < 0:
            return recruits
        recruits += 1
        if role == LOOKOUT and s.boss[x] >= 0 and s.alive[s.boss[x]]:
            _attach(s, new, s.boss[x])
            if d.uniform(root, s.key[x], week, d.RECRUIT_TIE) < par[P_RECRUIT_LATERAL]:
                tie(s, new, x)
        else:
            _attach(s, new, x)
    return recruits


@njit(cache=True)
def _targets(s, root: np.uint64, par: np.ndarray, week: int, strategy: int, count: int,
             role: int) -> np.ndarray:
    """Members removed by the experiment this week."""
    n = s.ints[SLOTS]
    if strategy == BY_LEADER:
        out = np.empty(1 if s.ints[LEAD] >= 0 else 0, dtype=np.int64)
        if out.size:
            out[0] = s.ints[LEAD]
        return out
    candidates = np.empty(n, dtype=np.int64)
    c = 0
    for m in range(n):
        if s.alive[m] and (strategy != BY_ROLE or s.role[m] == role):
            candidates[c] = m
            c += 1
    candidates = candidates[:c]
    score = np.empty(c)
    if strategy == BY_BETWEENNESS:
        between = betweenness(s, root, week, int(par[P_EXACT_BELOW]),
                              int(par[P_BETWEENNESS_SOURCES]))
    for i in range(c):
        m = candidates[i]
        if strategy == BY_DEGREE:
            score[i] = -live_degree(s, m)
        elif strategy == BY_BETWEENNESS:
            score[i] = -between[m]
        else:  # at random, or at random within a role
            score[i] = d.uniform(root, s.key[m], week, d.TARGET)
    order = np.argsort(score, kind="mergesort")
    return candidates[order[:min(count, c)]]


@njit(cache=True, inline="always")
def _role_exposure(role: int, par: np.ndarray) -> float:
    if role == LEADER:
        return par[P_EXPO_LEADER]
    if role == LIEUTENANT or role == FINANCIER or role == CONTACT:
        return par[P_EXPO_SPECIALIST]
    return 1.0


@njit(cache=True)
def _arrests(s, root: np.uint64, par: np.ndarray, week: int, pressure: float,
             sweep: float) -> tuple[int, int]:
    """Mark this week's arrests (direct, then contacts exposed) and deaths and exits;
    return (arrests, members alive before)."""
    n = s.ints[SLOTS]
    alive = 0
    for x in range(n):
        if not s.alive[x]:
            continue
        alive += 1
        p = min(1.0, par[P_ARREST] * _role_exposure(s.role[x], par) * pressure)
        if d.uniform(root, s.key[x], week, d.ARREST) < p or \
                (sweep > 0.0 and d.uniform(root, s.key[x], week, d.SWEEP) < sweep):
            s.mark[x] = DIRECT
        else:
            s.mark[x] = 0
    exposure = par[P_TIE_EXPOSURE]
    if exposure > 0.0:  # investigations follow ties: every arrest exposes its contacts once
        # (leaders and specialists are harder to reach: their exposure factors apply)
        tail = 0
        for x in range(n):
            if s.alive[x] and s.mark[x] == DIRECT:
                s.queue[tail] = x
                tail += 1
        head = 0
        while head < tail:
            x = s.queue[head]
            head += 1
            b = s.start[x]
            for i in range(s.deg[x]):
                y = s.adj[b + i]
                if s.alive[y] and s.mark[y] == 0 and d.uniform(
                        root, s.key[y] ^ d.mix(s.key[x]), week, d.EXPOSE) < \
                        exposure * _role_exposure(s.role[y], par):
                    s.mark[y] = CASCADE
                    s.queue[tail] = y
                    tail += 1
    arrests = 0
    attrition = par[P_DEATH] + par[P_EXIT] * alive / s.ints[N0]
    for x in range(n):
        if not s.alive[x]:
            continue
        if s.mark[x] == 0:
            if d.uniform(root, s.key[x], week, d.ATTRITION) < attrition:
                s.mark[x] = ATTRITED
        else:
            arrests += 1
    for x in range(n):
        if s.alive[x] and s.mark[x] > 0:
            _leave(s, x)
            s.mark[x] = 0
    return arrests, alive


@njit(cache=True)
def _measure(s, root: np.uint64, par: np.ndarray, week: int, out: np.ndarray) -> None:
    reach, parent, largest, splinters, alive = structure_measures(
        s, int(par[P_DEPTH]), int(par[P_SPLINTER_MIN]))
    eff, se = np.nan, np.nan
    if week % int(par[P_EFFICIENCY_EVERY]) == 0:
        eff, se = efficiency(s, root, week, int(par[P_EXACT_BELOW]), int(par[P_SOURCES]))
    out[O_REACH, week] = reach
    out[O_EFFICIENCY, week] = eff
    out[O_EFFICIENCY_SE, week] = se
    out[O_LARGEST, week] = largest
    out[O_SPLINTERS, week] = splinters
    out[O_MEMBERS, week] = alive
    out[O_PARENT, week] = parent
    out[O_LEADER, week] = 1.0 if s.ints[LEAD] >= 0 else 0.0


@njit(cache=True, nogil=True)
def run_weeks(s, root: np.uint64, par: np.ndarray, pressure: np.ndarray, sweep: np.ndarray,
              strategy: np.ndarray, count: np.ndarray, target_role: np.ndarray,
              handover: np.ndarray, out: np.ndarray) -> int:
    """Simulate weeks 1..len(pressure)-1 from the state at week 0; fill out[:, week].
    Returns the status (0 ok; otherwise the arrays ran out of room)."""
    out[:] = 0.0
    _measure(s, root, par, 0, out)
    for week in range(1, pressure.size):
        removed = 0
        if strategy[week] != NONE:
            hit = _targets(s, root, par, week, strategy[week], count[week], target_role[week])
            for m in hit:
                if s.alive[m]:
                    _leave(s, m)
                    removed += 1
        arrests, _ = _arrests(s, root, par, week, pressure[week], sweep[week])
        if s.ints[LOST] >= 0:
            par[P_HANDOVER] = handover[week]
            _succession(s, root, par, week)
        _fill_posts(s, root, par, week)
        _rewire(s, root, par, week)
        if s.ints[RIVAL] >= 0:
            overdue = week - s.ints[CONTEST_START] >= par[P_MAX_CONTEST]
            _resolve_contest(s, par, week, overdue)
        recruits = _recruit(s, root, par, week)
        if week % COMPACT_EVERY == 0:
            compact(s)
        if s.ints[STATUS] != OK:
            return s.ints[STATUS]
        _measure(s, root, par, week, out)
        out[O_ARRESTS, week] = arrests
        out[O_REMOVED, week] = removed
        out[O_RECRUITS, week] = recruits
    return s.ints[STATUS]
