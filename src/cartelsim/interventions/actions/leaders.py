"""Actions against the leadership: high-value-target (HVT) operations."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from cartelsim.interventions.actions.base import Action, Amount, registry
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
    required = ("kind",)

    def effects(self, amount: float, params: Params) -> tuple[Effect, ...]:
        return (RemoveLeaderEffect(amount),)

    def choices(self) -> dict[str, list[str]]:
        menus = {"kind": list(REMOVAL_KINDS), "succession": list(SUCCESSIONS)}
        return {name: values for name, values in menus.items() if name in self.options}

    def numbers(self) -> dict[str, tuple[float, float]]:
        return {"clarity": (0.0, 1.0)} if "clarity" in self.options else {}

    def removal_kind(self, spec: InterventionSpec) -> str:
        """Killed, captured, extradited or lieutenant: what sets the loss of integrity."""
        return spec.kind or "killed"

    def check(self, spec: InterventionSpec) -> None:
        super().check(spec)  # options of other actions
        self._check_kind(spec)
        if spec.clarity is not None and spec.succession not in (None, "uncertain"):
            raise ValueError("clarity applies to an uncertain succession only")

    def _check_kind(self, spec: InterventionSpec) -> None:
        if spec.kind is None:
            raise ValueError("remove_leader needs kind = one of " + ", ".join(REMOVAL_KINDS))

    def describe(self, spec: InterventionSpec) -> str | None:
        what = (f"leader {self.removal_kind(spec)} ({spec.succession or 'uncertain'} succession"
                f"{'' if spec.effect == 1 else f', success probability {spec.effect:g}'})")
        when = f"on {spec.start or 'the start'}"
        if spec.every_weeks:
            when += f", then every {spec.every_weeks} weeks to {spec.end or 'the end'}"
        return f"{spec.label or what} in {spec.target.describe()} {when}"


class DemandedTransfer(RemoveLeader):
    """A U.S. lever (issue 14): Washington demands, Mexico sends imprisoned leaders north."""

    name = "demanded_transfer"
    meaning = ("The United States demands that Mexico hand over imprisoned cartel leaders and "
               "Mexico sends them north (29 on 2025-02-27, 26 on 2025-08-12): each target "
               "group loses its leader to extradition, with that kind's loss of command "
               "integrity; a contested succession may split it.")
    amount = Amount("probability that the transfer includes each target's leader (1 = it "
                    "does)", 0.0, 1.0, "probability", default=1.0)
    options = MappingProxyType({
        "succession": "settled, contested or uncertain (default)",
        "clarity": "for an uncertain succession: this group's P(settled heir), 0-1 "
                   "(default: the catalogue's succession_clarity)",
    })
    required = ()

    def removal_kind(self, spec: InterventionSpec) -> str:
        return "extradited"

    def _check_kind(self, spec: InterventionSpec) -> None:
        """No kind to check: kind is not an option here (always extradited)."""


def removal_kind(spec: InterventionSpec) -> str:
    """The removal kind of a leader-removing intervention, as its action defines it."""
    action = registry()[spec.action]
    return action.removal_kind(spec) if isinstance(action, RemoveLeader) else spec.kind or "killed"
