"""Maps of Mexico's 32 states and of the corridor network as matplotlib figures (for the brief);
functions return figures, never show them. The dashboard's Plotly versions are in `maps_web`.

Drawing primitives:
* `state_map` — a choropleth (one PolyCollection) of a value per state code, optionally
  hatching some states (a change whose interval includes zero);
* `category_map` — one colour per category (the dominant group), contested states hatched;
* `route_map` — the corridor network over the state outlines, segment width ∝ flow.

From results (the contract of issue 14, see `mapdata`): `homicide_map`, `change_map`,
`control_map`, `flow_map`. States with no value are grey and counted in the legend; a
diverging map (change against the status quo) is centred on zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from cartelsim.errors import CartelsimError
from cartelsim.territory.geometry import StateShape, read_states
from cartelsim.territory.mapdata import (
    LABELS,
    annual_homicides,
    crossing_tonnes,
    dominant_groups,
    median_by,
    paired_change,
    segments_from_crossings,
)
from cartelsim.territory.network import CorridorNetwork, load_network

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MISSING_COLOR = "#d9d9d9"
EDGE_COLOR = "#4d4d4d"
HATCH_COLOR = "#525252"
OTHER_COLOR = "#a6a6a6"
# Plate carrée looks squashed; stretch y by 1/cos(latitude) at the centre of Mexico.
ASPECT = 1.0 / np.cos(np.radians(23.5))
# Label placement (points) for crossings that sit close together on the map.
LABEL_OFFSETS = {
    "tijuana": (0, -10, "center", "top"),
    "nuevo_laredo": (-9, 0, "right", "center"),
    "matamoros": (4, -10, "left", "top"),
}
KIND_STYLE = {  # marker, colour, label
    "port": ("s", "#1f78b4", "Pacific port"),
    "production": ("^", "#33a02c", "producing region"),
    "border_entry": ("D", "#ff7f00", "southern border entry"),
    "hub": ("o", "#969696", "hub"),
    "crossing": ("*", "#e31a1c", "U.S. port of entry"),
}


def state_values(values: pd.Series | Mapping[str, float],
                 states: tuple[StateShape, ...]) -> pd.Series:
    """`values` as floats keyed by state code, checked: known codes, no duplicates, no
    infinities."""
    series = pd.Series(values, dtype="object")
    codes = {s.code for s in states}
    series.index = [str(k) for k in series.index]
    unknown = sorted(set(series.index) - codes)
    if unknown:
        raise CartelsimError(f"map values: unknown state code(s) {', '.join(unknown)}; expected "
                             "two-digit INEGI codes '01'..'32'")
    if series.index.duplicated().any():
        raise CartelsimError("map values: a state code appears twice")
    try:
        numbers = pd.to_numeric(series, errors="raise").astype(float)
    except (ValueError, TypeError):
        raise CartelsimError("map values: expected numbers per state code") from None
    if np.isinf(numbers).any():
        raise CartelsimError("map values: infinite values cannot be coloured")
    return numbers


def state_polygons(states: tuple[StateShape, ...] | None = None) -> tuple[list[str], list[np.ndarray]]:
    """Flatten states into (code per polygon, polygon rings): the draw order of `state_map`."""
    states = read_states() if states is None else states
    codes, rings = [], []
    for state in states:
        for ring in state.rings:
            codes.append(state.code)
            rings.append(ring)
    return codes, rings


def _norm(data: np.ndarray, diverging: bool):
    from matplotlib.colors import Normalize, TwoSlopeNorm

    finite = data[np.isfinite(data)]
    if diverging:
        bound = float(np.max(np.abs(finite))) if finite.size else 1.0
        bound = bound or 1.0
        return TwoSlopeNorm(vcenter=0.0, vmin=-bound, vmax=bound)
    if not finite.size:
        return Normalize(0.0, 1.0)
    low, high = float(finite.min()), float(finite.max())
    return Normalize(low, high if high > low else low + 1.0)


def _hatch(ax, codes: list[str], rings: list[np.ndarray], hatched: set[str], gid: str) -> int:
    """Overlay hatching on the polygons of the `hatched` states; returns how many states."""
    from matplotlib.collections import PolyCollection

    chosen = [ring for code, ring in zip(codes, rings, strict=True) if code in hatched]
    if chosen:
        overlay = PolyCollection(chosen, facecolors="none", edgecolors=HATCH_COLOR,
                                 linewidths=0.0, hatch="////", zorder=1.5)
        overlay.set_gid(gid)
        ax.add_collection(overlay)
    return len(hatched & set(codes))


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    """A Figure outside pyplot (a notebook's inline backend never shows it on its own) and
    its axes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots()


def _frame(ax, title: str) -> None:
    ax.autoscale_view()
    ax.set_aspect(ASPECT)
    ax.set_axis_off()
    ax.set_title(title)


def state_map(values: pd.Series | Mapping[str, float], title: str = "", cmap: str | None = None,
              diverging: bool = False, label: str = "",
              states: tuple[StateShape, ...] | None = None,
              hatched: Iterable[str] = (), hatched_label: str = "interval includes 0") -> Figure:
    """Choropleth of `values` (keyed by state code "01".."32") as a matplotlib Figure.

    `diverging=True` centres the colour scale on 0 (a red-blue map by default); otherwise the
    scale runs from the smallest to the largest value. Missing states are grey; states in
    `hatched` are hatched and named in the legend by `hatched_label`.
    """
    from matplotlib import colormaps
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    states = read_states() if states is None else states
    numbers = state_values(values, states)
    codes, rings = state_polygons(states)
    data = np.array([numbers.get(code, np.nan) for code in codes], dtype=float)
    colormap = colormaps[cmap or ("RdBu_r" if diverging else "viridis")].with_extremes(
        bad=MISSING_COLOR)
    fig, ax = _figure(9, 6)
    collection = PolyCollection(rings, cmap=colormap, norm=_norm(data, diverging),
                                edgecolors="white", linewidths=0.4)
    collection.set_array(np.ma.masked_invalid(data))
    collection.set_gid("states")
    ax.add_collection(collection)
    n_hatched = _hatch(ax, codes, rings, {str(c) for c in hatched}, "hatched")
    _frame(ax, title)
    fig.colorbar(collection, ax=ax, shrink=0.7, label=label)
    handles = []
    missing = sorted(set(codes) - set(numbers.dropna().index))
    if missing:
        handles.append(Patch(color=MISSING_COLOR, label=f"no data ({len(missing)} states)"))
    if n_hatched:
        handles.append(Patch(facecolor="white", edgecolor=HATCH_COLOR, hatch="////",
                             label=f"{hatched_label} ({n_hatched} states)"))
    if handles:
        ax.legend(handles=handles, loc="lower left", frameon=False)
    return fig


def group_colors(groups: list[str]) -> dict[str, str]:
    """A fixed colour per group, in the order given (largest first); beyond ten, one grey."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    palette = [to_hex(c) for c in colormaps["tab10"].colors]
    return {g: palette[k] if k < len(palette) else OTHER_COLOR for k, g in enumerate(groups)}


def category_map(labels: pd.Series | Mapping[str, str], colors: Mapping[str, str],
                 title: str = "", contested: Iterable[str] = (), legend_title: str = "",
                 states: tuple[StateShape, ...] | None = None) -> Figure:
    """One colour per category (`colors[label]`) for each state in `labels`; states in
    `contested` are hatched, states without a label grey. The legend lists each category."""
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    states = read_states() if states is None else states
    series = pd.Series(labels, dtype="object")
    series.index = [str(k) for k in series.index]
    codes, rings = state_polygons(states)
    unknown = sorted(set(series.index) - set(codes))
    if unknown:
        raise CartelsimError(f"map labels: unknown state code(s) {', '.join(unknown)}; expected "
                             "two-digit INEGI codes '01'..'32'")
    absent = sorted({str(v) for v in series.values} - set(colors))
    if absent:
        raise CartelsimError(f"map labels: no colour for {', '.join(absent)}")
    faces = [colors[series[c]] if c in series.index else MISSING_COLOR for c in codes]
    fig, ax = _figure(9, 6)
    collection = PolyCollection(rings, facecolors=faces, edgecolors="white", linewidths=0.4)
    collection.set_gid("states")
    ax.add_collection(collection)
    n_hatched = _hatch(ax, codes, rings, {str(c) for c in contested}, "contested")
    _frame(ax, title)
    shown = [v for v in dict.fromkeys(colors) if v in set(series.values)]
    handles = [Patch(color=colors[v], label=v) for v in shown]
    if n_hatched:
        handles.append(Patch(facecolor="white", edgecolor=HATCH_COLOR, hatch="////",
                             label=f"contested ({n_hatched} states)"))
    missing = len(set(codes) - set(series.index))
    if missing:
        handles.append(Patch(color=MISSING_COLOR, label=f"no group ({missing} states)"))
    ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=False, title=legend_title)
    return fig


def route_map(network: CorridorNetwork, segment_flow: np.ndarray | None = None,
              title: str = "", label_crossings: bool = True, max_width: float = 8.0,
              states: tuple[StateShape, ...] | None = None,
              crossing_tonnes: np.ndarray | None = None) -> Figure:
    """The corridor network over the state outlines; segment width ∝ `segment_flow` (tonnes).

    Without flows every segment is drawn thin, dashed where its length is computed rather than
    sourced. Nodes are marked by kind; crossings are labelled with their U.S. port and, with
    `crossing_tonnes` (one per crossing, order of `network.crossings`), their tonnes per week.
    """
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.lines import Line2D

    states = read_states() if states is None else states
    _, rings = state_polygons(states)
    fig, ax = _figure(10, 7)
    ax.add_collection(PolyCollection(rings, facecolors="#f7f7f7", edgecolors="#bdbdbd",
                                     linewidths=0.5))
    lines = [[(network.lon[a], network.lat[a]), (network.lon[b], network.lat[b])]
             for a, b in network.edges]
    if segment_flow is None:
        widths = np.full(network.n_edges, 1.2)
        styles = ["solid" if s else (0, (4, 2)) for s in network.sourced]
    else:
        flow = np.asarray(segment_flow, dtype=float)
        if flow.shape != (network.n_edges,) or np.any(flow < 0) or not np.all(np.isfinite(flow)):
            raise CartelsimError(f"segment_flow: expected {network.n_edges} non-negative numbers")
        top = flow.max() if flow.max() > 0 else 1.0
        widths = 0.4 + max_width * flow / top
        styles = ["solid"] * network.n_edges
    segments = LineCollection(lines, linewidths=widths, colors=EDGE_COLOR, linestyles=styles,
                              capstyle="round", zorder=2)
    segments.set_gid("segments")
    ax.add_collection(segments)
    handles = []
    for kind, (marker, color, text) in KIND_STYLE.items():
        idx = [i for i, k in enumerate(network.kinds) if k == kind]
        if not idx:
            continue
        size = 180 if kind == "crossing" else 50
        ax.scatter(network.lon[idx], network.lat[idx], marker=marker, s=size, c=color,
                   edgecolors="black", linewidths=0.5, zorder=3)
        handles.append(Line2D([], [], marker=marker, color=color, markeredgecolor="black",
                              linestyle="none", markersize=8, label=text))
    if label_crossings:
        for k, i in enumerate(network.crossings):
            dx, dy, ha, va = LABEL_OFFSETS.get(network.node_ids[i], (0, 10, "center", "bottom"))
            tonnes = "" if crossing_tonnes is None else f"\n{crossing_tonnes[k]:,.3g} t/week"
            ax.annotate(f"{network.names[i]}\n({network.us_ports[i].split(' (')[0]}){tonnes}",
                        (network.lon[i], network.lat[i]), xytext=(dx, dy),
                        textcoords="offset points", ha=ha, va=va, fontsize=7, zorder=4)
    if segment_flow is None:
        handles += [Line2D([], [], color=EDGE_COLOR, label="road km sourced"),
                    Line2D([], [], color=EDGE_COLOR, linestyle=(0, (4, 2)),
                           label="road km computed (great circle × detour)")]
    else:
        handles.append(Line2D([], [], color=EDGE_COLOR, linewidth=max_width * 0.6,
                              label="width ∝ tonnes on segment"))
    ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=False)
    _frame(ax, title)
    return fig


# --- From results (the contract of issue 14) -------------------------------------------------

def homicide_map(state_homicides: xr.DataArray, per: str = "rate", weeks: int = 52,
                 title: str | None = None) -> Figure:
    """Homicides by state: the median over runs of the yearly rate per 100,000 (or the count)
    over the last `weeks` weeks of `state_homicides (run, time, state)`, people per week."""
    yearly = annual_homicides(state_homicides, per, weeks)
    label = LABELS[per]
    heading = title if title is not None else (
        f"Homicides by state, last {weeks} weeks (median of runs)")
    return state_map(median_by(yearly, "state"), title=heading, cmap="Reds", label=label)


def change_map(base: xr.DataArray, policy: xr.DataArray, per: str = "rate", weeks: int = 52,
               level: float = 0.9, title: str | None = None) -> Figure:
    """Policy − status quo in homicides by state (paired by run), median on a diverging scale
    centred on 0; states whose `level` interval includes 0 are hatched."""
    change = paired_change(annual_homicides(base, per, weeks), annual_homicides(policy, per, weeks),
                           "state", level)
    heading = title if title is not None else (
        f"Change in homicides by state against the status quo, last {weeks} weeks")
    return state_map(change["median"], title=heading, diverging=True,
                     label=f"difference in {LABELS[per]} (median of paired runs)",
                     hatched=change.index[change["includes_zero"]],
                     hatched_label=f"{100 * level:g} % interval includes 0")


def control_map(presence: xr.DataArray, names: Mapping[str, str] | None = None,
                title: str = "Strongest group by state", largest: int = 9) -> Figure:
    """The strongest group per state (`presence (group, state)`, see `mapdata.dominant_groups`),
    one colour per group for the `largest` groups by states held, the rest as "other groups";
    contested states hatched."""
    control = dominant_groups(presence, names)
    ranking = control["name"].value_counts(sort=True)
    shown = list(ranking.index[:largest])
    labels = control["name"].where(control["name"].isin(shown), "other groups")
    colors = group_colors(shown) | {"other groups": OTHER_COLOR}
    return category_map(labels, colors, title=title,
                        contested=control.index[control["contested"]], legend_title="group")


def flow_map(flow_north: xr.DataArray, network: CorridorNetwork | None = None, weeks: int = 52,
             title: str | None = None) -> Figure:
    """Tonnes per week north by crossing (median over runs of the mean over the last `weeks`
    weeks) on the corridor network; segment widths show those tonnes routed back over the
    least-cost paths at default costs (`mapdata.segments_from_crossings`)."""
    network = load_network() if network is None else network
    tonnes = crossing_tonnes(flow_north, network, weeks)
    heading = title if title is not None else (
        f"Flow north by crossing, tonnes per week, last {weeks} weeks (median of runs)")
    return route_map(network, segments_from_crossings(network, tonnes), title=heading,
                     crossing_tonnes=tonnes)
