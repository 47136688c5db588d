"""Actions on the routes to the border (L5): crackdowns that make a crossing, or one road
segment of the corridor network, costlier."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from cartelsim.interventions.actions.base import Action, Amount
from cartelsim.interventions.effects import Effect, RaiseCrossingCost, RaiseSegmentCost
from cartelsim.params.catalogue import Params

if TYPE_CHECKING:
    from cartelsim.interventions.spec import InterventionSpec

# The crossings of data/territory/nodes.csv (kind = crossing); a test checks the file agrees.
CROSSINGS = ("tijuana", "mexicali", "nogales", "ciudad_juarez", "piedras_negras",
             "nuevo_laredo", "reynosa", "matamoros")


class CrossingCrackdown(Action):
    name = "crossing_crackdown"
    meaning = ("Mexican and U.S. forces crack down on one port of entry and its approaches: "
               "loads there cost more and are seized more often, so flows divert (EVIDENCE "
               "F7, F17).")
    amount = Amount("factor on the crossing's cost and seizure share (1 = no crackdown; "
                    "the catalogue's territory_crackdown_multiplier is a typical value)",
                    1.0, 20.0, "cost multiplier")
    needs = ("territory",)
    national = True
    options = MappingProxyType({"crossing": "the crossing cracked down on (required): "
                                + ", ".join(CROSSINGS)})
    required = ("crossing",)

    def effects(self, amount: float, params: Params) -> tuple[Effect, ...]:
        return (RaiseCrossingCost(amount),)

    def check(self, spec: InterventionSpec) -> None:
        super().check(spec)
        if spec.crossing not in CROSSINGS:
            raise ValueError(f"crossing_crackdown needs crossing = one of "
                             f"{', '.join(CROSSINGS)}, got {spec.crossing!r}")

    def choices(self) -> dict[str, list[str]]:
        return {"crossing": list(CROSSINGS)}

    def describe(self, spec: InterventionSpec) -> str | None:
        end = f" to {spec.end}" if spec.end else ""
        return (f"{spec.label or 'crackdown'} at the {spec.crossing} crossing (cost x "
                f"{spec.effect:g}) from {spec.start or 'the start'}{end}")


class SegmentCrackdown(Action):
    name = "segment_crackdown"
    meaning = ("Checkpoints, patrols and operations on one road segment of the corridors to the "
               "border: loads over it cost more, so routes that use it move to other roads and "
               "bring their violence with them (EVIDENCE F7: Dell 2015's crackdowns divert "
               "trafficking along the road network).")
    amount = Amount("factor on the segment's cost (1 = no crackdown; the catalogue's "
                    "territory_crackdown_multiplier is a typical value)", 1.0, 20.0,
                    "cost multiplier")
    needs = ("territory",)
    national = True
    options = MappingProxyType({"segment": "the segment cracked down on (required): the two "
                                "node ids of a row of data/territory/edges.csv joined by '-', "
                                "e.g. monterrey-nuevo_laredo (either order)"})
    required = ("segment",)

    def effects(self, amount: float, params: Params) -> tuple[Effect, ...]:
        return (RaiseSegmentCost(amount),)

    def check(self, spec: InterventionSpec) -> None:
        super().check(spec)
        from cartelsim.territory.network import segment_index

        segment_index(spec.segment)  # a one-line error naming the segments near the given one

    def choices(self) -> dict[str, list[str]]:
        from cartelsim.territory.network import segment_names

        return {"segment": segment_names()}

    def describe(self, spec: InterventionSpec) -> str | None:
        end = f" to {spec.end}" if spec.end else ""
        return (f"{spec.label or 'crackdown'} on the {spec.segment} road (cost x "
                f"{spec.effect:g}) from {spec.start or 'the start'}{end}")
