"""Interventions compiled into effect arrays the world step reads.

Validation and dates are those of `interventions.plan.InterventionPlan` (the same errors,
the same weeks, the same contradiction check); this module only turns its schedule into
arrays. Each action compiles into engine-neutral effects (`interventions.effects`); every
effect becomes one row, coded by its *type* (`step.E_*`), never by the action's name, so a
new action class works here with no line in this module:

* lasting effects act in weeks first <= w < last; one-off effects (members removed, leader
  removals) in the weeks first, first + every, ... before last (only `first` without
  every_weeks);
* targets: every group (splinters included), named base groups, the rivals of a group (by
  the lineage rule: every group of a rival lineage, and the other groups of its own), or
  the N largest (of every group, or of one lineage: the base group and the groups descended
  from it), resolved inside the step from members at the start of the event week
  (one-off effects) or of the first week (lasting effects), as today;
* conditions (`when = {...}`, `interventions.conditions`): the step checks them at the
  start of every week of the window, in each run on that run's state (see
  `step.STEP_ORDER`, "conditions"); a level that is not given is NO_LEVEL (every state is above it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cartelsim.engines.kernels import FOCUS, RHO_MULT, THETA_MULT
from cartelsim.errors import CartelsimError
from cartelsim.interventions.actions.leaders import removal_kind
from cartelsim.interventions.effects import (
    CutProtection,
    Effect,
    FreezeMoney,
    RaiseCrossingCost,
    RaiseSegmentCost,
    RemoveLeader,
    RemoveMembers,
    ScaleGroupRate,
    ScaleRate,
    SetPressure,
)
from cartelsim.interventions.plan import InterventionPlan
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.mechanisms.leadership import LOSS_PARAMETER
from cartelsim.params.catalogue import Params
from cartelsim.system.model import System
from cartelsim.world import step

# The step's per-group multiplier each group rate scales (interventions.effects.GROUP_RATES).
GROUP_COEFFICIENT = {"recruitment": RHO_MULT, "arrest_focus": FOCUS, "conflict": THETA_MULT}
# The national rates the step can scale (interventions.effects.NATIONAL_RATES but omega,
# which the step has no multiplier for).
NATIONAL_CODES = {"rho": step.N_RHO, "eta": step.N_ETA, "theta": step.N_THETA}
# A condition's level when it is not given: every level is >= 0, so every state is above
# it (not -inf: the step is compiled assuming finite numbers).
NO_LEVEL = -1.0
SUCCESSION_CODES = {"settled": step.S_SETTLED, "contested": step.S_CONTESTED,
                    "uncertain": step.S_UNCERTAIN, None: step.S_UNCERTAIN}


@dataclass(frozen=True)
class EffectArrays:
    """One row per effect of each intervention, in the scenario's order (see the module
    docstring); `as_tuple` feeds the step."""

    kind: np.ndarray  # int64 [row], step.E_*: the effect's type
    which: np.ndarray  # int64 [row]: the multiplier (E_SCALE_GROUP) or rate (E_SCALE_NATIONAL)
    value: np.ndarray  # float [row]: factor, share, chance or pressure level
    item: np.ndarray  # int64 [row]: 0-based intervention it comes from (keys its draws)
    once: np.ndarray  # uint8 [row]: 1 = happens on dates, 0 = lasts
    first: np.ndarray  # int64 [row], first week
    last: np.ndarray  # int64 [row], week it stops (exclusive)
    every: np.ndarray  # int64 [row], 0 = once
    target: np.ndarray  # int64 [row], step.T_*
    mask: np.ndarray  # uint8 [row, base group]: named groups, or the rivals' roots
    ref: np.ndarray  # int64 [row]: the group whose rivals are targeted, or the lineage of
    # 'the N largest of a lineage' (-1 otherwise)
    largest: np.ndarray  # int64 [row]: N of 'the N largest' (0 otherwise)
    delta: np.ndarray  # float [row]: integrity loss of a removal's kind
    succession: np.ndarray  # int64 [row], step.S_*
    clarity: np.ndarray  # float [row]: P(settled) of an uncertain succession
    conditional: np.ndarray  # uint8 [row]: 1 = acts only while its `when` holds
    trigger: np.ndarray  # uint8 [row]: 1 = a one-off that happens once, when it first holds
    homicides_above: np.ndarray  # float [row]: national homicides per week level (NO_LEVEL: none)
    pressure_above: np.ndarray  # float [row]: U.S. pressure level (NO_LEVEL: none)
    any_above: np.ndarray  # float [row]: some live group above this many members (national)
    group_above: np.ndarray  # float [row]: a target acts only above this many members
    per_death: np.ndarray  # float [2]: victim_member_share, homicide_share_of_victims

    def as_tuple(self) -> tuple[np.ndarray, ...]:
        return (self.kind, self.which, self.value, self.item, self.once, self.first,
                self.last, self.every, self.target, self.mask, self.ref, self.largest,
                self.delta, self.succession, self.clarity, self.conditional, self.trigger,
                self.homicides_above, self.pressure_above, self.any_above, self.group_above,
                self.per_death)

    @property
    def rows(self) -> int:
        return int(self.kind.size)

    @property
    def most_largest(self) -> int:
        """Room per run for the resolved targets of lasting 'N largest' effects."""
        lasting = self.largest[(self.target == step.T_LARGEST) & (self.once == 0)]
        return int(lasting.max()) if lasting.size else 1


def effect_code(effect: Effect, field: str) -> tuple[int, int, float]:
    """(step.E_* code, multiplier or rate index, value) of one engine-neutral effect."""
    if isinstance(effect, ScaleGroupRate):
        return step.E_SCALE_GROUP, GROUP_COEFFICIENT[effect.rate], effect.factor
    if isinstance(effect, ScaleRate):
        if effect.rate not in NATIONAL_CODES:
            raise CartelsimError(f"{field}: the world engine cannot scale the national rate "
                                 f"{effect.rate!r} (it scales {', '.join(NATIONAL_CODES)}); "
                                 'use fragmentation = "capped"')
        return step.E_SCALE_NATIONAL, NATIONAL_CODES[effect.rate], effect.factor
    if isinstance(effect, RemoveMembers):
        return step.E_REMOVE_MEMBERS, 0, effect.share
    if isinstance(effect, RemoveLeader):
        return step.E_REMOVE_LEADER, 0, effect.chance
    if isinstance(effect, FreezeMoney):
        return step.E_FREEZE, 0, effect.share
    if isinstance(effect, CutProtection):
        return step.E_CUT_PROTECTION, 0, effect.share
    if isinstance(effect, SetPressure):
        return step.E_PRESSURE, 0, effect.level
    if isinstance(effect, RaiseCrossingCost | RaiseSegmentCost):  # territory.corridors reads
        return step.E_ELSEWHERE, 0, effect.factor
    raise CartelsimError(f"{field}: the world engine does not know the effect "
                         f"{type(effect).__name__}; use fragmentation = \"capped\"")


def _pressure_arrests(effect: Effect, effects: Sequence[Effect]) -> bool:
    """Is `effect` the national arrest factor of an action that sets U.S. pressure?"""
    return (isinstance(effect, ScaleRate) and effect.rate == "eta"
            and any(isinstance(other, SetPressure) for other in effects))


def compile_interventions(system: System, params: Params,
                          interventions: Sequence[InterventionSpec], start: pd.Timestamp,
                          weeks: int, source: str = "interventions",
                          visible_share: float = 1.0) -> EffectArrays:
    """Validate `interventions` on `system` (base groups) and compile their effects to
    arrays (one row per effect). `visible_share` (territory: state_visible_weight) is the
    share of U.S. pressure the state answers with visible arrests, so a pressure action's
    arrest factor 1 + gain u becomes 1 + gain u v (territory.pressure)."""
    plan = InterventionPlan(system, params, interventions, start, weeks, source)
    rows = [(number, item, effect) for number, item in enumerate(plan.scheduled)
            for effect in item.effects]
    k, n = len(rows), system.n_groups
    arrays = EffectArrays(
        kind=np.zeros(k, dtype=np.int64), which=np.zeros(k, dtype=np.int64),
        value=np.zeros(k), item=np.zeros(k, dtype=np.int64), once=np.zeros(k, np.uint8),
        first=np.zeros(k, np.int64), last=np.zeros(k, np.int64), every=np.zeros(k, np.int64),
        target=np.zeros(k, np.int64), mask=np.zeros((k, n), dtype=np.uint8),
        ref=np.full(k, -1, dtype=np.int64), largest=np.zeros(k, np.int64), delta=np.zeros(k),
        succession=np.zeros(k, np.int64), clarity=np.zeros(k),
        conditional=np.zeros(k, np.uint8), trigger=np.zeros(k, np.uint8),
        homicides_above=np.full(k, NO_LEVEL), pressure_above=np.full(k, NO_LEVEL),
        any_above=np.full(k, NO_LEVEL), group_above=np.full(k, NO_LEVEL),
        per_death=np.array([params["victim_member_share"],
                            params["homicide_share_of_victims"]]))
    for row, (number, item, effect) in enumerate(rows):
        spec = item.spec
        field = f"{source}[{item.number}] ({spec.action})"
        arrays.kind[row], arrays.which[row], arrays.value[row] = effect_code(effect, field)
        if visible_share != 1.0 and _pressure_arrests(effect, item.effects):
            arrays.value[row] = 1.0 + (arrays.value[row] - 1.0) * visible_share
        arrays.item[row] = number
        arrays.once[row] = not effect.lasting
        arrays.first[row] = item.first
        arrays.last[row] = item.last
        arrays.every[row] = spec.every_weeks or 0
        target = spec.target
        if target.everyone:
            arrays.target[row] = step.T_EVERYONE
        elif target.largest is not None:  # ref: the lineage's root, or -1 for every group
            arrays.target[row] = step.T_LARGEST
            arrays.largest[row] = target.largest
            if target.lineage is not None:
                arrays.ref[row] = system.index_of(target.lineage)
        elif target.rivals_of is not None:
            arrays.target[row] = step.T_RIVALS
            arrays.ref[row] = system.index_of(target.rivals_of)
            arrays.mask[row] = item.fixed_mask
        else:
            arrays.target[row] = step.T_GROUPS
            arrays.mask[row] = item.fixed_mask
        if spec.when is not None:
            _compile_condition(arrays, row, spec, once=not effect.lasting)
        if isinstance(effect, RemoveLeader):  # kind and succession are the intervention's
            arrays.delta[row] = params[LOSS_PARAMETER[removal_kind(spec)]]
            arrays.succession[row] = SUCCESSION_CODES[spec.succession]
            arrays.clarity[row] = (spec.clarity if spec.clarity is not None
                                   else params["succession_clarity"])
    return arrays


def _compile_condition(arrays: EffectArrays, row: int, spec: InterventionSpec,
                       once: bool) -> None:
    """Row `row`'s `when` as levels (see `interventions.conditions` for the meaning)."""
    when = spec.when
    arrays.conditional[row] = 1
    arrays.trigger[row] = once and spec.every_weeks is None
    if when.national_homicides_above is not None:
        arrays.homicides_above[row] = when.national_homicides_above
    if when.us_pressure_above is not None:
        arrays.pressure_above[row] = when.us_pressure_above
    if when.group_members_above is not None:  # national: any group; else: each target
        national = spec.kind_of_action.national
        above = arrays.any_above if national else arrays.group_above
        above[row] = when.group_members_above
