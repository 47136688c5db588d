"""Actions that remove members at once."""

from __future__ import annotations

from cartelsim.interventions.actions.base import Action, Amount
from cartelsim.interventions.effects import Effect, RemoveMembers
from cartelsim.params.catalogue import Params


class ArrestSweep(Action):
    name = "arrest_sweep"
    meaning = "A mass arrest takes a share of the targets' members on each of its dates."
    amount = Amount("share of the targets' members arrested at once on each date (a mass "
                    "arrest)", 0.0, 1.0, "share of members")
    lasting = False

    def effects(self, amount: float, params: Params) -> tuple[Effect, ...]:
        return (RemoveMembers(amount),)
