"""From run results to one number (or one label) per state or crossing, ready to be drawn.

The results contract of issue 14: ``state_homicides (run, time, state)`` in people per week and
``flow_north (run, time, crossing)`` in tonnes per week; state = INEGI code "01".."32",
crossing = a crossing node id of ``data/territory/nodes.csv``. Group strength per state
(``presence (group, state)``, or with a ``run`` dimension) gives control by group. Nothing here
draws: `cartelsim.territory.maps` and `maps_web` do.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import CATALOGUE
from cartelsim.system.embedded import group_presence, states_table
from cartelsim.system.model import System
from cartelsim.territory.network import CorridorNetwork
from cartelsim.territory.routing import crossing_shares, least_cost_routes

# Days in a (Julian) year over days in a week, as record.observation converts; defined here so
# that maps do not import the record package (and, through it, the replay).
WEEKS_PER_YEAR = 365.25 / 7.0
PER = ("rate", "count")
LABELS = {"rate": "homicides per 100,000 people per year", "count": "homicides per year"}


def require_dim(data: xr.DataArray, dim: str, name: str) -> xr.DataArray:
    """`data` itself when it has dimension `dim`; otherwise a one-line error naming what is
    missing."""
    if not isinstance(data, xr.DataArray):
        raise CartelsimError(f"{name}: expected an xarray DataArray with a {dim!r} dimension, "
                             f"got {type(data).__name__}")
    if dim not in data.dims:
        raise CartelsimError(f"{name}: these results have no {dim!r} dimension (they have "
                             f"{', '.join(map(str, data.dims)) or 'none'}); maps need a run "
                             "with territory, whose results carry state_homicides (run, time, "
                             "state) and flow_north (run, time, crossing)")
    return data


def variable(data: xr.Dataset, name: str, dim: str) -> xr.DataArray:
    """`data[name]`, checked for `dim`; a one-line error when the variable is absent."""
    if name not in data:
        raise CartelsimError(f"{name}: not in these results (they hold "
                             f"{', '.join(sorted(map(str, data.data_vars)))}); maps need a run "
                             f"with territory, whose results carry {name} with a {dim!r} dimension")
    return require_dim(data[name], dim, name)


def _last_weeks(data: xr.DataArray, weeks: int) -> xr.DataArray:
    if weeks < 1:
        raise CartelsimError(f"weeks = {weeks}: average over at least one week")
    return data.isel(time=slice(-weeks, None)) if "time" in data.dims else data


def annual_homicides(state_homicides: xr.DataArray, per: str = "rate", weeks: int = 52
                     ) -> xr.DataArray:
    """Homicides per year by state (and run): the mean over the last `weeks` weeks × weeks per
    year; `per="rate"` divides by the state's population (census 2020) per 100,000."""
    if per not in PER:
        raise CartelsimError(f"per = {per!r}: expected one of {', '.join(PER)}")
    data = require_dim(state_homicides, "state", "state_homicides")
    if bool((data < 0).any()) or bool(np.isinf(data).any()):
        raise CartelsimError("state_homicides: expected people per week, finite and >= 0")
    yearly = _last_weeks(data, weeks).mean("time") * WEEKS_PER_YEAR if "time" in data.dims \
        else data * WEEKS_PER_YEAR
    if per == "rate":
        population = states_table()["population"]
        codes = [str(c) for c in yearly["state"].values]
        unknown = sorted(set(codes) - set(population.index))
        if unknown:
            raise CartelsimError(f"state_homicides: unknown state code(s) {', '.join(unknown)}; "
                                 "expected INEGI codes '01'..'32'")
        people = xr.DataArray(population.loc[codes].to_numpy(float), dims="state",
                              coords={"state": yearly["state"]})
        yearly = 1e5 * yearly / people
    return yearly.rename(LABELS[per])


def median_by(data: xr.DataArray, dim: str) -> pd.Series:
    """Median over runs (if any) as a Series keyed by the `dim` coordinate, as strings."""
    values = data.median("run") if "run" in data.dims else data
    series = values.to_series()
    series.index = [str(k) for k in series.index]
    return series.astype(float)


