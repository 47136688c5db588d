"""The maps of `maps` as Plotly figures for the dashboard, drawn so that they work offline.

Each state is a filled polygon trace on plain x/y axes (lon/lat), named by its code, so the
page holds one SVG path per state. Plotly's own ``Choropleth`` is not used: any choropleth
trace makes plotly.js download a world TopoJSON from its CDN before drawing, which fails
without a network. A hidden marker trace carries a colour bar; `diverging=True` centres the
colour scale on 0 (``cmid=0``). Hatching is Plotly's ``fillpattern``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from cartelsim.territory.geometry import StateShape, read_states
from cartelsim.territory.mapdata import (
    annual_homicides,
    crossing_tonnes,
    dominant_groups,
    median_by,
    paired_change,
    segments_from_crossings,
)
from cartelsim.territory.maps import (
    ASPECT,
    EDGE_COLOR,
    HATCH_COLOR,
    MISSING_COLOR,
    OTHER_COLOR,
    group_colors,
    state_values,
)
from cartelsim.territory.network import CorridorNetwork, load_network

if TYPE_CHECKING:
    import plotly.graph_objects as go

HATCH = {"shape": "/", "fgcolor": HATCH_COLOR, "size": 6, "solidity": 0.25}
SHORT = {"rate": "per 100,000<br>per year", "count": "per year"}  # colour-bar titles fit a chart
# Outline coordinates in degrees: 0.001° ≈ 100 m, finer than the file's simplification.
DECIMALS = 3


def short_name(name: str) -> str:
    """A group's name without its parenthesis or alternative name, for legends:
    "Los Escorpiones / Ciclones (CDG Matamoros faction)" -> "Los Escorpiones"."""
    return name.split(" (")[0].split(" / ")[0]


def _outline(state: StateShape) -> tuple[list, list]:
    xs: list = []
    ys: list = []
    for ring in state.rings:
        xs += [*np.round(ring[:, 0], DECIMALS).tolist(), None]
        ys += [*np.round(ring[:, 1], DECIMALS).tolist(), None]
    return xs, ys


def _state_trace(state: StateShape, color: str, hover: str, hatched: bool) -> go.Scatter:
    import plotly.graph_objects as go

    xs, ys = _outline(state)
    return go.Scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=color,
                      line={"color": "white", "width": 0.6}, name=state.code, hoveron="fills",
                      text=hover, hoverinfo="text", showlegend=False,
                      fillpattern=HATCH if hatched else None)


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=float(ASPECT))
    fig.update_layout(title={"text": title, "font": {"size": 13}},
                      margin={"l": 0, "r": 0, "t": 40, "b": 0}, plot_bgcolor="white",
                      legend={"orientation": "h", "x": 0.0, "y": 0.0, "yanchor": "top",
                              "font": {"size": 10}})  # below the map, never over it
    return fig


def _key(fig: go.Figure, name: str, color: str, hatched: bool = False) -> None:
    """A legend entry (an invisible filled square) for a colour or the hatching."""
    import plotly.graph_objects as go

    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", fill="toself", fillcolor=color,
                             line={"width": 0}, name=name, showlegend=True, hoverinfo="skip",
                             fillpattern=HATCH if hatched else None))


def state_map(values: pd.Series | Mapping[str, float], title: str = "",
              colorscale: str | None = None, diverging: bool = False, label: str = "",
              states: tuple[StateShape, ...] | None = None, hatched: Iterable[str] = (),
              hatched_label: str = "interval includes 0") -> go.Figure:
    """Choropleth of `values` keyed by state code; states in `hatched` are hatched, states
    without a value grey, both counted in the legend."""
    import plotly.graph_objects as go
    from plotly.colors import get_colorscale, sample_colorscale

    states = read_states() if states is None else states
    numbers = state_values(values, states).dropna()
    hatch = {str(c) for c in hatched}
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
            hover = f"{state.name} ({state.code}): {value:,.4g}" + (
                f" ({hatched_label})" if state.code in hatch else "")
        fig.add_trace(_state_trace(state, color, hover, state.code in hatch))
    fig.add_trace(go.Scatter(
        x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip", name="scale",
        marker={"colorscale": scale, "cmin": low, "cmax": high,
                "cmid": 0.0 if diverging else None, "color": [low], "showscale": True,
                "colorbar": {"title": {"text": label, "side": "right"}, "thickness": 12}}))
    missing = len(states) - len(numbers)
    if missing:
        _key(fig, f"no data ({missing} states)", MISSING_COLOR)
    shown = len(hatch & {s.code for s in states})
    if shown:
        _key(fig, f"{hatched_label} ({shown} states)", "white", hatched=True)
    return _layout(fig, title)


def category_map(labels: pd.Series | Mapping[str, str], colors: Mapping[str, str],
                 title: str = "", contested: Iterable[str] = (),
                 states: tuple[StateShape, ...] | None = None,
                 hover: Mapping[str, str] | None = None) -> go.Figure:
    """One colour per category for each state in `labels`; `contested` states hatched; a
    legend entry per category shown."""
    import plotly.graph_objects as go

    states = read_states() if states is None else states
    series = pd.Series(labels, dtype="object")
    series.index = [str(k) for k in series.index]
    hatch = {str(c) for c in contested}
    hover = dict(hover or {})
    fig = go.Figure()
    for state in states:
        label = series.get(state.code)
        color = MISSING_COLOR if label is None else colors[label]
        text = f"{state.name} ({state.code}): " + hover.get(state.code, label or "no group")
        fig.add_trace(_state_trace(state, color, text, state.code in hatch))
    for label in [v for v in dict.fromkeys(colors) if v in set(series.values)]:
        _key(fig, label, colors[label])
    if hatch:
        _key(fig, f"contested ({len(hatch)} states)", "white", hatched=True)
    missing = len(states) - len(series)
    if missing:
        _key(fig, f"no group ({missing} states)", MISSING_COLOR)
    return _layout(fig, title)


def route_map(network: CorridorNetwork, segment_flow: np.ndarray, tonnes: np.ndarray,
              title: str = "", max_width: float = 10.0,
              states: tuple[StateShape, ...] | None = None) -> go.Figure:
    """State outlines, segments with width ∝ `segment_flow`, crossings sized and labelled by
    `tonnes` per week (order of `network.crossings`)."""
    import plotly.graph_objects as go

    states = read_states() if states is None else states
    fig = go.Figure()
    for state in states:
        fig.add_trace(_state_trace(state, "#f2f2f2", f"{state.name} ({state.code})", False))
    top = float(np.max(segment_flow)) if np.max(segment_flow) > 0 else 1.0
    for e, (a, b) in enumerate(network.edges):
        if segment_flow[e] <= 0:
            continue
        fig.add_trace(go.Scatter(
            x=[network.lon[a], network.lon[b]], y=[network.lat[a], network.lat[b]],
            mode="lines",
            line={"color": EDGE_COLOR, "width": 0.5 + max_width * segment_flow[e] / top},
            hoverinfo="text", text=f"{network.names[a]} – {network.names[b]}: "
            f"{segment_flow[e]:,.3g} t/week", showlegend=False, name=f"segment {e}"))
    idx = list(network.crossings)
    biggest = float(np.max(tonnes)) if np.max(tonnes) > 0 else 1.0
    fig.add_trace(go.Scatter(
        x=network.lon[idx], y=network.lat[idx], mode="markers+text",
        marker={"size": 6 + 24 * np.sqrt(np.asarray(tonnes) / biggest), "color": "#e31a1c",
                "line": {"color": "black", "width": 0.5}},
        text=[f"{network.names[i]} {t:,.3g} t" for i, t in zip(idx, tonnes, strict=True)],
        textposition="top center", textfont={"size": 9}, hoverinfo="text",
        name="U.S. port of entry (size ∝ tonnes/week)", showlegend=True))
    return _layout(fig, title)


# --- From results (the contract of issue 14) -------------------------------------------------

def homicide_map(state_homicides: xr.DataArray, per: str = "rate", weeks: int = 52,
                 title: str | None = None) -> go.Figure:
    """As `maps.homicide_map`, for the dashboard."""
    yearly = annual_homicides(state_homicides, per, weeks)
    heading = title if title is not None else f"Homicides by state, last {weeks} weeks"
    return state_map(median_by(yearly, "state"), heading, colorscale="Reds", label=SHORT[per])


def change_map(base: xr.DataArray, policy: xr.DataArray, per: str = "rate", weeks: int = 52,
               level: float = 0.9, title: str | None = None) -> go.Figure:
    """As `maps.change_map`, for the dashboard: hatched where the interval includes 0."""
    change = paired_change(annual_homicides(base, per, weeks), annual_homicides(policy, per, weeks),
                           "state", level)
    heading = title if title is not None else "Change in homicides against the status quo"
    return state_map(change["median"], heading, diverging=True,
                     label=f"difference<br>{SHORT[per]}",
                     hatched=change.index[change["includes_zero"]],
                     hatched_label=f"{100 * level:g} % interval includes 0")


def control_map(presence: xr.DataArray, names: Mapping[str, str] | None = None,
                title: str = "Strongest group by state", largest: int = 9) -> go.Figure:
    """As `maps.control_map`, for the dashboard; hover names the runner-up and the share."""
    control = dominant_groups(presence, names)
    control["name"] = control["name"].map(short_name)  # hover text keeps the runner-up's id
    shown = list(control["name"].value_counts(sort=True).index[:largest])
    labels = control["name"].where(control["name"].isin(shown), "other groups")
    colors = group_colors(shown) | {"other groups": OTHER_COLOR}
    hover = {code: f"{row['name']} ({100 * row['share']:.0f} % of the strength present)"
             + (f", contested by {row['runner_up']}" if row["contested"] else "")
             for code, row in control.iterrows()}
    return category_map(labels, colors, title, control.index[control["contested"]], hover=hover)


def flow_map(flow_north: xr.DataArray, network: CorridorNetwork | None = None, weeks: int = 52,
             title: str | None = None) -> go.Figure:
    """As `maps.flow_map`, for the dashboard."""
    network = load_network() if network is None else network
    tonnes = crossing_tonnes(flow_north, network, weeks)
    heading = title if title is not None else "Flow north by crossing, tonnes per week"
    return route_map(network, segments_from_crossings(network, tonnes), tonnes, heading)
