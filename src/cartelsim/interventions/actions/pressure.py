"""Outside pressure (L3): the United States pushing for observable results."""

from __future__ import annotations

from cartelsim.interventions.actions.base import Action, Amount
from cartelsim.interventions.effects import Effect, ScaleRate, SetPressure
from cartelsim.params.catalogue import Params


class UsPressure(Action):
    name = "us_pressure"
    meaning = ("U.S. pressure (tariff threats, FTO designations) raises arrests and drives "
               "leader removals of the most visible groups.")
    amount = Amount("intensity u of U.S. pressure (1 = the 2025 level: tariff threats, FTO "
                    "designations); raises arrests and drives leader removals of visible "
                    "groups", 0.0, 10.0, "pressure u")
    national = True

    def effects(self, amount: float, params: Params) -> tuple[Effect, ...]:
        return (ScaleRate("eta", 1.0 + params["pressure_arrest_gain"] * amount),
                SetPressure(amount))
