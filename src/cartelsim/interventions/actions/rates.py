"""Actions that scale a rate: recruitment prevented, arrests scaled or aimed, truces/wars."""

from __future__ import annotations

from cartelsim.interventions.actions.base import Action, Amount
from cartelsim.interventions.effects import Effect, ScaleGroupRate, ScaleRate
from cartelsim.params.catalogue import Params


class PreventRecruitment(Action):
    name = "prevent_recruitment"
    meaning = "Prevention programmes keep part of the targets' recruits from joining."
    amount = Amount("share of the targets' recruitment prevented: rho -> rho (1 - effect)",
                    0.0, 1.0, "share of recruits")

    def effects(self, amount: float, params: Params) -> tuple[Effect, ...]:
        return (ScaleGroupRate("recruitment", 1.0 - amount),)


class ScaleArrests(Action):
    name = "scale_arrests"
    meaning = "The state changes how many members it incapacitates nationally."
    amount = Amount("factor on national incapacitation eta (2 = arrests doubled)",
                    0.0, 100.0, "factor on eta")
    national = True

    def effects(self, amount: float, params: Params) -> tuple[Effect, ...]:
        return (ScaleRate("eta", amount),)


class FocusArrests(Action):
    name = "focus_arrests"
    meaning = "The state aims its arrests at some groups, or leaves them alone."
    amount = Amount("weight of the targets in where arrests go, a_i ~ e_i C_i (others keep "
                    "1; 0 = the state leaves them alone, 3 = three times the attention per "
                    "member)", 0.0, 100.0, "weight e_i")

    def effects(self, amount: float, params: Params) -> tuple[Effect, ...]:
        return (ScaleGroupRate("arrest_focus", amount),)


class ScaleConflict(Action):
    name = "scale_conflict"
    meaning = "A truce (< 1) or a war (> 1) changes how lethal the targets' conflicts are."
    amount = Amount("factor on the targets' conflict lethality theta (a truce < 1, a war > 1)",
                    0.0, 100.0, "factor on theta")

    def effects(self, amount: float, params: Params) -> tuple[Effect, ...]:
        return (ScaleGroupRate("conflict", amount),)
