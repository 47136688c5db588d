"""The group network before and after: node positions, sizes and rivalry edges as JSON.

Positions come from a force layout of the system's rivalry and alliance graph with a fixed
seed, so the same system is always drawn the same way. Splinters that a run created sit
next to their parent and are wired as the splinter mechanism wires them (a rival of its
parent that inherits the parent's rivals).
"""

from __future__ import annotations

from functools import lru_cache

import networkx as nx
import numpy as np
import xarray as xr

from cartelsim.system.model import System


@lru_cache(maxsize=8)
def _layout(system: System) -> np.ndarray:
    graph = nx.Graph()
    graph.add_nodes_from(range(system.n_groups))
    for matrix in (system.rivalry, system.alliance):
        coo = matrix.tocoo()
        graph.add_edges_from((int(i), int(j)) for i, j in zip(coo.row, coo.col, strict=True)
                             if i < j)
    positions = nx.spring_layout(graph, seed=0, k=1.5 / np.sqrt(max(system.n_groups, 1)))
    return np.array([positions[i] for i in range(system.n_groups)])


def _edges(matrix) -> list[tuple[int, int]]:
    coo = matrix.tocoo()
    return [(int(i), int(j)) for i, j in zip(coo.row, coo.col, strict=True) if i < j]


def network(system: System, members: dict[str, xr.DataArray]) -> dict[str, object]:
    """Nodes (median members at the start and at the end in both scenarios) and edges.

    `members` maps "status-quo"/"policy" to (run, moment, group) members; groups that only
    one scenario has (splinter slots) count 0 members in the other.
    """
    xy = _layout(system)
    ids = list(system.group_ids)
    index = {gid: i for i, gid in enumerate(ids)}
    policy = members["policy"]
    ever = (policy.fillna(0.0) > 0).any(dim=[d for d in policy.dims if d != "group"]).values
    # splinters (slots, or a world-engine lineage's splinters) that held members in a run
    extra = [str(g) for g, seen in zip(policy.group.values, ever, strict=True)
             if str(g) not in index and seen]
    positions = [tuple(map(float, p)) for p in xy]
    rivalry = _edges(system.rivalry)
    names = list(system.group_names)
    synthetic = [bool(s) for s in system.synthetic]
    for number, gid in enumerate(extra):
        parent = index.get(gid.removesuffix("_splinter"), 0)
        angle = 2.0 * np.pi * (number + 1) / 7.0
        px, py = positions[parent]
        positions.append((px + 0.06 * np.cos(angle), py + 0.06 * np.sin(angle)))
        slot = len(ids)
        ids.append(gid)
        names.append(str(members["policy"].group_name.sel(group=gid).values)
                     if "group_name" in members["policy"].coords else gid)
        synthetic.append(synthetic[parent])
        rivalry.append((parent, slot))
        for i, j in _edges(system.rivalry):  # the splinter inherits its parent's rivals
            if parent in (i, j):
                rivalry.append((j if i == parent else i, slot))

    def median(label: str, moment: str) -> list[float]:
        table = members[label].sel(moment=moment).median("run")
        known = {str(g): float(v) for g, v in zip(table.group.values, table.values,
                                                   strict=True)}
        values = [known.get(g, 0.0) for g in ids]  # NaN only if every run failed
        return [round(v, 1) if np.isfinite(v) else 0.0 for v in values]

    return {
        "nodes": [{"id": gid, "name": name, "x": x, "y": y, "synthetic": synth}
                  for gid, name, (x, y), synth in zip(ids, names, positions, synthetic,
                                                      strict=True)],
        "start": median("policy", "start"),
        "end_status_quo": median("status-quo", "end"),
        "end_policy": median("policy", "end"),
        "rivalry": sorted(set(rivalry)),
        "alliance": _edges(system.alliance),
    }
