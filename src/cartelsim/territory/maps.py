"""Maps of Mexico's 32 states and of the corridor network; functions return figures, never show them.

* `state_map` — a matplotlib choropleth (one PolyCollection) of a value per state code;
* `state_map_plotly` — the same for the dashboard, drawn from the outlines (no network);
* `route_map` — the corridor network over the state outlines, segment width ∝ flow.

States with no value are drawn grey and named in the legend; a diverging map (change against
the status quo) is centred on zero.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from cartelsim.errors import CartelsimError
from cartelsim.territory.geometry import StateShape, read_states
from cartelsim.territory.network import CorridorNetwork

MISSING_COLOR = "#d9d9d9"
EDGE_COLOR = "#4d4d4d"
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


def _values(values: pd.Series | Mapping[str, float], states: tuple[StateShape, ...]) -> pd.Series:
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


def state_map(values: pd.Series | Mapping[str, float], title: str = "", cmap: str | None = None,
              diverging: bool = False, label: str = "", states: tuple[StateShape, ...] | None = None):
    """Choropleth of `values` (keyed by state code "01".."32") as a matplotlib Figure.

    `diverging=True` centres the colour scale on 0 (a red-blue map by default); otherwise the
    scale runs from the smallest to the largest value. Missing states are grey.
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    states = read_states() if states is None else states
    numbers = _values(values, states)
    codes, rings = state_polygons(states)
    data = np.array([numbers.get(code, np.nan) for code in codes], dtype=float)
    from matplotlib import colormaps

    colormap = colormaps[cmap or ("RdBu_r" if diverging else "viridis")].with_extremes(
        bad=MISSING_COLOR)
    fig, ax = plt.subplots(figsize=(9, 6), layout="constrained")
    collection = PolyCollection(rings, cmap=colormap, norm=_norm(data, diverging),
                                edgecolors="white", linewidths=0.4)
    collection.set_array(np.ma.masked_invalid(data))
    collection.set_gid("states")
    ax.add_collection(collection)
    ax.autoscale_view()
    ax.set_aspect(ASPECT)
    ax.set_axis_off()
    ax.set_title(title)
    fig.colorbar(collection, ax=ax, shrink=0.7, label=label)
    missing = sorted({c for c in codes} - set(numbers.dropna().index))
    if missing:
        ax.legend(handles=[Patch(color=MISSING_COLOR, label=f"no data ({len(missing)} states)")],
                  loc="lower left", frameon=False)
    return fig


def state_map_plotly(values: pd.Series | Mapping[str, float], title: str = "",
                     colorscale: str | None = None, diverging: bool = False, label: str = "",
                     states: tuple[StateShape, ...] | None = None):
    """The same choropleth as a Plotly Figure that works offline.

    Each state is a filled polygon trace on plain x/y axes (lon/lat), named by its code. Plotly's
    own ``Choropleth`` is not used: any choropleth trace makes plotly.js download a world
    TopoJSON from its CDN before drawing, which fails without a network. A hidden marker trace
    carries the colour bar; `diverging=True` centres the colour scale on 0 (``cmid=0``).
    """
    import plotly.graph_objects as go
    from plotly.colors import get_colorscale, sample_colorscale

    states = read_states() if states is None else states
    numbers = _values(values, states).dropna()
    scale = get_colorscale(colorscale or ("RdBu_r" if diverging else "Viridis"))
    finite = numbers.to_numpy()
    if diverging:
        bound = float(np.max(np.abs(finite))) if finite.size else 1.0
        low, high = -(bound or 1.0), (bound or 1.0)
    else:
        low = float(finite.min()) if finite.size else 0.0
        high = float(finite.max()) if finite.size else 1.0
        high = high if high > low else low + 1.0
    fig = go.Figure()
    for state in states:
        value = numbers.get(state.code)
        if value is None:
            color, hover = MISSING_COLOR, f"{state.name} ({state.code}): no data"
        else:
            color = sample_colorscale(scale, [(value - low) / (high - low)])[0]
            hover = f"{state.name} ({state.code}): {value:,.4g}"
        xs, ys = [], []
        for ring in state.rings:
            xs += [*ring[:, 0].tolist(), None]
            ys += [*ring[:, 1].tolist(), None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=color,
                                 line={"color": "white", "width": 0.6}, name=state.code,
                                 hoveron="fills", text=hover, hoverinfo="text",
                                 showlegend=False))
    fig.add_trace(go.Scatter(
        x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip", name="scale",
        marker={"colorscale": scale, "cmin": low, "cmax": high,
                "cmid": 0.0 if diverging else None, "color": [low], "showscale": True,
                "colorbar": {"title": {"text": label}}}))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=float(ASPECT))
    fig.update_layout(title=title, margin={"l": 0, "r": 0, "t": 40, "b": 0},
                      plot_bgcolor="white")
    return fig


def route_map(network: CorridorNetwork, segment_flow: np.ndarray | None = None,
              title: str = "", label_crossings: bool = True, max_width: float = 8.0,
              states: tuple[StateShape, ...] | None = None):
    """The corridor network over the state outlines; segment width ∝ `segment_flow` (tonnes).

    Without flows every segment is drawn thin, dashed where its length is computed rather than
    sourced. Nodes are marked by kind; crossings are labelled with their U.S. port.
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.lines import Line2D

    states = read_states() if states is None else states
    _, rings = state_polygons(states)
    fig, ax = plt.subplots(figsize=(10, 7), layout="constrained")
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
    ax.add_collection(LineCollection(lines, linewidths=widths, colors=EDGE_COLOR,
                                     linestyles=styles, capstyle="round", zorder=2))
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
        for i in network.crossings:
            dx, dy, ha, va = LABEL_OFFSETS.get(network.node_ids[i], (0, 10, "center", "bottom"))
            ax.annotate(f"{network.names[i]}\n({network.us_ports[i].split(' (')[0]})",
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
    ax.autoscale_view()
    ax.set_aspect(ASPECT)
    ax.set_axis_off()
    ax.set_title(title)
    return fig
