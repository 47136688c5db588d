"""The brief's maps: Mexico's states as the brief shows them, as embedded PNG figures.

Observed homicides by state (SESNSP) and the strongest group per state as the model starts are
always drawn; homicides by state, the change against the status quo and the flow north by
crossing are drawn when the results carry the issue-14 variables (``state_homicides``,
``flow_north``). The figures come from `cartelsim.territory.maps`; this module only chooses
them and writes their captions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import xarray as xr

from cartelsim.report.figures import embed
from cartelsim.report.model import Figure
from cartelsim.system.model import System
from cartelsim.territory import maps
from cartelsim.territory.mapdata import embedded_presence
from cartelsim.territory.observed import FULL_YEARS, observed_rate

ATTRIBUTION = ("State outlines: INEGI, Marco Geoestadístico (Términos de Libre Uso de la "
               "Información del INEGI), simplified TopoJSON from diegovalle/new.crimenmexico "
               "(MIT licence).")


@dataclass
class MapsSection:
    """The figures of the brief's maps section and notes on what is not drawn yet."""

    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def section(system: System, base: xr.Dataset | None = None,
            policy: xr.Dataset | None = None) -> MapsSection:
    """Maps for the brief: observed homicides, control by group at the start, and — from
    `base` (the status quo) and `policy` when they carry state and crossing dimensions —
    homicides by state, the change against the status quo and the flow north."""
    out = MapsSection()
    first, last = FULL_YEARS[0], FULL_YEARS[-1]
    out.figures.append(embed(
        maps.state_map(observed_rate(), title=f"Homicide victims by state, {first}–{last}",
                       cmap="Reds", label="SESNSP victims per 100,000 people per year"),
        f"Observed: SESNSP victims of intentional homicide per 100,000 people, mean of the "
        f"complete years {first}–{last} (Oaxaca 2017–2018 only: its earlier years miss "
        "months)."))
    if system.size_hint is not None and all(h.isdigit() for h in system.home_states):
        names = dict(zip(system.group_ids, system.group_names, strict=True))
        out.figures.append(embed(
            maps.control_map(embedded_presence(system), names,
                             title=f"Strongest group by state at the start ({system.name})"),
            "The group with the most members in each state as the model starts: members spread "
            "evenly over the states where each group is reported present (a display rule); "
            "hatched where the runner-up holds at least half as many (contested)."))
    if base is not None and "state_homicides" in base:
        out.figures.append(embed(maps.homicide_map(base["state_homicides"]),
                                 "Status quo: homicides per 100,000 people per year by state, "
                                 "median of the worlds, last year of the run."))
        if policy is not None and "state_homicides" in policy:
            out.figures.append(embed(
                maps.change_map(base["state_homicides"], policy["state_homicides"]),
                "Policy minus status quo by state, paired world by world: median difference; "
                "hatched where the 90 % interval includes 0."))
    else:
        out.notes.append("Homicides by state and their change against the status quo are not "
                         "drawn: these results have no state dimension yet (issue 14).")
    if base is not None and "flow_north" in base:
        out.figures.append(embed(maps.flow_map(base["flow_north"]),
                                 "Status quo: tonnes per week north by crossing; segment widths "
                                 "route those tonnes over least-cost paths at default costs."))
    else:
        out.notes.append("The flow north by crossing is not drawn: these results have no "
                         "crossing dimension yet (issue 14).")
    out.notes.append(ATTRIBUTION)
    return out
