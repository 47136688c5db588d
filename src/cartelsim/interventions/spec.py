"""The validated form of an intervention, as written in Python or in a scenario file.

    [[interventions]]
    action = "prevent_recruitment"     # what (see ACTIONS)
    effect = 0.5                       # halves recruitment of the targets
    start = 2026-06-01                 # when (default: the start of the horizon)
    end = 2031-01-01                   # optional; default: the end of the horizon
    target = { largest = 5 }           # to whom (default: every group)

    [[interventions]]
    action = "remove_leader"
    kind = "killed"                    # killed, captured, extradited or lieutenant
    succession = "contested"           # settled, contested or uncertain (default)
    # clarity = 0.2                    # for uncertain: this group's P(settled heir)
    start = 2026-02-22
    target = { groups = ["cjng"] }
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Number = Annotated[float, Field(strict=True)]
StrictWhole = Annotated[int, Field(strict=True)]

# What each action's `effect` means, its valid range, and whether it lasts or happens once.
ACTIONS: dict[str, dict[str, object]] = {
    "prevent_recruitment": {
        "effect": "share of the targets' recruitment prevented: rho -> rho (1 - effect)",
        "bounds": (0.0, 1.0), "kind": "lasting",
    },
    "scale_arrests": {
        "effect": "factor on national incapacitation eta (2 = arrests doubled)",
        "bounds": (0.0, 100.0), "kind": "lasting",
    },
    "focus_arrests": {
        "effect": "weight of the targets in where arrests go, a_i ~ e_i C_i (others keep 1; "
                  "0 = the state leaves them alone, 3 = three times the attention per member)",
        "bounds": (0.0, 100.0), "kind": "lasting",
    },
    "scale_conflict": {
        "effect": "factor on the targets' conflict lethality theta (a truce < 1, a war > 1)",
        "bounds": (0.0, 100.0), "kind": "lasting",
    },
    "arrest_sweep": {
        "effect": "share of the targets' members arrested at once on each date (a mass arrest)",
        "bounds": (0.0, 1.0), "kind": "once",
    },
    "freeze_assets": {
        "effect": "share of the targets' money frozen per year (before court releases, "
                  "see freeze_reversal; needs [mechanisms] money)",
        "bounds": (0.0, 1.0), "kind": "lasting",
    },
    "prosecute_corruption": {
        "effect": "share of the targets' political protection destroyed per week "
                  "(needs [mechanisms] protection)",
        "bounds": (0.0, 1.0), "kind": "lasting",
    },
    "us_pressure": {
        "effect": "intensity u of U.S. pressure (1 = the 2025 level: tariff threats, FTO "
                  "designations); raises arrests and drives leader removals of visible groups",
        "bounds": (0.0, 10.0), "kind": "lasting",
    },
    "remove_leader": {
        "effect": "probability that the operation succeeds on each date (1 = it does)",
        "bounds": (0.0, 1.0), "kind": "once",
    },
}
REMOVAL_KINDS = ("killed", "captured", "extradited", "lieutenant")
SUCCESSIONS = ("settled", "contested", "uncertain")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TargetSpec(_Strict):
    """To whom: named groups, the N largest when the action starts, or the rivals of one.

    Leave all fields empty for every group. Names are group ids or names of the system.
    """

    groups: list[str] | None = None
    largest: StrictWhole | None = Field(default=None, ge=1)
    rivals_of: str | None = None

    @model_validator(mode="after")
    def _one_rule(self) -> TargetSpec:
        chosen = [k for k in ("groups", "largest", "rivals_of") if getattr(self, k) is not None]
        if len(chosen) > 1:
            raise ValueError(f"choose one target rule, not {' and '.join(chosen)}")
        if self.groups is not None and not self.groups:
            raise ValueError("target.groups is empty; leave it out to target every group")
        return self

    @property
    def everyone(self) -> bool:
        return self.groups is None and self.largest is None and self.rivals_of is None

    def describe(self) -> str:
        if self.groups is not None:
            return ", ".join(self.groups)
        if self.largest is not None:
            return f"the {self.largest} largest groups"
        if self.rivals_of is not None:
            return f"the rivals of {self.rivals_of}"
        return "every group"


class InterventionSpec(_Strict):
    """One intervention: an action with its effect, a schedule and a target."""

    action: Literal["prevent_recruitment", "scale_arrests", "focus_arrests", "scale_conflict",
                    "arrest_sweep", "remove_leader", "freeze_assets", "prosecute_corruption",
                    "us_pressure"]
    effect: Number | None = None  # required, except remove_leader (default 1: succeeds)
    kind: Literal["killed", "captured", "extradited", "lieutenant"] | None = None
    succession: Literal["settled", "contested", "uncertain"] | None = None
    clarity: Number | None = Field(default=None, ge=0.0, le=1.0)  # uncertain: P(settled)
    start: dt.date | None = None
    end: dt.date | None = None
    every_weeks: StrictWhole | None = Field(default=None, ge=1, le=52 * 50)
    target: TargetSpec = TargetSpec()
    label: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> InterventionSpec:
        if self.effect is None:
            if self.action != "remove_leader":
                raise ValueError(f"{self.action} needs an effect: {ACTIONS[self.action]['effect']}")
            object.__setattr__(self, "effect", 1.0)
        low, high = ACTIONS[self.action]["bounds"]  # type: ignore[misc]
        if not low <= self.effect <= high:
            raise ValueError(
                f"effect of {self.action} must be between {low:g} and {high:g} "
                f"({ACTIONS[self.action]['effect']}), got {self.effect!r}"
            )
        if self.start and self.end and self.end <= self.start:
            raise ValueError(f"end {self.end} must come after start {self.start}")
        once = ACTIONS[self.action]["kind"] == "once"
        if self.every_weeks is not None and not once:
            raise ValueError(f"every_weeks applies to one-off actions (arrest_sweep), not "
                             f"{self.action}, which lasts from start to end")
        if once and self.end is not None and self.every_weeks is None:
            raise ValueError(f"{self.action} happens once at `start`; give every_weeks to "
                             "repeat it until `end`")
        if self.action == "remove_leader":
            if self.kind is None:
                raise ValueError("remove_leader needs kind = one of " + ", ".join(REMOVAL_KINDS))
            if self.clarity is not None and self.succession not in (None, "uncertain"):
                raise ValueError("clarity applies to an uncertain succession only")
        elif self.kind is not None or self.succession is not None or self.clarity is not None:
            raise ValueError(f"kind, succession and clarity apply to remove_leader, not "
                             f"{self.action}")
        if self.action in ("scale_arrests", "us_pressure") and not self.target.everyone:
            raise ValueError(f"{self.action} acts on the whole country; use focus_arrests to "
                             "aim arrests at some groups")
        return self

    def describe(self) -> str:
        if self.action == "remove_leader":
            what = (f"leader {self.kind} ({self.succession or 'uncertain'} succession"
                    f"{'' if self.effect == 1 else f', success probability {self.effect:g}'})")
            when = f"on {self.start or 'the start'}"
            if self.every_weeks:
                when += f", then every {self.every_weeks} weeks to {self.end or 'the end'}"
            return f"{self.label or what} in {self.target.describe()} {when}"
        when = f"from {self.start or 'the start'}"
        if self.end:
            when += f" to {self.end}"
        if self.every_weeks:
            when += f", every {self.every_weeks} weeks"
        return f"{self.label or self.action} (effect {self.effect:g}) on {self.target.describe()} {when}"
