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


# Discrete U.S. levers (issue 14): each adds its level to U.S. pressure u while it lasts,
# with the effects of `us_pressure` at that level (inherited: arrests and captures of visible
# groups; with territory, the Mexican state's split between visible and structural answers).
class TariffThreat(UsPressure):
    name = "tariff_threat"
    meaning = ("The United States threatens or imposes tariffs on Mexican goods to demand "
               "results against the cartels (as in 2025).")
    amount = Amount("pressure u it adds (default 0.5: half of the 2025 level, which "
                    "us_pressure sets at 1 for tariff threats and FTO designations together; "
                    "assumption)", 0.0, 10.0, "pressure u", default=0.5)


class FtoDesignation(UsPressure):
    name = "fto_designation"
    meaning = ("The United States designates cartels as Foreign Terrorist Organisations (as "
               "on 2025-02-20), widening sanctions and prosecutions.")
    amount = Amount("pressure u it adds (default 0.5: the other half of the 2025 level; "
                    "assumption)", 0.0, 10.0, "pressure u", default=0.5)


class UnilateralThreat(UsPressure):
    name = "unilateral_action_threat"
    meaning = ("The United States threatens unilateral military action against cartels on "
               "Mexican soil.")
    amount = Amount("pressure u it adds (default 0.5, as each 2025 lever; assumption: no "
                    "measure of its weight was found)", 0.0, 10.0, "pressure u", default=0.5)
