"""The arrays of one simulated organisation, and how they are allocated.

Everything lives in flat arrays indexed by member slot (no Python object per member):
role, boss, faction, whether alive, and the member's stable key for random draws. Ties are
kept in an adjacency arena: member u's neighbours are adj[start[u] : start[u] + deg[u]],
with spare room (cap[u]) so a new tie is O(1); a full list moves to the end of the arena
with twice the room. Slots are never reused, so dead neighbours are simply skipped.

Open posts (vacancies) are rows of the vac_* arrays: who left, in which role and faction,
under which boss, and who replaced them.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from cartelsim.organisation.structure import Organisation

State = namedtuple("State", [
    "key", "role", "alive", "boss", "faction", "orphan", "vac_of", "mark",
    "start", "cap", "deg", "adj",
    "vac_member", "vac_role", "vac_boss", "vac_repl", "vac_open", "vac_faction", "vac_orphan",
    "ints", "floats", "stamp", "dist", "queue", "sigma", "delta", "root",
])

# Scalar counters kept in State.ints.
SLOTS, ARENA, NVAC, LEAD, RIVAL, CONTEST_START, NFACT, STATUS, STAMP, LOST, N0, \
    SUCCESSION, SPLIT_WEEK, SUCCESSION_WEEK, SPLITS = range(15)
N_INTS = 15
SPLIT_SHARE = 0  # State.floats
OK, FULL_SLOTS, FULL_ARENA = 0, 1, 2  # State.ints[STATUS]
NEW_MEMBER_ROOM = 4  # tie slots of a recruit


def capacities(members: int, edges: int, weeks: int, recruitment_rate: float) -> tuple[int, int]:
    """Slots and arena size for a run: the initial members plus room for recruits and
    replacements (about 1.5 x the expected number, +8 sd); twice the initial ties."""
    expected = recruitment_rate * members * weeks
    slots = members + int(1.5 * expected + 8 * np.sqrt(expected + 1)) + 64
    arena = 2 * (2 * edges + 2 * members) + NEW_MEMBER_ROOM * (slots - members) + 1024
    return slots, arena


def new_state(org: Organisation, slots: int, arena: int) -> State:
    """Arrays for `org` with room for `slots` members and `arena` tie entries."""
    n = org.size
    u, v = org.edges[:, 0], org.edges[:, 1]
    deg = np.bincount(np.concatenate([u, v]), minlength=n).astype(np.int32)
    cap0 = deg + np.maximum(2, deg // 4)
    start0 = np.zeros(n, dtype=np.int64)
    start0[1:] = np.cumsum(cap0)[:-1]
    used = int(cap0.sum())
    arena = max(arena, used + NEW_MEMBER_ROOM * (slots - n) + 1024)
    adj = np.full(arena, -1, dtype=np.int32)
    # neighbours in increasing order of the other end (a fixed, reproducible order)
    ends = np.concatenate([np.column_stack([u, v]), np.column_stack([v, u])])
    ends = ends[np.lexsort((ends[:, 1], ends[:, 0]))]
    offsets = np.concatenate([[0], np.cumsum(deg)[:-1]])
    position = start0[ends[:, 0]] + (np.arange(ends.shape[0]) - offsets[ends[:, 0]])
    adj[position] = ends[:, 1]

    def full(value: int, dtype: type) -> np.ndarray:
        return np.full(slots, value, dtype=dtype)

    key = np.zeros(slots, dtype=np.uint64)
    key[:n] = np.arange(n, dtype=np.uint64)
    role = full(-1, np.int8)
    role[:n] = org.role
    alive = np.zeros(slots, dtype=np.bool_)
    alive[:n] = True
    boss = full(-1, np.int32)
    boss[:n] = org.boss
    start = np.zeros(slots, dtype=np.int64)
    start[:n] = start0
    cap = np.zeros(slots, dtype=np.int32)
    cap[:n] = cap0
    degree = np.zeros(slots, dtype=np.int32)
    degree[:n] = deg
    ints = np.zeros(N_INTS, dtype=np.int64)
    ints[SLOTS], ints[ARENA], ints[N0] = n, used, n
    ints[LEAD], ints[RIVAL], ints[CONTEST_START], ints[NFACT] = 0, -1, -1, 1
    ints[LOST], ints[SUCCESSION], ints[SPLIT_WEEK], ints[SUCCESSION_WEEK] = -1, -1, -1, -1
    return State(
        key=key, role=role, alive=alive, boss=boss, faction=full(0, np.int32),
        orphan=full(-1, np.int32), vac_of=full(-1, np.int32), mark=full(-1, np.int32),
        start=start, cap=cap, deg=degree, adj=adj,
        vac_member=full(-1, np.int32), vac_role=full(-1, np.int8), vac_boss=full(-1, np.int32),
        vac_repl=full(-1, np.int32), vac_open=np.zeros(slots, dtype=np.bool_),
        vac_faction=full(0, np.int32), vac_orphan=full(-1, np.int32),
        ints=ints, floats=np.zeros(2), stamp=full(0, np.int32), dist=full(0, np.int32),
        queue=full(0, np.int32), sigma=np.zeros(slots), delta=np.zeros(slots),
        root=full(-1, np.int32),
    )


def neighbours(state: State, member: int) -> np.ndarray:
    """Current tie list of a member (dead neighbours included), for inspection."""
    s = state.start[member]
    return state.adj[s:s + state.deg[member]].copy()


def live_edges(state: State) -> np.ndarray:
    """Ties between living members, each once (u < v): the network as it stands."""
    n = int(state.ints[SLOTS])
    rows = []
    for u in np.flatnonzero(state.alive[:n]):
        nb = neighbours(state, int(u))
        nb = nb[(nb > u) & state.alive[np.maximum(nb, 0)]]
        rows.append(np.column_stack([np.full(nb.size, u), nb]))
    if not rows:
        return np.empty((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(rows), axis=0)
