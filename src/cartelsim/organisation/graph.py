"""Graph primitives on the adjacency arena (see `state`): ties, breadth-first search,
components, global efficiency and betweenness. All compiled, all skip dead members."""

from __future__ import annotations

import numpy as np
from numba import njit

from cartelsim.organisation.draws import SOURCES, bits, uniform
from cartelsim.organisation.state import ARENA, FULL_ARENA, LEAD, SLOTS, STAMP, STATUS


@njit(cache=True, inline="always")
def has_tie(s, u: int, v: int) -> bool:
    b = s.start[u]
    for i in range(s.deg[u]):
        if s.adj[b + i] == v:
            return True
    return False


@njit(cache=True)
def _append(s, u: int, v: int) -> bool:
    d = s.deg[u]
    if d == s.cap[u]:
        room = max(4, 2 * s.cap[u])
        top = s.ints[ARENA]
        if top + room > s.adj.size:
            s.ints[STATUS] = FULL_ARENA
            return False
        b = s.start[u]
        for i in range(d):
            s.adj[top + i] = s.adj[b + i]
        s.start[u] = top
        s.cap[u] = room
        s.ints[ARENA] = top + room
    s.adj[s.start[u] + d] = v
    s.deg[u] = d + 1
    return True


@njit(cache=True)
def tie(s, u: int, v: int) -> None:
    """Add the undirected tie u-v unless it exists (or u == v)."""
    if u == v or u < 0 or v < 0 or has_tie(s, u, v):
        return
    if _append(s, u, v):
        _append(s, v, u)


@njit(cache=True)
def _drop(s, u: int, v: int) -> None:
    b = s.start[u]
    d = s.deg[u]
    for i in range(d):
        if s.adj[b + i] == v:
            for j in range(i, d - 1):
                s.adj[b + j] = s.adj[b + j + 1]
            s.deg[u] = d - 1
            return


@njit(cache=True)
def cut(s, u: int, v: int) -> None:
    """Remove the tie u-v (both directions), keeping the order of the other ties."""
    _drop(s, u, v)
    _drop(s, v, u)


@njit(cache=True, inline="always")
def live_degree(s, u: int) -> int:
    b = s.start[u]
    count = 0
    for i in range(s.deg[u]):
        if s.alive[s.adj[b + i]]:
            count += 1
    return count


@njit(cache=True)
def _new_stamp(s) -> int:
    s.ints[STAMP] += 1
    return s.ints[STAMP]


@njit(cache=True)
def bfs(s, source: int, depth: int) -> int:
    """Breadth-first search from `source` over living members up to `depth` ties (-1: no
    limit). Visited members are s.queue[:returned count], with distances in s.dist and
    s.stamp == the current stamp."""
    stamp = _new_stamp(s)
    s.stamp[source] = stamp
    s.dist[source] = 0
    s.queue[0] = source
    head, tail = 0, 1
    while head < tail:
        u = s.queue[head]
        head += 1
        du = s.dist[u]
        if depth >= 0 and du >= depth:
            continue
        b = s.start[u]
        for i in range(s.deg[u]):
            v = s.adj[b + i]
            seen = s.stamp[v]
            if seen != stamp and seen >= 0:  # dead members carry stamp -1
                s.stamp[v] = stamp
                s.dist[v] = du + 1
                s.queue[tail] = v
                tail += 1
    return tail


@njit(cache=True)
def command_reach(s, depth: int) -> tuple[float, int]:
    """(share of the parent faction's living members within `depth` ties of its leader,
    living members of the parent faction)."""
    n = s.ints[SLOTS]
    members = 0
    for u in range(n):
        if s.alive[u] and s.faction[u] == 0:
            members += 1
    leader = s.ints[LEAD]
    if members == 0 or leader < 0:
        return 0.0, members
    count = bfs(s, leader, depth)
    reached = 0
    for i in range(count):
        if s.faction[s.queue[i]] == 0:
            reached += 1
    return reached / members, members


@njit(cache=True)
def structure_measures(s, depth: int, min_size: int) -> tuple[float, int, float, int, int]:
    """One pass over the living network: (command reach, living members of the parent
    faction, share of living members in the largest component, splinters, living members).

    Command reach is the share of the parent faction's living members within `depth` ties
    of its leader; splinters are components without that leader of at least `min_size`
    members. The leader's component is searched first, so its distances give the reach."""
    n = s.ints[SLOTS]
    leader = s.ints[LEAD]
    alive = 0
    parent = 0
    for u in range(n):
        if s.alive[u]:
            alive += 1
            if s.faction[u] == 0:
                parent += 1
    if alive == 0:
        return 0.0, 0, 0.0, 0, 0
    largest = 0
    splinters = 0
    reached = 0
    if leader >= 0:
        largest = bfs(s, leader, -1)
        for i in range(largest):
            v = s.queue[i]
            if s.dist[v] <= depth and s.faction[v] == 0:
                reached += 1
    stamp = s.ints[STAMP] if leader >= 0 else _new_stamp(s)
    for start in range(n):
        if not s.alive[start] or s.stamp[start] == stamp:
            continue
        s.stamp[start] = stamp
        s.queue[0] = start
        head, tail = 0, 1
        while head < tail:
            u = s.queue[head]
            head += 1
            b = s.start[u]
            for i in range(s.deg[u]):
                v = s.adj[b + i]
                seen = s.stamp[v]
                if seen != stamp and seen >= 0:
                    s.stamp[v] = stamp
                    s.queue[tail] = v
                    tail += 1
        largest = max(largest, tail)
        if tail >= min_size:
            splinters += 1
    reach = reached / parent if parent else 0.0
    return reach, parent, largest / alive, splinters, alive


