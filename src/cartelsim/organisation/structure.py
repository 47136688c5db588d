"""The organisation generator: roles, a chain of command and lateral ties.

One leader commands lieutenants (plaza bosses; in a large organisation the first
`span_of_control` of them command the others, level by level); each plaza has enforcers
(armed cell heads), each cell its lookouts. Financiers answer to the leader (to the top
lieutenants when there are more than `span_of_control`) and work with a few plazas;
corrupt contacts are on a plaza's payroll. Lateral ties join members of a cell, some reach
other cells of the plaza, and lieutenants know a few of their peers. A compartmentalised
organisation keeps lateral ties inside cells, at `COMPARTMENT_TIES` of the rate, cuts the
ties between lieutenants and gives each financier one plaza (security over efficiency);
it also recovers securely (see `experiment.kernel_parameters`).

Members are numbered leader, lieutenants, financiers, contacts, enforcers (by plaza),
lookouts (by cell), so neighbours sit close in memory. A member's key (its stable id for
random draws) is its initial number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from cartelsim.errors import CartelsimError
from cartelsim.organisation.draws import ORGANISATION

LEADER, LIEUTENANT, FINANCIER, CONTACT, ENFORCER, LOOKOUT = range(6)
ROLE_NAMES = ("leader", "lieutenant", "financier", "contact", "enforcer", "lookout")
STRUCTURE_STREAM = 99  # third spawn-key element of the generator's SeedSequence
COMPARTMENT_TIES = 0.2  # lateral ties of a compartmentalised organisation, relative


@dataclass(frozen=True)
class Organisation:
    """A generated organisation: per-member arrays and an undirected edge list."""

    role: np.ndarray  # int8 [members], ROLE_NAMES
    boss: np.ndarray  # int32 [members], -1 for the leader
    plaza: np.ndarray  # int32 [members], the lieutenant's number; -1 for leader/financiers
    edges: np.ndarray  # int32 [ties, 2], each tie once with u < v

    @property
    def size(self) -> int:
        return int(self.role.size)

    def command_depth(self) -> int:
        """Longest chain of command from a member up to the leader (ties)."""
        depth = np.zeros(self.size, dtype=np.int64)
        for member in range(1, self.size):  # bosses precede their subordinates
            depth[member] = depth[self.boss[member]] + 1
        return int(depth.max())

    def role_counts(self) -> dict[str, int]:
        counts = np.bincount(self.role, minlength=len(ROLE_NAMES))
        return {name: int(c) for name, c in zip(ROLE_NAMES, counts, strict=True)}


def role_counts(members: int, params: Mapping[str, float],
                lieutenants: int | None = None) -> dict[str, int]:
    """How many members hold each role; impossible structures are one-line errors."""
    if members < 2:
        raise CartelsimError(f"members must be at least 2 (a leader and one member), got {members}")
    n_lt = lieutenants if lieutenants is not None else max(1, round(params["lieutenant_share"] * members))
    if n_lt < 1:
        raise CartelsimError(f"lieutenants must be at least 1, got {n_lt}")
    counts = {
        "leader": 1, "lieutenant": int(n_lt),
        "financier": round(params["financier_share"] * members),
        "contact": round(params["contact_share"] * members),
        "enforcer": round(params["enforcer_share"] * members),
    }
    used = sum(counts.values())
    if used > members:
        raise CartelsimError(
            f"impossible structure: {counts['lieutenant']} lieutenants, {counts['financier']} "
            f"financiers, {counts['contact']} contacts and {counts['enforcer']} enforcers do not "
            f"fit in {members} members with a leader")
    counts["lookout"] = members - used
    return counts


def command_depth(counts: dict[str, int], span: int) -> int:
    """Ties from the farthest member up to the leader in a generated organisation."""
    levels, covered, width = 1, span, span
    while covered < counts["lieutenant"]:
        width *= span
        covered += width
        levels += 1
    return levels + (counts["enforcer"] > 0) + (counts["lookout"] > 0)


def generate(members: int, params: Mapping[str, float], seed: int, run: int = 0, *,
             compartmentalised: bool = False, lieutenants: int | None = None) -> Organisation:
    """Draw one organisation of `members` members (replicate `run` of `seed`)."""
    counts = role_counts(members, params, lieutenants)
    rng = np.random.default_rng(np.random.SeedSequence(
        entropy=seed, spawn_key=(ORGANISATION, run, STRUCTURE_STREAM)))
    n_lt, n_fin, n_cc = counts["lieutenant"], counts["financier"], counts["contact"]
    n_enf, n_look = counts["enforcer"], counts["lookout"]
    first = np.cumsum([0, 1, n_lt, n_fin, n_cc, n_enf, n_look])
    lts = np.arange(first[1], first[2])
    role = np.repeat(np.arange(6, dtype=np.int8), np.diff(first))
    boss = np.full(members, -1, dtype=np.int32)
    plaza = np.full(members, -1, dtype=np.int32)

    weights = rng.lognormal(0.0, params["plaza_size_sigma"], n_lt)
    weights /= weights.sum()
    span = max(2, int(params["span_of_control"]))
    # lieutenants form a span-ary tree under the leader (regional over plaza bosses)
    boss[lts] = np.where(np.arange(n_lt) < span, 0, lts[0] + (np.arange(n_lt) - span) // span)
    plaza[lts] = np.arange(n_lt)
    top = lts[:span]
    boss[first[2]:first[3]] = 0 if n_fin <= span else rng.choice(top, n_fin)
    cc_plaza = rng.choice(n_lt, n_cc, p=weights)
    plaza[first[3]:first[4]] = cc_plaza
    boss[first[3]:first[4]] = lts[cc_plaza]
    enf_plaza = np.sort(rng.choice(n_lt, n_enf, p=weights))
    plaza[first[4]:first[5]] = enf_plaza
    boss[first[4]:first[5]] = lts[enf_plaza]
    if n_enf:
        cell = np.sort(rng.integers(0, n_enf, n_look))
        boss[first[5]:] = first[4] + cell
        plaza[first[5]:] = enf_plaza[cell]
    else:
        look_plaza = np.sort(rng.choice(n_lt, n_look, p=weights))
        boss[first[5]:] = lts[look_plaza]
        plaza[first[5]:] = look_plaza

    ties = [np.column_stack([np.arange(1, members), boss[1:]])]
    links = 1 if compartmentalised else int(round(params["financier_links"]))
    links = min(links, n_lt)
    if links and n_fin:
        chosen = np.array([rng.choice(n_lt, links, replace=False, p=weights)
                           for _ in range(n_fin)])
        ties.append(np.column_stack([np.repeat(np.arange(first[2], first[3]), links),
                                     lts[chosen.ravel()]]))
    lt_pairs = 0 if compartmentalised else rng.poisson(n_lt * params["lieutenant_ties"] / 2)
    if lt_pairs and n_lt > 1:
        ties.append(lts[rng.integers(0, n_lt, (lt_pairs, 2))])
    ties.append(_street_ties(rng, boss, plaza, first, params,
                             0.0 if compartmentalised else params["cross_cell_share"],
                             COMPARTMENT_TIES if compartmentalised else 1.0))
    edges = np.concatenate(ties).astype(np.int64)
    edges = edges[edges[:, 0] != edges[:, 1]]
    edges = np.unique(np.sort(edges, axis=1), axis=0).astype(np.int32)
    return Organisation(role=role, boss=boss, plaza=plaza, edges=edges)


def _street_ties(rng: np.random.Generator, boss: np.ndarray, plaza: np.ndarray,
                 first: np.ndarray, params: Mapping[str, float], cross: float,
                 scale: float) -> np.ndarray:
    """Lateral ties among enforcers and lookouts: inside the cell, or (share `cross`) to
    another member of the same plaza."""
    street = np.arange(first[4], first[6])
    if street.size < 2:
        return np.empty((0, 2), dtype=np.int64)
    cell = np.where(boss[street] >= first[4], boss[street], street)  # enforcer heads a cell
    pairs = rng.poisson(street.size * params["lateral_ties"] * scale / 2)
    a = street[rng.integers(0, street.size, pairs)]
    across = rng.random(pairs) < cross
    partner = np.empty(pairs, dtype=np.int64)
    for key, mask in ((cell, ~across), (plaza[street], across)):
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        of_a = key[a - first[4]]
        lo = np.searchsorted(sorted_key, of_a, side="left")
        hi = np.searchsorted(sorted_key, of_a, side="right")
        pick = lo + np.floor(rng.random(pairs) * (hi - lo)).astype(np.int64)
        partner[mask] = street[order[np.minimum(pick, street.size - 1)]][mask]
    return np.column_stack([a, partner])
