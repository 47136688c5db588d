"""Actions against the leadership: high-value-target (HVT) operations."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from cartelsim.interventions.actions.base import Action, Amount
from cartelsim.interventions.effects import Effect
from cartelsim.interventions.effects import RemoveLeader as RemoveLeaderEffect
from cartelsim.params.catalogue import Params

if TYPE_CHECKING:
    from cartelsim.interventions.spec import InterventionSpec

REMOVAL_KINDS = ("killed", "captured", "extradited", "lieutenant")
SUCCESSIONS = ("settled", "contested", "uncertain")


class RemoveLeader(Action):
    name = "remove_leader"
    meaning = ("An operation kills, captures or extradites the targets' leader (or a "
               "lieutenant); command integrity falls and a contested succession may split "
               "the group.")
    amount = Amount("probability that the operation succeeds on each date (1 = it does)",
                    0.0, 1.0, "probability", default=1.0)
    lasting = False
    options = MappingProxyType({
        "kind": "killed, captured, extradited or lieutenant (required)",
        "succession": "settled, contested or uncertain (default)",
        "clarity": "for an uncertain succession: this group's P(settled heir), 0-1 "
                   "(default: the catalogue's succession_clarity)",
    })

    def effects(self, amount: float, params: Params) -> tuple[Effect, ...]:
        return (RemoveLeaderEffect(amount),)

    def check(self, spec: InterventionSpec) -> None:
        if spec.kind is None:
            raise ValueError("remove_leader needs kind = one of " + ", ".join(REMOVAL_KINDS))
        if spec.clarity is not None and spec.succession not in (None, "uncertain"):
            raise ValueError("clarity applies to an uncertain succession only")

    def describe(self, spec: InterventionSpec) -> str | None:
        what = (f"leader {spec.kind} ({spec.succession or 'uncertain'} succession"
                f"{'' if spec.effect == 1 else f', success probability {spec.effect:g}'})")
        when = f"on {spec.start or 'the start'}"
        if spec.every_weeks:
            when += f", then every {spec.every_weeks} weeks to {spec.end or 'the end'}"
        return f"{spec.label or what} in {spec.target.describe()} {when}"
