"""The organisation engine's rules written the way an agent-based model usually is: one
Python object per member (as in Mesa), each holding its role, boss and a list of neighbour
objects, and a model that steps week by week.

It is the reference for `cartelsim bench --l4`: the same rules, the same keyed draws
(`cartelsim.organisation.draws.uniform_py`) and the same order of visits as the compiled
engine (`cartelsim.organisation.kernel`), so on the same organisation it yields the same
histories (tests/organisation/test_reference.py checks this), only slower.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np

from cartelsim.organisation import draws as d
from cartelsim.organisation import kernel as k
from cartelsim.organisation.structure import (
    CONTACT,
    ENFORCER,
    FINANCIER,
    LEADER,
    LIEUTENANT,
    LOOKOUT,
    Organisation,
)


class Member:
    """One member: an agent."""

    __slots__ = ("slot", "key", "role", "alive", "boss", "faction", "orphan", "ties", "mark",
                 "vacancy")

    def __init__(self, slot: int, key: int, role: int, faction: int = 0) -> None:
        self.slot, self.key, self.role, self.faction = slot, key, role, faction
        self.alive = True
        self.boss: Member | None = None
        self.orphan: Vacancy | None = None
        self.ties: list[Member] = []
        self.mark = 0
        self.vacancy: Vacancy | None = None

    def live_degree(self) -> int:
        return sum(1 for other in self.ties if other.alive)


class Vacancy:
    """An open post left by a member."""

    __slots__ = ("member", "role", "boss", "replacement", "open", "faction", "orphan_of")

    def __init__(self, member: Member) -> None:
        self.member, self.role, self.boss = member, member.role, member.boss
        self.replacement: Member | None = None
        self.open = not (member.role == LEADER and member.faction == 0)
        self.faction = member.faction
        self.orphan_of = member.orphan

    def of_leader(self) -> bool:
        return self.role == LEADER and self.faction == 0


class OrganisationModel:
    """The model: members, vacancies and the weekly step."""

    def __init__(self, org: Organisation, par: np.ndarray, root: int, schedule) -> None:
        self.par = [float(x) for x in par]
        self.root = root
        self.schedule = schedule
        self.members = [Member(i, i, int(r)) for i, r in enumerate(org.role)]
        for i, b in enumerate(org.boss):
            self.members[i].boss = self.members[b] if b >= 0 else None
        pairs = sorted([(int(u), int(v)) for u, v in org.edges] +
                       [(int(v), int(u)) for u, v in org.edges])
        for u, v in pairs:
            self.members[u].ties.append(self.members[v])
        self.n0 = len(self.members)
        self.vacancies: list[Vacancy] = []
        self.leader: Member | None = self.members[0]
        self.rival: Member | None = None
        self.contest_start = -1
        self.lost: Member | None = None
        self.factions = 1
        self.succession = -1

    # --- ties ------------------------------------------------------------------------
    @staticmethod
    def tie(a: Member, b: Member) -> None:
        if a is b or b in a.ties:
            return
        a.ties.append(b)
        b.ties.append(a)

    @staticmethod
    def cut(a: Member, b: Member) -> None:
        a.ties.remove(b)
        b.ties.remove(a)

    def attach(self, x: Member, boss: Member) -> None:
        x.boss, x.orphan = boss, None
        self.tie(x, boss)

    def draw(self, member: Member, week: int, stream: int) -> float:
        return d.uniform_py(self.root, member.key, week, stream)

    # --- leaving and succession --------------------------------------------------------
    def leave(self, m: Member) -> None:
        m.alive = False
        if self.rival is m:
            self.rival = None
        if m.role == LOOKOUT:
            return
        v = Vacancy(m)
        self.vacancies.append(v)
        m.vacancy = v
        for x in m.ties:
            if x.alive and x.boss is m:
                x.boss, x.orphan = None, v
        if m is self.leader:
            self.leader, self.lost = None, m

    def standing(self, m: Member) -> float:
        u1 = d.uniform_py(self.root, m.key, 0, d.STANDING)
        u2 = d.uniform_py(self.root, m.key, 1, d.STANDING)
        z = math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
        return (1.0 + m.live_degree()) * math.exp(self.par[k.P_STANDING_SIGMA] * z)

    def succeed(self, week: int) -> None:
        old, self.lost = self.lost, None
        best = second = None
        s_best = s_second = -1.0
        for want in (LIEUTENANT, ENFORCER, LOOKOUT):
            for m in self.members:
                if m.alive and m.faction == 0 and m.role == want:
                    st = self.standing(m)
                    if st > s_best:
                        second, s_second, best, s_best = best, s_best, m, st
                    elif st > s_second:
                        second, s_second = m, st
            if best is not None:
                break
        if best is None:
            return
        mode = int(self.par[k.P_SUCCESSION])
        if mode == k.UNCERTAIN:
            if self.draw(old, week, d.HANDOVER) < self.par[k.P_HANDOVER]:
                mode = k.SETTLED
            elif second is not None and s_second >= self.par[k.P_CONTEST_RATIO] * s_best:
                mode = k.CONTESTED
            else:
                mode = k.SETTLED
        if second is None:
            mode = k.SETTLED
        if self.succession < 0:
            self.succession = mode
        if best.boss is not None and best.boss is not old:
            self.cut(best, best.boss)
        best.role, best.boss, best.orphan = LEADER, None, None
        self.leader = best
        if self.rival is best:
            self.rival = None
        if mode == k.CONTESTED:
            self.rival, self.contest_start = second, week
            return
        self.rival = None
        for x in list(old.ties):
            if x.alive and x.orphan is not None and x.orphan.of_leader() and \
                    self.draw(x, week, d.ACCEPT) < self.par[k.P_HEIR]:
                self.attach(x, best)

    # --- recovery --------------------------------------------------------------------
    def new_member(self, key: int, role: int, faction: int) -> Member:
        member = Member(len(self.members), key, role, faction)
        self.members.append(member)
        return member

    def fill_posts(self, week: int) -> None:
        for v in list(self.vacancies):
            if not v.open:
                continue
            m = v.member
            if self.draw(m, week, d.FILL) >= self.par[k.P_PROMOTION]:
                continue
            best, best_degree = None, -1
            for x in m.ties:
                if x.alive and x.orphan is v:
                    degree = x.live_degree()
                    if degree > best_degree:
                        best, best_degree = x, degree
            if best is None:
                best = self.new_member(d.bits_py(self.root, m.key, week, d.REPLACE_KEY),
                                       v.role, v.faction)
            best.role, best.orphan = v.role, None
            v.replacement, v.open = best, False
            if v.role == LEADER:
                best.boss = None
                continue
            boss = v.boss
            if boss is not None and boss.alive and boss.faction == best.faction:
                self.attach(best, boss)
            elif boss is not None:
                best.orphan = boss.vacancy
            else:
                best.orphan = v.orphan_of

    def rewire(self, week: int) -> None:
        leader, rival = self.leader, self.rival
        p_rival = 0.0
        if rival is not None and leader is not None:
            a, b = self.standing(leader), self.standing(rival)
            p_rival = b / (a + b)
        for x in list(self.members):
            v = x.orphan
            if v is None or not x.alive:
                continue
            if v.of_leader():
                if leader is None or x is leader:
                    continue
                if self.draw(x, week, d.ALLEGIANCE) >= self.par[k.P_ALLEGIANCE]:
                    continue
                if rival is not None and x is not rival and \
                        self.draw(x, week, d.SIDE) < p_rival:
                    self.attach(x, rival)
                elif x is not rival:
                    self.attach(x, leader)
                continue
            r = v.replacement
            if r is None:
                continue
            if not r.alive:
                v.replacement, v.open = None, True
                continue
            if self.draw(x, week, d.REWIRE) >= self.par[k.P_REWIRE]:
                continue
            self.attach(x, r)
            if self.draw(x, week, d.LATERAL) < self.par[k.P_REWIRE_EFFICIENCY]:
                siblings = [y for y in r.ties if y is not x and y.alive and y.boss is r]
                if siblings:
                    u = self.draw(x, week, d.SIBLING)
                    self.tie(x, siblings[min(len(siblings) - 1, int(u * len(siblings)))])

    def root_of(self, m: Member) -> Member:
        top, steps = m, 0
        while top.boss is not None and top.boss.alive and steps < 64:
            top, steps = top.boss, steps + 1
        return top

    def resolve_contest(self, week: int, force: bool) -> None:
        rival, leader = self.rival, self.leader
        if rival is None or leader is None:
            return
        pending = sum(1 for x in self.members if x.alive and x is not rival and
                      x.orphan is not None and x.orphan.of_leader())
        if pending and not force:
            return
        parent = [x for x in self.members if x.alive and x.faction == 0]
        followers = [x for x in parent if self.root_of(x) is rival]
        share = len(followers) / max(len(parent), 1)
        self.rival, self.contest_start = None, -1
        if share < self.par[k.P_SPLIT_MIN]:
            rival.orphan = None
            self.attach(rival, leader)
            return
        faction, self.factions = self.factions, self.factions + 1
        for x in followers:
            x.faction = faction
        for x in self.members:
            if x.alive and x.faction == faction:
                for y in list(x.ties):
                    if y.faction != faction and y.alive:
                        self.cut(x, y)
        rival.orphan, rival.role = None, LEADER

    def recruit(self, week: int) -> int:
        recruits = 0
        for x in list(self.members):
            if not x.alive or x.role not in (LIEUTENANT, ENFORCER, LOOKOUT):
                continue
            if self.draw(x, week, d.RECRUIT) >= self.par[k.P_RECRUIT]:
                continue
            new = self.new_member(d.bits_py(self.root, x.key, week, d.RECRUIT_KEY),
                                  ENFORCER if x.role == LIEUTENANT else LOOKOUT, x.faction)
            recruits += 1
            if x.role == LOOKOUT and x.boss is not None and x.boss.alive:
                self.attach(new, x.boss)
                if self.draw(x, week, d.RECRUIT_TIE) < self.par[k.P_RECRUIT_LATERAL]:
                    self.tie(new, x)
            else:
                self.attach(new, x)
        return recruits

    # --- arrests and removals ----------------------------------------------------------
    def exposure(self, m: Member) -> float:
        if m.role == LEADER:
            return self.par[k.P_EXPO_LEADER]
        if m.role in (LIEUTENANT, FINANCIER, CONTACT):
            return self.par[k.P_EXPO_SPECIALIST]
        return 1.0

    def arrests(self, week: int, pressure: float, sweep: float) -> int:
        alive = 0
        for x in self.members:
            if not x.alive:
                continue
            alive += 1
            p = min(1.0, self.par[k.P_ARREST] * self.exposure(x) * pressure)
            x.mark = 1 if (self.draw(x, week, d.ARREST) < p or
                           (sweep > 0.0 and self.draw(x, week, d.SWEEP) < sweep)) else 0
        exposure = self.par[k.P_TIE_EXPOSURE]
        if exposure > 0.0:
            queue = [x for x in self.members if x.alive and x.mark == 1]
            head = 0
            while head < len(queue):
                x = queue[head]
                head += 1
                for y in x.ties:
                    if y.alive and y.mark == 0 and d.uniform_py(
                            self.root, y.key ^ d.mix_py(x.key), week, d.EXPOSE) < \
                            exposure * self.exposure(y):
                        y.mark = 2
                        queue.append(y)
        arrested = 0
        attrition = self.par[k.P_DEATH] + self.par[k.P_EXIT] * alive / self.n0
        for x in self.members:
            if not x.alive:
                continue
            if x.mark == 0:
                if self.draw(x, week, d.ATTRITION) < attrition:
                    x.mark = 3
            else:
                arrested += 1
        for x in self.members:
            if x.alive and x.mark > 0:
                self.leave(x)
                x.mark = 0
        return arrested

    def targets(self, week: int, strategy: int, count: int, role: int) -> list[Member]:
        if strategy == k.BY_LEADER:
            return [self.leader] if self.leader is not None else []
        candidates = [m for m in self.members
                      if m.alive and (strategy != k.BY_ROLE or m.role == role)]
        if strategy == k.BY_DEGREE:
            scores = [-m.live_degree() for m in candidates]
        elif strategy == k.BY_BETWEENNESS:  # networkx, as an agent-based model would
            graph = nx.Graph()
            graph.add_nodes_from(m.slot for m in candidates)
            graph.add_edges_from((m.slot, y.slot) for m in candidates for y in m.ties if y.alive)
            between = nx.betweenness_centrality(graph, normalized=False)
            scores = [-between[m.slot] for m in candidates]
        else:
            scores = [self.draw(m, week, d.TARGET) for m in candidates]
        order = sorted(range(len(candidates)), key=scores.__getitem__)
        return [candidates[i] for i in order[:count]]

    # --- measures ----------------------------------------------------------------------
    def bfs(self, source: Member) -> list[tuple[Member, int]]:
        seen = {source.slot}
        order = [(source, 0)]
        head = 0
        while head < len(order):
            u, du = order[head]
            head += 1
            for v in u.ties:
                if v.alive and v.slot not in seen:
                    seen.add(v.slot)
                    order.append((v, du + 1))
        return order

    def measure(self, week: int) -> tuple[float, ...]:
        par = self.par
        alive = [m for m in self.members if m.alive]
        parent = sum(1 for m in alive if m.faction == 0)
        largest = splinters = reached = 0
        seen: set[int] = set()
        if self.leader is not None:
            found = self.bfs(self.leader)
            largest = len(found)
            reached = sum(1 for m, dist in found if dist <= par[k.P_DEPTH] and m.faction == 0)
            seen.update(m.slot for m, _ in found)
        for m in alive:
            if m.slot in seen:
                continue
            part = self.bfs(m)
            seen.update(x.slot for x, _ in part)
            largest = max(largest, len(part))
            splinters += len(part) >= par[k.P_SPLINTER_MIN]
        n = len(alive)
        eff, se = math.nan, math.nan
        if week % int(par[k.P_EFFICIENCY_EVERY]) == 0:
            if n < 2:
                eff, se = 0.0, 0.0
            elif n <= par[k.P_EXACT_BELOW]:
                total = 0.0
                for m in alive:
                    per_source = 0.0
                    for _, dist in self.bfs(m)[1:]:
                        per_source += 1.0 / dist
                    total += per_source
                eff, se = total / (n * (n - 1.0)), 0.0
            else:
                values = []
                for source in range(int(par[k.P_SOURCES])):
                    pick = d.bits_py(self.root, source, week, d.SOURCES) % n
                    per_source = 0.0
                    for _, dist in self.bfs(alive[pick])[1:]:
                        per_source += 1.0 / dist
                    values.append(per_source / (n - 1.0))
                eff = sum(values) / len(values)
                if len(values) > 1:
                    var = sum((v - eff) ** 2 for v in values) / len(values)
                    se = math.sqrt(var) * math.sqrt(len(values) / (len(values) - 1.0)) / \
                        math.sqrt(len(values))
        return (reached / parent if parent else 0.0, eff, se, largest / n if n else 0.0,
                splinters, n, parent)

    # --- the week ----------------------------------------------------------------------
    def run(self) -> np.ndarray:
        sched = self.schedule
        weeks = sched.pressure.size
        out = np.zeros((k.N_OUT, weeks))
        self._record(out, 0)
        for week in range(1, weeks):
            removed = 0
            if sched.strategy[week] != k.NONE:
                for m in self.targets(week, int(sched.strategy[week]), int(sched.count[week]),
                                      int(sched.role[week])):
                    if m.alive:
                        self.leave(m)
                        removed += 1
            arrests = self.arrests(week, float(sched.pressure[week]), float(sched.sweep[week]))
            if self.lost is not None:
                self.par[k.P_HANDOVER] = float(sched.handover[week])
                self.succeed(week)
            self.fill_posts(week)
            self.rewire(week)
            if self.rival is not None:
                overdue = week - self.contest_start >= self.par[k.P_MAX_CONTEST]
                self.resolve_contest(week, overdue)
            recruits = self.recruit(week)
            self._record(out, week)
            out[k.O_ARRESTS, week] = arrests
            out[k.O_REMOVED, week] = removed
            out[k.O_RECRUITS, week] = recruits
        return out

    def _record(self, out: np.ndarray, week: int) -> None:
        reach, eff, se, largest, splinters, alive, parent = self.measure(week)
        out[k.O_REACH, week] = reach
        out[k.O_EFFICIENCY, week] = eff
        out[k.O_EFFICIENCY_SE, week] = se
        out[k.O_LARGEST, week] = largest
        out[k.O_SPLINTERS, week] = splinters
        out[k.O_MEMBERS, week] = alive
        out[k.O_PARENT, week] = parent
        out[k.O_LEADER, week] = 1.0 if self.leader is not None else 0.0


def simulate_reference(members: int, strategy: str, succession: str, weeks: int, seed: int,
                       run: int = 0, **structure: object) -> np.ndarray:
    """One replicate with the object-per-member model: the kernel's output rows
    [measure, week] for the same organisation, schedule and draws."""
    from cartelsim.organisation.draws import run_key
    from cartelsim.organisation.experiment import build_schedule, parameter_vector, split_options
    from cartelsim.organisation.structure import generate

    options, params, _ = split_options(members, strategy, succession, weeks, dict(structure))
    org = generate(options.members, params, seed, run,
                   compartmentalised=options.compartmentalised, lieutenants=options.lieutenants)
    model = OrganisationModel(org, parameter_vector(params, options), run_key(seed, run),
                              build_schedule(options, params))
    return model.run()
