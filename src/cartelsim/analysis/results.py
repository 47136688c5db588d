"""A run's results and a paired comparison as objects with `.summary()` and `.plot()`.

They hold results and turn them into tables and figures; they never run the model
(`cartelsim.run` and `cartelsim.compare` do, in `cartelsim.api`). The data stay available
as labelled arrays (`Result.data`) and as numbers (`Comparison.differences`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from cartelsim.analysis.compare import group_label
from cartelsim.analysis.summary import HORIZON_WEEKS, national_summary, top_groups
from cartelsim.errors import CartelsimError

if TYPE_CHECKING:
    import plotly.graph_objects as go


@dataclass(frozen=True, repr=False)
class Result:
    """One scenario's runs: `data` is the labelled Dataset (run, time, group)."""

    data: xr.Dataset

    @property
    def scenario(self) -> str:
        """The scenario's name."""
        return str(self.data.attrs.get("scenario", "run"))

    def __repr__(self) -> str:
        ds = self.data
        failed = int((ds["status"] != 0).sum()) if "status" in ds else 0
        return (f"<Result {self.scenario} on {ds.attrs.get('system', '?')}: {ds.sizes['run']} "
                f"{ds.attrs.get('engine', '')} run(s) x {ds.sizes['time'] - 1} weeks from "
                f"{pd.Timestamp(ds.time.values[0]).date()}, {ds.sizes.get('group', 0)} groups"
                + (f", {failed} failed" if failed else "") + ">")

    def summary(self, weeks: Sequence[int] = HORIZON_WEEKS) -> pd.DataFrame:
        """National series at `weeks` after the start (and at the end): each cell is the
        median [5th-95th percentile] over runs. Flows are per week (the week ending then)."""
        return national_summary(self.data, tuple(weeks))

    def largest_groups(self, count: int = 8) -> pd.DataFrame:
        """The `count` largest groups at the end (median over runs): start, end, share."""
        return top_groups(self.data, count)

    def plot(self, groups: int | Sequence[str] | None = None) -> Figure:
        """The national series (homicides, members, active groups and the weekly flows),
        median and 90 % band over runs; with `groups` (a number N for the N largest at the
        end, or ids or names), those groups' members, deaths and command integrity."""
        from cartelsim.analysis.figures import groups_figure, national_figure

        if groups is None:
            return national_figure(self.data, f"{self.scenario} on "
                                   f"{self.data.attrs.get('system', '?')}: median and 90 % of "
                                   f"{self.data.sizes['run']} run(s)")
        return groups_figure(self.data, self._group_ids(groups))

    def map(self, what: str = "homicides", *, per: str = "rate", weeks: int = 52,
            backend: str = "matplotlib", drug: str | None = None) -> Figure | go.Figure:
        """A map of Mexico's states from these results (median over runs, the last `weeks`):

        * ``"homicides"``: ``state_homicides`` per state, `per` "rate" (per 100,000 people per
          year) or "count" (per year);
        * ``"control"``: the strongest group per state, contested states hatched, from the
          results' ``presence (run, group, state)`` or else from members at the end spread
          over the states where each group is reported present;
        * ``"flows"``: ``flow_north`` in tonnes per week by crossing, on the corridor network;
          with `drug` ("fentanyl", "methamphetamine" or "cocaine") that drug's tonnes only.

        `backend` "matplotlib" returns a Figure, "plotly" a Plotly figure (offline).
        """
        from cartelsim.territory.mapdata import variable

        maps = _map_module(backend)
        if drug is not None and what != "flows":
            raise CartelsimError(f"drug = {drug!r} applies to the \"flows\" map only")
        if what == "homicides":
            return maps.homicide_map(variable(self.data, "state_homicides", "state"), per, weeks)
        if what == "flows":
            if drug is None:
                return maps.flow_map(variable(self.data, "flow_north", "crossing"), weeks=weeks)
            by_drug = variable(self.data, "flow_north_by_drug", "drug")
            drugs = [str(d) for d in by_drug["drug"].values]
            if drug not in drugs:
                raise CartelsimError(f"drug = {drug!r}: expected one of {', '.join(drugs)}")
            return maps.flow_map(by_drug.sel(drug=drug), weeks=weeks,
                                 title=f"Flow north of {drug} by crossing, tonnes per week, "
                                 f"last {weeks} weeks (median of runs)")
        if what == "control":
            return maps.control_map(self._presence(), self._names(),
                                    title=f"Strongest group by state, {self._end()} "
                                    f"({self.scenario}, median of runs)")
        raise CartelsimError(f"map {what!r}: expected one of {', '.join(MAPS)}")

    def _presence(self) -> xr.DataArray:
        from cartelsim.territory.mapdata import presence_from_members, variable

        if "presence" in self.data:
            return variable(self.data, "presence", "state").isel(time=-1) \
                if "time" in self.data["presence"].dims else self.data["presence"]
        if "members" not in self.data:
            raise CartelsimError("these results hold national totals only (record = "
                                 "\"totals\"); run with record = \"groups\" to map control")
        return presence_from_members(self.data["members"].isel(time=-1))

    def _names(self) -> dict[str, str]:
        if "group_name" not in self.data.coords:
            return {}
        return {str(g): str(n) for g, n in zip(self.data.group.values,
                                               self.data.group_name.values, strict=True)}

    def _end(self) -> str:
        return str(pd.Timestamp(self.data.time.values[-1]).date())

    def _group_ids(self, groups: int | Sequence[str]) -> list[str]:
        if "group" not in self.data.dims:
            raise CartelsimError("these results hold national totals only (record = "
                                 "\"totals\"); run with record = \"groups\" to plot groups")
        if isinstance(groups, str):
            groups = [groups]
        if isinstance(groups, int | np.integer):
            if not 1 <= groups <= 10:
                raise CartelsimError(f"groups = {groups}: plot between 1 and 10 groups")
            end = self.data["members"].isel(time=-1).median("run").values
            order = np.argsort(-end, kind="stable")[: int(groups)]
            return [str(self.data.group.values[i]) for i in order]
        return [group_label(self.data, str(g)) for g in groups]


