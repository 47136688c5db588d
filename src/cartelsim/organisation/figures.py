"""Figures of removal experiments. Each function takes data and returns a matplotlib Figure."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")  # files only; never open a window

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cartelsim.organisation.state import SLOTS, State, live_edges  # noqa: E402
from cartelsim.organisation.structure import ROLE_NAMES  # noqa: E402

ROLE_COLOURS = ("#000000", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#1f77b4")
PANELS = (("command_reach", "Command reach (share within k ties of the leader)"),
          ("efficiency", "Global efficiency"),
          ("largest_component", "Share of members in the largest component"))


def _band(ax, t, values: np.ndarray, label: str) -> None:
    lo, q1, mid, q3, hi = np.nanpercentile(values, [5, 25, 50, 75, 95], axis=0)
    ax.fill_between(t, lo, hi, alpha=0.18, color="C0", label="90 % of runs")
    ax.fill_between(t, q1, q3, alpha=0.3, color="C0", label="50 % of runs")
    ax.plot(t, mid, color="C0", label=label)


def reach_figure(ds: xr.Dataset, title: str | None = None) -> Figure:
    """Command reach, efficiency and largest component over time: median and intervals
    over runs, with the removal week(s) marked."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), constrained_layout=True)
    t = ds.time.values
    removals = removal_weeks(ds)
    for ax, (name, label) in zip(axes, PANELS, strict=True):
        values = ds[name].values
        measured = np.isfinite(values).any(axis=0)  # efficiency may skip weeks
        _band(ax, t[measured], values[:, measured], "median")
        for week in removals:
            ax.axvline(week, color="0.4", ls="--", lw=0.8)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("weeks since the start")
        ax.grid(alpha=0.3)
    axes[0].set_ylim(0, 1.02)
    axes[0].legend(fontsize=8, loc="lower right")
    fig.suptitle(title or f"{ds.attrs.get('strategy')} removal, {ds.attrs.get('succession')} "
                 f"succession: {ds.sizes['run']} organisations of {ds.attrs.get('members')} "
                 "members")
    return fig


def removal_weeks(ds: xr.Dataset) -> list[int]:
    return [int(w) for w in json.loads(ds.attrs.get("removal_weeks", "[]"))]


def network_sample(state: State, per_lieutenant: int = 3, per_enforcer: int = 2,
                   limit: int = 260) -> list[int]:
    """A readable sample of members: the leader, lieutenants, financiers and contacts,
    a few enforcers per lieutenant and a few lookouts per enforcer (slot order)."""
    n = int(state.ints[SLOTS])
    alive = np.flatnonzero(state.alive[:n])
    role, boss = state.role[:n], state.boss[:n]
    chosen = [int(m) for m in alive if role[m] <= 3][:limit]
    inside = set(chosen)
    taken: dict[int, int] = {}
    for level, quota in ((4, per_lieutenant), (5, per_enforcer)):
        for m in alive[role[alive] == level]:
            if len(chosen) >= limit:
                return chosen
            b = int(boss[m])
            if b in inside and taken.get(b, 0) < quota:
                taken[b] = taken.get(b, 0) + 1
                chosen.append(int(m))
                inside.add(int(m))
    return chosen


def network_figure(snapshots: list[tuple[str, State]], sample: list[int]) -> Figure:
    """The same sample of members drawn in each snapshot (e.g. before, just after and long
    after a removal), with fixed positions: colour = role, the leader as a star,
    members who have left as grey crosses."""
    first = snapshots[0][1]
    graph = nx.Graph()
    graph.add_nodes_from(sample)
    members = set(sample)
    graph.add_edges_from((u, v) for u, v in live_edges(first).tolist()
                         if u in members and v in members)
    positions = nx.spring_layout(graph, seed=1, iterations=80)
    fig, axes = plt.subplots(1, len(snapshots), figsize=(6 * len(snapshots), 6),
                             constrained_layout=True)
    for ax, (label, state) in zip(np.atleast_1d(axes), snapshots, strict=True):
        alive = [m for m in sample if state.alive[m]]
        gone = [m for m in sample if not state.alive[m]]
        edges = [(u, v) for u, v in live_edges(state).tolist()
                 if u in members and v in members]
        nx.draw_networkx_edges(nx.Graph(edges), positions, ax=ax, width=0.5, alpha=0.4)
        for code, name in enumerate(ROLE_NAMES):
            nodes = [m for m in alive if state.role[m] == code]
            if nodes:
                ax.scatter([positions[m][0] for m in nodes], [positions[m][1] for m in nodes],
                           s=220 if code == 0 else (60 if code < 4 else 18),
                           marker="*" if code == 0 else "o", c=ROLE_COLOURS[code],
                           label=name, zorder=3, edgecolors="white", linewidths=0.4)
        if gone:
            ax.scatter([positions[m][0] for m in gone], [positions[m][1] for m in gone],
                       marker="x", c="0.5", s=30, label="left", zorder=2)
        factions = np.unique(state.faction[alive]) if alive else []
        ax.set_title(f"{label}: {len(alive)} of {len(sample)} shown members"
                     + (f", {len(factions)} factions" if len(factions) > 1 else ""),
                     fontsize=10)
        ax.set_axis_off()
    np.atleast_1d(axes)[0].legend(fontsize=8, loc="lower left", markerscale=0.8)
    return fig
