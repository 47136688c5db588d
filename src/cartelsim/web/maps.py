"""The dashboard's maps as Plotly figure JSON: Mexico before a run and after it.

Thin edge: the figures are built by `cartelsim.territory.maps_web` from library data; this
module only picks which maps a page or a run shows and turns them into JSON for plotly.js.
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING

import xarray as xr

from cartelsim.system.embedded import mexico_2025
from cartelsim.territory import maps_web
from cartelsim.territory.mapdata import presence_from_members
from cartelsim.territory.observed import FULL_YEARS, observed_rate
from cartelsim.web.paired import STATE_WEEKS, PairedResult

if TYPE_CHECKING:
    import plotly.graph_objects as go

RATE_LABEL = "per 100,000<br>per year"


def figure_json(fig: go.Figure) -> dict[str, object]:
    """A Plotly figure as the {data, layout} object plotly.js draws (numpy arrays encoded)."""
    return json.loads(fig.to_json())


@cache
def mexico_maps() -> dict[str, dict[str, object]]:
    """The maps shown before any run: observed homicides and the strongest group per state
    in the embedded "Mexico 2025" (members as the model starts them)."""
    first, last = FULL_YEARS[0], FULL_YEARS[-1]
    observed = maps_web.state_map(
        observed_rate(), f"Homicide victims {first}–{last} (SESNSP), mean per year",
        colorscale="Reds", label=RATE_LABEL)
    system = mexico_2025()
    members = xr.DataArray(system.size_hint, dims="group",
                           coords={"group": list(system.group_ids),
                                   "home_state": ("group", list(system.home_states))})
    control = maps_web.control_map(presence_from_members(members),
                                   dict(zip(system.group_ids, system.group_names, strict=True)),
                                   title="Strongest group by state, Mexico 2025 (embedded data)")
    return {"homicides": figure_json(observed), "control": figure_json(control)}


def result_maps(result: PairedResult) -> dict[str, dict[str, object]]:
    """The maps of a finished paired run: the strongest group per state at the end of the
    user's scenario and, when the results carry them, the change in homicides by state and
    the flow north by crossing in the user's scenario."""
    members = result.members["policy"].sel(moment="end")
    names = ({str(g): str(n) for g, n in zip(members.group.values, members.group_name.values,
                                              strict=True)}
             if "group_name" in members.coords else {})
    end = str(result.national["policy"].time.values[-1])[:10]
    maps = {}
    placed = "home_state" in members.coords and \
        float(presence_from_members(members).sum()) > 0  # some home state is a known state
    if placed:
        maps["control"] = figure_json(maps_web.control_map(
            presence_from_members(members), names,
            title=f"Strongest group by state at the end, {end}, your scenario"))
    if result.states:
        maps["change"] = figure_json(maps_web.change_map(
            result.states["status-quo"], result.states["policy"], per="rate",
            title=f"Homicides by state, your scenario − status quo, {STATE_WEEKS} weeks to "
            f"{end}"))
    if result.flows:
        maps["flows"] = figure_json(maps_web.flow_map(
            result.flows["policy"],
            title=f"Flow north by crossing, your scenario, tonnes per week, {STATE_WEEKS} "
            f"weeks to {end}"))
    return maps
