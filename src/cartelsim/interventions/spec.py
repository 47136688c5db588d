"""The validated form of an intervention, as written in Python or in a scenario file.

    [[interventions]]
    action = "prevent_recruitment"     # what (see `cartelsim actions`)
    effect = 0.5                       # halves recruitment of the targets
    start = 2026-06-01                 # when (default: the start of the horizon)
    end = 2031-01-01                   # optional; default: the end of the horizon
    target = { largest = 5 }           # to whom (default: every group)

    [[interventions]]
    action = "scale_arrests"
    effect = 2
    when = { national_homicides_above = 1500 }   # only while the condition holds (see
                                                # interventions.conditions)

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

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cartelsim.interventions import actions
from cartelsim.interventions.actions.leaders import REMOVAL_KINDS, SUCCESSIONS
from cartelsim.interventions.conditions import WhenSpec
from cartelsim.textmatch import closest

Number = Annotated[float, Field(strict=True)]
StrictWhole = Annotated[int, Field(strict=True)]

__all__ = ["ACTION_NAMES", "REMOVAL_KINDS", "SUCCESSIONS", "InterventionSpec", "TargetSpec",
           "WhenSpec"]

# The actions are registered classes (`interventions.actions`); kinds of leader removal and
# of succession are remove_leader's options.
ACTION_NAMES = actions.names()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TargetSpec(_Strict):
    """To whom: named groups, the N largest when the action starts, or the rivals of one.

    Leave all fields empty for every group. Names are group ids or names of the system.
    `lineage` narrows 'the N largest' to the groups descended from one group of the system
    (the group itself, its splinters and the new groups that entered in its lineage); only
    the world engine (fragmentation = "open") knows lineages.
    """

    groups: list[str] | None = None
    largest: StrictWhole | None = Field(default=None, ge=1)
    rivals_of: str | None = None
    lineage: str | None = None

    @model_validator(mode="after")
    def _one_rule(self) -> TargetSpec:
        chosen = [k for k in ("groups", "largest", "rivals_of") if getattr(self, k) is not None]
        if len(chosen) > 1:
            raise ValueError(f"choose one target rule, not {' and '.join(chosen)}")
        if self.groups is not None and not self.groups:
            raise ValueError("target.groups is empty; leave it out to target every group")
        if self.lineage is not None and self.largest is None:
            raise ValueError("target.lineage narrows 'largest'; give largest = N with it")
        return self

    @property
    def everyone(self) -> bool:
        return self.groups is None and self.largest is None and self.rivals_of is None

    def describe(self) -> str:
        if self.groups is not None:
            return ", ".join(self.groups)
        if self.largest is not None and self.lineage is not None:
            return f"the {self.largest} largest groups of the {self.lineage} lineage"
        if self.largest is not None:
            return f"the {self.largest} largest groups"
        if self.rivals_of is not None:
            return f"the rivals of {self.rivals_of}"
        return "every group"


class InterventionSpec(_Strict):
    """One intervention: an action with its effect, a schedule and a target."""

    action: str = Field(json_schema_extra={"enum": list(ACTION_NAMES)},
                        description="a registered action (`cartelsim actions`)")
    effect: Number | None = None  # required unless the action has a default
    kind: Literal["killed", "captured", "extradited", "lieutenant"] | None = None
    succession: Literal["settled", "contested", "uncertain"] | None = None
    clarity: Number | None = Field(default=None, ge=0.0, le=1.0)  # uncertain: P(settled)
    crossing: str | None = None  # crossing_crackdown: a crossing id of data/territory
    segment: str | None = None  # segment_crackdown: "a-b", the node ids of an edges.csv row
    start: dt.date | None = None
    end: dt.date | None = None
    every_weeks: StrictWhole | None = Field(default=None, ge=1, le=52 * 50)
    when: WhenSpec | None = None
    target: TargetSpec = TargetSpec()
    label: str = ""

    @field_validator("action")
    @classmethod
    def _registered(cls, name: str) -> str:
        if name not in actions.registry():
            hint = closest(name, list(actions.registry()))
            raise ValueError(f"unknown action {name!r}"
                             + (f"; did you mean {hint!r}?" if hint else "")
                             + f" (actions: {', '.join(actions.registry())})")
        return name

    @property
    def kind_of_action(self) -> actions.Action:
        """The registered class of this intervention's action."""
        return actions.action(self.action)

    @model_validator(mode="after")
    def _consistent(self) -> InterventionSpec:
        action = self.kind_of_action
        amount = action.amount
        if self.effect is None:
            if amount.default is None:
                raise ValueError(f"{self.action} needs an effect: {amount.meaning}")
            object.__setattr__(self, "effect", amount.default)
        if not amount.low <= self.effect <= amount.high:
            raise ValueError(
                f"effect of {self.action} must be between {amount.low:g} and {amount.high:g} "
                f"({amount.meaning}), got {self.effect!r}"
            )
        if self.start and self.end and self.end <= self.start:
            raise ValueError(f"end {self.end} must come after start {self.start}")
        once = not action.lasting
        if self.every_weeks is not None and once is False:
            repeated = " and ".join(sorted(n for n, a in actions.registry().items()
                                           if not a.lasting))
            raise ValueError(f"every_weeks applies to one-off actions ({repeated}), not "
                             f"{self.action}, which lasts from start to end")
        if once and self.end is not None and self.every_weeks is None and self.when is None:
            raise ValueError(f"{self.action} happens once at `start`; give every_weeks to "
                             "repeat it until `end` (or `when` to trigger it in that window)")
        action.check(self)
        if action.national and not self.target.everyone:
            raise ValueError(f"{self.action} acts on the whole country; use focus_arrests to "
                             "aim arrests at some groups")
        return self

    def describe(self) -> str:
        condition = f" {self.when.describe()}" if self.when is not None else ""
        special = self.kind_of_action.describe(self)
        if special is not None:
            return special + condition
        when = f"from {self.start or 'the start'}"
        if self.end:
            when += f" to {self.end}"
        if self.every_weeks:
            when += f", every {self.every_weeks} weeks"
        return (f"{self.label or self.action} (effect {self.effect:g}) on "
                f"{self.target.describe()} {when}{condition}")