def paired_change(base: xr.DataArray, policy: xr.DataArray, dim: str = "state",
                  level: float = 0.9) -> pd.DataFrame:
    """Policy − base, run by run (common random numbers), per `dim`: the median and the
    `level` interval over runs, and whether that interval includes zero.

    Both arrays must share their runs and `dim` labels; they are already reduced over time.
    """
    for label, data in (("status quo", base), ("policy", policy)):
        require_dim(data, dim, label)
        if "run" not in data.dims:
            raise CartelsimError(f"{label}: a paired change needs a 'run' dimension")
    if not 0 < level < 1:
        raise CartelsimError(f"level = {level}: expected a share between 0 and 1")
    if base.sizes["run"] != policy.sizes["run"]:
        raise CartelsimError(f"paired change: {base.sizes['run']} status-quo runs but "
                             f"{policy.sizes['run']} policy runs; pairs need the same runs")
    difference = policy.drop_vars("run", errors="ignore") - base.drop_vars("run", errors="ignore")
    tail = (1 - level) / 2
    frame = pd.DataFrame({
        "median": median_by(difference, dim),
        "low": median_by(difference.quantile(tail, "run").drop_vars("quantile"), dim),
        "high": median_by(difference.quantile(1 - tail, "run").drop_vars("quantile"), dim),
    })
    frame["includes_zero"] = (frame["low"] <= 0) & (frame["high"] >= 0)
    return frame


def dominant_groups(presence: xr.DataArray, names: Mapping[str, str] | None = None,
                    contested_ratio: float | None = None) -> pd.DataFrame:
    """The strongest group per state and whether the state is contested.

    `presence` is group strength (members, or any non-negative measure) with dims (group,
    state), or (run, group, state) — then the median over runs. A state is contested when the
    runner-up holds at least `contested_ratio` of the leader's strength (catalogue
    ``territory_contested_ratio``). States where no group is present are left out.
    """
    data = require_dim(presence, "state", "presence")
    require_dim(data, "group", "presence")
    if "run" in data.dims:
        data = data.median("run")
    ratio = CATALOGUE["territory_contested_ratio"].default if contested_ratio is None \
        else float(contested_ratio)
    values = data.transpose("group", "state").to_numpy().astype(float)
    if np.any(values < 0) or not np.all(np.isfinite(values)):
        raise CartelsimError("presence: expected finite, non-negative strengths")
    groups = [str(g) for g in data["group"].values]
    names = dict(names or {})
    rows = {}
    for k, state in enumerate(str(s) for s in data["state"].values):
        column = values[:, k]
        if column.max() <= 0:
            continue
        order = np.argsort(-column, kind="stable")
        leader, second = column[order[0]], (column[order[1]] if len(order) > 1 else 0.0)
        rows[state] = {"group": groups[order[0]], "name": names.get(groups[order[0]],
                                                                    groups[order[0]]),
                       "share": leader / column.sum(),
                       "runner_up": groups[order[1]] if second > 0 else "",
                       "contested": bool(second > 0 and second >= ratio * leader)}
    if not rows:
        raise CartelsimError("presence: no group has members in any state; expected group "
                             "home states as INEGI codes or state names")
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "state"
    return frame


def state_code(state: str, names: pd.Series) -> str:
    """The INEGI code of `state`, given as a code ("16") or a name: INEGI's ("Michoacán de
    Ocampo") or its usual short form ("Michoacán", as BACRIM 2020 writes it); "" if unknown.
    `names` is ``states_table()["name"]``."""
    if state in names.index:
        return state
    exact = names.index[names == state]
    short = names.index[names.str.startswith(f"{state} ")]
    found = exact if len(exact) else short
    return str(found[0]) if len(found) == 1 else ""


