"""Actions on the enabling environment: money and political protection (L2)."""

from __future__ import annotations

from cartelsim.interventions.actions.base import Action, Amount
from cartelsim.interventions.effects import CutProtection, Effect, FreezeMoney
from cartelsim.params.catalogue import Params


class FreezeAssets(Action):
    name = "freeze_assets"
    meaning = "Financial intelligence freezes the targets' accounts and seizes their money."
    amount = Amount("share of the targets' money frozen per year (before court releases, see "
                    "freeze_reversal; needs [mechanisms] money)", 0.0, 1.0, "share per year")
    needs = ("money",)

    def effects(self, amount: float, params: Params) -> tuple[Effect, ...]:
        return (FreezeMoney(amount),)


class ProsecuteCorruption(Action):
    name = "prosecute_corruption"
    meaning = "Anti-corruption prosecution destroys the targets' political protection."
    amount = Amount("share of the targets' political protection destroyed per week (needs "
                    "[mechanisms] protection)", 0.0, 1.0, "share per week")
    needs = ("protection",)

    def effects(self, amount: float, params: Params) -> tuple[Effect, ...]:
        return (CutProtection(amount),)