@njit(cache=True)
def compact(s) -> None:
    """Drop dead neighbours from every tie list (order kept) and lay the lists out again
    in slot order, so searches stay fast as members come and go and lists move."""
    n = s.ints[SLOTS]
    room = np.empty(n, dtype=np.int64)
    total = 0
    for u in range(n):
        b = s.start[u]
        kept = 0
        for i in range(s.deg[u]):
            if s.alive[s.adj[b + i]]:
                kept += 1
        room[u] = kept + max(2, kept // 4) if s.alive[u] else kept
        total += room[u]
    if total > s.adj.size:
        return
    fresh = np.full(total, -1, dtype=np.int32)
    position = 0
    for u in range(n):
        b = s.start[u]
        kept = 0
        for i in range(s.deg[u]):
            v = s.adj[b + i]
            if s.alive[v]:
                fresh[position + kept] = v
                kept += 1
        s.start[u] = position
        s.deg[u] = kept
        s.cap[u] = room[u]
        position += room[u]
    s.adj[:total] = fresh
    s.ints[ARENA] = total


@njit(cache=True)
def _inverse_distance_sum(s, source: int) -> float:
    count = bfs(s, source, -1)
    total = 0.0
    for i in range(1, count):
        total += 1.0 / s.dist[s.queue[i]]
    return total


@njit(cache=True)
def efficiency(s, root: np.uint64, week: int, exact_below: int,
               sources: int) -> tuple[float, float]:
    """Global efficiency of the living network, mean over ordered pairs of 1/distance
    (0 for unreachable pairs), with its standard error. Exact (every source) up to
    `exact_below` living members (error 0); above, a mean over `sources` sources drawn
    uniformly (with replacement) for this week, whose standard error is the sample sd of
    the per-source means over sqrt(sources)."""
    n = s.ints[SLOTS]
    alive = 0
    for u in range(n):
        if s.alive[u]:
            alive += 1
    if alive < 2:
        return 0.0, 0.0
    if alive <= exact_below:
        total = 0.0
        for u in range(n):
            if s.alive[u]:
                total += _inverse_distance_sum(s, u)
        return total / (alive * (alive - 1.0)), 0.0
    members = np.empty(alive, dtype=np.int32)
    j = 0
    for u in range(n):
        if s.alive[u]:
            members[j] = u
            j += 1
    values = np.empty(sources)
    for k in range(sources):
        pick = bits(root, np.uint64(k), week, SOURCES) % np.uint64(alive)
        values[k] = _inverse_distance_sum(s, members[pick]) / (alive - 1.0)
    mean = values.mean()
    if sources < 2:
        return mean, np.nan
    return mean, values.std() * np.sqrt(sources / (sources - 1.0)) / np.sqrt(sources)


@njit(cache=True)
def betweenness(s, root: np.uint64, week: int, exact_below: int, sources: int) -> np.ndarray:
    """Brandes betweenness of living members (unnormalised, unweighted): every source up to
    `exact_below` living members, otherwise `sources` sources drawn for this week (the
    ranking then carries sampling noise; the top members are found reliably)."""
    n = s.ints[SLOTS]
    score = np.zeros(n)
    alive = 0
    for u in range(n):
        if s.alive[u]:
            alive += 1
    members = np.empty(alive, dtype=np.int32)
    j = 0
    for u in range(n):
        if s.alive[u]:
            members[j] = u
            j += 1
    count = alive if alive <= exact_below else sources
    for k in range(count):
        if alive <= exact_below:
            src = members[k]
        else:
            src = members[bits(root, np.uint64(k), week, SOURCES + 100) % np.uint64(alive)]
        visited = bfs(s, src, -1)
        for i in range(visited):
            u = s.queue[i]
            s.sigma[u] = 0.0
            s.delta[u] = 0.0
        s.sigma[src] = 1.0
        for i in range(visited):  # path counts in BFS order
            u = s.queue[i]
            b = s.start[u]
            for t in range(s.deg[u]):
                v = s.adj[b + t]
                if s.alive[v] and s.dist[v] == s.dist[u] + 1:
                    s.sigma[v] += s.sigma[u]
        for i in range(visited - 1, 0, -1):  # dependencies in reverse order
            w = s.queue[i]
            b = s.start[w]
            for t in range(s.deg[w]):
                v = s.adj[b + t]
                if s.alive[v] and s.dist[v] == s.dist[w] - 1:
                    s.delta[v] += s.sigma[v] / s.sigma[w] * (1.0 + s.delta[w])
            score[w] += s.delta[w]
    return score


@njit(cache=True)
def uniform_index(root: np.uint64, key: np.uint64, week: int, stream: int, count: int) -> int:
    """A uniform integer in [0, count) from a member's draw."""
    return min(count - 1, int(uniform(root, key, week, stream) * count))
