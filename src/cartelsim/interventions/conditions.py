"""Schedules that react to the state: an intervention that acts only while a condition holds.

    [[interventions]]
    action = "scale_arrests"
    effect = 2
    when = { national_homicides_above = 1500 }   # checked at the start of every week

The condition is checked at the start of each week of the intervention's window (from
`start` to `end`), in every run on that run's state, so runs may differ:

- a lasting action acts in the weeks in which the condition holds;
- a one-off action with `every_weeks` happens on those of its dates on which it holds;
- a one-off action without `every_weeks` happens once, in the first week of its window in
  which the condition holds (a trigger).

Conditions (all given must hold):

- `national_homicides_above`: homicides per week, as the conflict rate law gives them at
  the week's members under the policy's conflict factors (theta_i C_i (M C)_i, turned into
  homicides by `victim_member_share` and `homicide_share_of_victims`); succession fights
  after a leader removal are not counted;
- `group_members_above`: members of a target group; the action acts on those targets above
  the level (an action on the whole country acts when any group is above it);
- `us_pressure_above`: U.S. pressure u from the interventions without a condition.

Both engines apply these rules: the capped engines in `interventions.plan`, the world engine
inside its compiled step (`world.step`, sub-step "conditions"), on members at the start of
the week. In the world engine a splinter is judged from the week after its birth, and a
freeze or prosecution acts in the week after its condition held (money and protection move
on last week's actions in both engines).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

Level = Annotated[float, Field(strict=True, ge=0.0, allow_inf_nan=False)]


class WhenSpec(BaseModel):
    """The condition under which an intervention acts (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    national_homicides_above: Level | None = Field(
        default=None, description="national homicides per week above this level (the "
        "conflict law at the week's members, before succession fights)")
    group_members_above: Level | None = Field(
        default=None, description="members of a target group above this level (the action "
        "acts on those targets; an action on the whole country, when any group is above)")
    us_pressure_above: Level | None = Field(
        default=None, description="U.S. pressure u above this level (1 = the 2025 level), "
        "from the interventions without a condition")

    @model_validator(mode="after")
    def _something(self) -> WhenSpec:
        if all(getattr(self, key) is None for key in type(self).model_fields):
            raise ValueError("when needs a condition: national_homicides_above, "
                             "group_members_above or us_pressure_above")
        return self

    def describe(self) -> str:
        parts = []
        if self.national_homicides_above is not None:
            parts.append(f"national homicides above {self.national_homicides_above:g} a week")
        if self.group_members_above is not None:
            parts.append(f"the group has more than {self.group_members_above:g} members")
        if self.us_pressure_above is not None:
            parts.append(f"U.S. pressure above {self.us_pressure_above:g}")
        return "while " + " and ".join(parts)


def holds(when: WhenSpec, members: np.ndarray, homicides: np.ndarray,
          pressure: np.ndarray) -> np.ndarray:
    """Where the condition holds, bool [run, group], given members [run, group] and the
    national homicides per week and U.S. pressure, each [run]."""
    runs, groups = members.shape
    ok = np.ones((runs, groups), dtype=bool)
    if when.national_homicides_above is not None:
        ok &= (homicides > when.national_homicides_above)[:, None]
    if when.us_pressure_above is not None:
        ok &= (pressure > when.us_pressure_above)[:, None]
    if when.group_members_above is not None:
        ok &= members > when.group_members_above
    return ok