def spread_over_states(group_ids: list[str], home_states: list[str]) -> xr.DataArray:
    """Each group's share of its members per state (rows sum to 1), dims (group, state).

    A display rule (assumption: the data list where a group is present, not how its members
    divide between states): a named group of the embedded data is spread evenly over its home
    state and ``other_states_present``, a splinter ``<id>_splinter`` of a named group over its
    parent's states; any other group sits in its home state (a code or a name, `state_code`).
    """
    listed = group_presence()
    states = states_table()
    codes = list(states.index)
    column = {c: k for k, c in enumerate(codes)}
    table = np.zeros((len(group_ids), len(codes)))
    for i, (gid, home) in enumerate(zip(group_ids, home_states, strict=True)):
        fallback = frozenset({state_code(home, states["name"])})
        where = sorted(listed.get(gid.removesuffix("_splinter"), fallback) & column.keys())
        for code in where:
            table[i, column[code]] = 1.0 / len(where)
    return xr.DataArray(table, dims=("group", "state"), coords={"group": group_ids, "state": codes})


def presence_from_members(members: xr.DataArray) -> xr.DataArray:
    """Members per group and state from `members (..., group)` with a ``home_state`` coordinate
    (as run results carry), spread by `spread_over_states`. Dims (..., group, state)."""
    data = require_dim(members, "group", "members")
    if "home_state" not in data.coords:
        raise CartelsimError("members: no 'home_state' coordinate on the group dimension; "
                             "expected run results (they carry group, group_name, home_state)")
    spread = spread_over_states([str(g) for g in data["group"].values],
                                [str(h) for h in data["home_state"].values])
    presence = data.drop_vars([c for c in data.coords if c not in data.dims]) * spread
    return presence.rename("members").assign_attrs(units="members")


def embedded_presence(system: System) -> xr.DataArray:
    """Group strength per state for a system's groups at their `size_hint` (members), spread by
    `spread_over_states`. Dims (group, state), members."""
    if system.size_hint is None:
        raise CartelsimError(f"system {system.name!r} has no size_hint; pass members instead")
    members = xr.DataArray(np.asarray(system.size_hint, dtype=float), dims="group",
                           coords={"group": list(system.group_ids),
                                   "home_state": ("group", list(system.home_states))})
    return presence_from_members(members)


def crossing_tonnes(flow_north: xr.DataArray, network: CorridorNetwork, weeks: int = 52
                    ) -> np.ndarray:
    """Tonnes per week by crossing, in the order of `network.crossings`: the mean over the last
    `weeks` weeks, median over runs. Crossings absent from the results count 0."""
    data = require_dim(flow_north, "crossing", "flow_north")
    ids = [network.node_ids[i] for i in network.crossings]
    unknown = sorted({str(c) for c in data["crossing"].values} - set(ids))
    if unknown:
        raise CartelsimError(f"flow_north: unknown crossing(s) {', '.join(unknown)}; expected "
                             f"{', '.join(ids)}")
    series = median_by(_last_weeks(data, weeks).mean("time") if "time" in data.dims else data,
                       "crossing")
    tonnes = series.reindex(ids).fillna(0.0).to_numpy(float)
    if np.any(tonnes < 0) or not np.all(np.isfinite(tonnes)):
        raise CartelsimError("flow_north: expected finite, non-negative tonnes")
    return tonnes


def segments_from_crossings(network: CorridorNetwork, tonnes: np.ndarray) -> np.ndarray:
    """Tonnes per segment that carry `tonnes` per crossing (order of `network.crossings`).

    Results give tonnes per crossing only, so the map routes them back: each crossing's tonnes
    come from the origins in proportion to that crossing's share of each origin's supply at
    default costs (`routing.crossing_shares`, equal supply per origin), along least-cost paths.
    The widths are therefore a picture of plausible routes, not an output of the model.
    """
    routes = least_cost_routes(network)
    shares = crossing_shares(routes.cost)  # (origin, crossing)
    totals = shares.sum(axis=0)
    weights = np.divide(shares, totals, out=np.zeros_like(shares), where=totals > 0)
    flow = weights * np.asarray(tonnes, dtype=float)[None, :]
    on_edge = np.zeros(network.n_edges)
    for o, row in enumerate(routes.paths):
        for c, path in enumerate(row):
            if path:
                on_edge[list(path)] += flow[o, c]
    return on_edge
