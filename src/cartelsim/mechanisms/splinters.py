"""Splinter slots: room on the group axis for the groups that splits create during a run.

A split moves members into a new group that is a strong rival of its parent and inherits
the parent's rivalries (DESIGN.md §2 L2). Engines share one rivalry structure across runs,
so every group that may split gets an empty slot up front, wired as its splinter would be.
An empty slot changes nothing (its members are zero, and adding 0 is exact), so a system
with slots gives bit-for-bit the results of the system without them until a split happens.

A splinter inherits part of its parent's alliances ("part of its alliances", DESIGN.md §2
L2): the share `alliance_share` of the parent's alliance strength counts in the splinter's
own conflict term, s^A_splinter = share x s^A_parent. Its parent's allies do not gain an
ally (that would change their conflict term before any split).

Limit: one split per parent per run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from cartelsim.system.model import System


def with_splinter_slots(system: System, parents: Sequence[int], rivalry_weight: float,
                        alliance_share: float = 0.0) -> System:
    """A copy of `system` with one empty splinter slot after the groups for each parent."""
    parents = sorted(set(int(p) for p in parents))
    if not parents:
        return system
    n, k = system.n_groups, len(parents)
    rivalry = sp.lil_array((n + k, n + k))
    rivalry[:n, :n] = system.rivalry
    for offset, p in enumerate(parents):
        slot = n + offset
        row = system.rivalry[[p], :].toarray().ravel()
        for j in np.flatnonzero(row):
            rivalry[slot, j] = row[j]
            rivalry[j, slot] = row[j]
        rivalry[slot, p] = rivalry_weight
        rivalry[p, slot] = rivalry_weight
    alliance = sp.lil_array((n + k, n + k))
    alliance[:n, :n] = system.alliance
    parent = np.concatenate([np.full(n, -1), np.asarray(parents)])
    inherited = np.zeros(n + k)
    inherited[n:] = alliance_share * system.alliance_strength[parents]
    size_hint = None
    if system.size_hint is not None:
        size_hint = np.concatenate([np.asarray(system.size_hint, dtype=float), np.zeros(k)])
    return replace(
        system,
        group_ids=system.group_ids + tuple(f"{system.group_ids[p]}_splinter" for p in parents),
        group_names=system.group_names + tuple(
            f"{system.group_names[p]} (splinter)" for p in parents),
        home_states=system.home_states + tuple(system.home_states[p] for p in parents),
        rivalry=sp.csr_array(rivalry),
        alliance=sp.csr_array(alliance),
        synthetic=np.concatenate([system.synthetic, system.synthetic[parents]]),
        size_hint=size_hint,
        parent=parent,
        inherited_alliance=inherited,
    )
