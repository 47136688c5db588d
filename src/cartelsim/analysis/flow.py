"""A drug-flow index: the operating capacity of the groups that move drugs north (claim C6).

The model has no routes, tonnes or prices, so it cannot measure the flow of drugs itself.
What it does track is the capacity of the groups that could move them. The index is built
from existing outputs under three stated assumptions:

1. **Who traffics north.** A group moves drugs north if it is present in a state on the US
   land border (`borders_us` in the embedded states table; Dell, AER 2015, EVIDENCE F7:
   trafficking is routed to the border crossings). Named Mexico 2025 groups are present in
   their home state and their `other_states_present`; synthetic groups and BACRIM groups in
   their home state. A splinter inherits the presence of the group it split from.
2. **Capacity of one group.** Members x command integrity x liquidity:
   ``capacity_i = C_i L_i min(1, K_i / (payroll_weeks w C_i))``. A headless group cannot
   coordinate shipments (DESIGN.md §2 L2: low integrity lowers coordination of
   trafficking); a group that cannot pay its payroll cannot buy loads or bribes. Liquidity
   is 1 when the money mechanism is off (money never binds then).
3. **The index.** ``100 x sum_{i in T} capacity_i(t) / sum_{i in T} C_i(0)``: 100 is the
   trafficking groups at the start, intact and solvent.

Limits (stated wherever the index is shown): no routes, so interdiction cannot displace
traffic (EVIDENCE F17, the balloon effect); no price response, so scarcity cannot raise
violence (F9); no substitution by groups outside T. It indexes capacity, not tonnes.
"""

from __future__ import annotations

import csv
import unicodedata
from functools import cache
from importlib import resources

import numpy as np
import xarray as xr

ASSUMPTIONS = (
    "A group moves drugs north if it is present in a state on the US land border (Baja "
    "California, Sonora, Chihuahua, Coahuila, Nuevo León, Tamaulipas); presence of named "
    "groups from major_groups.csv (other_states_present), of synthetic and BACRIM groups from "
    "their home state (Dell 2015, EVIDENCE F7: traffic is routed to the border crossings).",
    "A group's capacity is members x command integrity x liquidity (DESIGN.md §2 L2: low "
    "integrity lowers coordination of trafficking; recruitment and operations need money).",
    "The index is 100 x the capacity of those groups over their members at the start.",
)
LIMITS = (
    "The index measures capacity, not tonnes: the model has no routes, so interdiction "
    "cannot displace traffic to other routes or groups (EVIDENCE F17), and no prices, so "
    "scarcity cannot raise violence (F9)."
)
SPLINTER_SUFFIX = "_splinter"


def _plain(text: str) -> str:
    """Lower case without accents, for matching state names across data sets."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip().lower()


@cache
def border_states() -> frozenset[str]:
    """INEGI codes and plain names of the states on the US land border (embedded data)."""
    from cartelsim.system.embedded import states_table

    states = states_table()
    border = states[states["borders_us"]]
    names = {_plain(n) for n in border["name"]}
    # BACRIM spells some states short ("Coahuila" for "Coahuila de Zaragoza")
    names |= {n.split(" de ")[0] for n in names}
    return frozenset(set(border.index) | names)


@cache
def named_presence() -> dict[str, frozenset[str]]:
    """Home and other states (INEGI codes) of each named Mexico 2025 group."""
    source = resources.files("cartelsim") / "data" / "embedded" / "major_groups.csv"
    with source.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {row["id"]: frozenset({row["home_state"], *filter(None, (
        row["other_states_present"] or "").split(";"))}) for row in rows}


def trafficking_groups(ds: xr.Dataset) -> np.ndarray:
    """True for the groups of `ds` that move drugs north (assumption 1), shape [group]."""
    border = border_states()
    presence = named_presence() if ds.attrs.get("system") == "mexico2025" else {}
    ids = [str(g) for g in ds["group"].values]
    homes = [str(h) for h in ds["home_state"].values]
    home_of = dict(zip(ids, homes, strict=True))
    mask = np.zeros(len(ids), dtype=bool)
    for k, gid in enumerate(ids):
        own = gid.removesuffix(SPLINTER_SUFFIX) if gid.endswith(SPLINTER_SUFFIX) else gid
        states = presence.get(own) or {home_of.get(own, homes[k])}
        mask[k] = any(s in border or _plain(s) in border for s in states)
    return mask


def liquidity(ds: xr.Dataset, payroll_weeks: float, member_wage: float) -> xr.DataArray:
    """min(1, K / (payroll_weeks w C)) per run, time and group; 1 without the money mechanism."""
    if "money" not in ds:
        return xr.ones_like(ds["members"], dtype=float)
    payroll = payroll_weeks * member_wage * ds["members"]
    ratio = xr.where(payroll > 0, ds["money"] / payroll.where(payroll > 0), 1.0)
    return ratio.clip(max=1.0)


def flow_index(ds: xr.Dataset, payroll_weeks: float, member_wage: float) -> xr.DataArray:
    """The drug-flow index (run, time): 100 = the trafficking groups at the start, intact.

    Needs per-group `members` and `command_integrity` (results recorded by group); the
    money parameters are those of the run (`payroll_weeks`, `member_wage`, US$ million per
    member per week).
    """
    mask = xr.DataArray(trafficking_groups(ds), dims="group", coords={"group": ds["group"]})
    members = ds["members"].where(mask, 0.0)
    integrity = ds["command_integrity"] if "command_integrity" in ds else 1.0
    capacity = (members * integrity * liquidity(ds, payroll_weeks, member_wage)).sum("group")
    start = members.isel(time=0).sum("group")
    index = 100.0 * capacity / start.where(start > 0)
    index.attrs.update(units="index (100 = trafficking groups at the start, intact and solvent)",
                       description="capacity of the groups that move drugs north: members x "
                       "command integrity x liquidity, summed over groups present in a US "
                       "border state (cartelsim.analysis.flow)")
    return index.rename("flow_index")