@dataclass(frozen=True, repr=False)
class Comparison:
    """A policy against a baseline on the same random worlds (common random numbers).

    `differences` is `analysis.compare.paired_differences`: one row per variable and
    horizon with both medians, the median paired difference and its interval, in numbers.
    """

    base: Result
    policy: Result
    differences: pd.DataFrame
    groups: tuple[str, ...] = ()

    def __repr__(self) -> str:
        ds = self.base.data
        return (f"<Comparison {self.policy.scenario} minus {self.base.scenario}: "
                f"{ds.sizes['run']} paired {ds.attrs.get('engine', '')} world(s), seed "
                f"{ds.attrs.get('seed', '?')}, {len(self.differences)} rows>")

    def summary(self) -> pd.DataFrame:
        """The paired differences as a readable table, to three significant digits:
        difference = median over worlds of policy - base [90 % interval]; relative = that
        median over the base's median; P(lower) = share of worlds where the policy is lower.
        The unrounded numbers are in `differences`."""
        rows = []
        for row in self.differences.itertuples():
            rows.append({
                "variable": row.variable, "months": f"{row.horizon_months:g}",
                "date": str(row.date), "base": _sig(row.base), "policy": _sig(row.policy),
                "difference [90 %]": _interval(row.difference, row.low, row.high),
                "relative": "" if not math.isfinite(row.relative)
                else f"{100 * row.relative:+.1f} %",
                "P(lower)": f"{row.p_lower:.2f}",
            })
        return pd.DataFrame(rows)

    def plot(self, group: str | None = None) -> Figure:
        """Both scenarios (median, 90 % band) and their paired difference over time:
        homicides, members, active groups, and the command integrity of `group` (default:
        the first group given to `compare`)."""
        from cartelsim.analysis.figures import comparison_figure

        chosen = group if group is not None else (self.groups[0] if self.groups else None)
        if chosen is not None:
            chosen = group_label(self.base.data, chosen)
        return comparison_figure(self.base.data, self.policy.data, chosen)


    def map(self, what: str = "homicides", *, per: str = "rate", weeks: int = 52,
            level: float = 0.9, backend: str = "matplotlib") -> Figure | go.Figure:
        """The policy minus the status quo by state, paired by run: for ``"homicides"`` the
        median difference in ``state_homicides`` over the last `weeks` (`per` "rate" or
        "count"), on a scale centred on 0, hatched where the `level` interval includes 0.
        `backend` "matplotlib" returns a Figure, "plotly" a Plotly figure."""
        from cartelsim.territory.mapdata import variable

        if what != "homicides":
            raise CartelsimError(f"map {what!r}: a comparison maps \"homicides\" (the change "
                                 "by state); map each scenario with Result.map for the others")
        return _map_module(backend).change_map(
            variable(self.base.data, "state_homicides", "state"),
            variable(self.policy.data, "state_homicides", "state"), per, weeks, level,
            title=f"{self.policy.scenario} minus {self.base.scenario}: homicides by state")


MAPS = ("homicides", "control", "flows")
BACKENDS = ("matplotlib", "plotly")


def _map_module(backend: str) -> ModuleType:
    """`territory.maps` (matplotlib) or `territory.maps_web` (Plotly), imported when asked for."""
    if backend not in BACKENDS:
        raise CartelsimError(f"backend {backend!r}: expected one of {', '.join(BACKENDS)}")
    if backend == "plotly":
        from cartelsim.territory import maps_web

        return maps_web
    from cartelsim.territory import maps

    return maps


def _decimals(magnitude: float, digits: int = 3) -> int:
    """Decimals that show `digits` significant digits of numbers of this size."""
    if not math.isfinite(magnitude) or magnitude == 0:
        return 0
    return max(0, digits - 1 - math.floor(math.log10(abs(magnitude))))


def _sig(value: float, digits: int = 3) -> str:
    if not math.isfinite(value):
        return "-"
    return f"{value:,.{_decimals(value, digits)}f}"


def _interval(mid: float, low: float, high: float) -> str:
    """'+18 [-76, +112]': the three numbers with the decimals of the widest one (none when
    all three are whole numbers, as counts of groups are)."""
    values = (mid, low, high)
    whole = all(math.isfinite(v) and float(v).is_integer() for v in values)
    places = 0 if whole else _decimals(max(abs(v) for v in values))
    return f"{mid:+,.{places}f} [{low:+,.{places}f}, {high:+,.{places}f}]"
