"""Interventions compiled into effect arrays the world step reads.

Validation and dates are those of `interventions.plan.InterventionPlan` (the same errors,
the same weeks, the same contradiction check); this module only turns its schedule into
arrays, one row per intervention, so the compiled step decides each week what acts:

* lasting actions act in weeks first <= w < last; one-off actions (sweeps, leader removals)
  in the weeks first, first + every, ... before last (only `first` without every_weeks);
* targets: every group (splinters included), named base groups, the rivals of a group (by
  the lineage rule: every group of a rival lineage, and the other groups of its own), or
  the N largest, resolved inside the step from members at the start of the event week
  (one-off actions) or of the first week (lasting actions), as today.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cartelsim.errors import CartelsimError
from cartelsim.interventions.plan import InterventionPlan
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.mechanisms.leadership import LOSS_PARAMETER
from cartelsim.params.catalogue import Params
from cartelsim.system.model import System
from cartelsim.world import step

ACTION_CODES = {
    "prevent_recruitment": step.A_PREVENT,
    "scale_arrests": step.A_SCALE_ARRESTS,
    "focus_arrests": step.A_FOCUS,
    "scale_conflict": step.A_SCALE_CONFLICT,
    "arrest_sweep": step.A_SWEEP,
    "remove_leader": step.A_REMOVE,
    "freeze_assets": step.A_FREEZE,
    "prosecute_corruption": step.A_PROSECUTE,
    "us_pressure": step.A_PRESSURE,
    "tariff_threat": step.A_PRESSURE,  # the discrete U.S. levers are pressure at a level
    "fto_designation": step.A_PRESSURE,
    "unilateral_action_threat": step.A_PRESSURE,
}
SUCCESSION_CODES = {"settled": step.S_SETTLED, "contested": step.S_CONTESTED,
                    "uncertain": step.S_UNCERTAIN, None: step.S_UNCERTAIN}


@dataclass(frozen=True)
class EffectArrays:
    """One row per intervention (see the module docstring); `as_tuple` feeds the step."""

    action: np.ndarray  # int64 [item], step.A_*
    effect: np.ndarray  # float [item]
    first: np.ndarray  # int64 [item], first week
    last: np.ndarray  # int64 [item], week it stops (exclusive)
    every: np.ndarray  # int64 [item], 0 = once
    target: np.ndarray  # int64 [item], step.T_*
    mask: np.ndarray  # uint8 [item, base group]: named groups, or the rivals' roots
    ref: np.ndarray  # int64 [item]: the group whose rivals are targeted (-1 otherwise)
    largest: np.ndarray  # int64 [item]: N of 'the N largest' (0 otherwise)
    delta: np.ndarray  # float [item]: integrity loss of a removal's kind
    succession: np.ndarray  # int64 [item], step.S_*
    clarity: np.ndarray  # float [item]: P(settled) of an uncertain succession

    def as_tuple(self) -> tuple[np.ndarray, ...]:
        return (self.action, self.effect, self.first, self.last, self.every, self.target,
                self.mask, self.ref, self.largest, self.delta, self.succession, self.clarity)

    @property
    def most_largest(self) -> int:
        """Room per run for the resolved targets of lasting 'N largest' actions."""
        lasting = self.largest[(self.target == step.T_LARGEST)
                               & (self.action != step.A_SWEEP) & (self.action != step.A_REMOVE)]
        return int(lasting.max()) if lasting.size else 1


def compile_interventions(system: System, params: Params,
                          interventions: Sequence[InterventionSpec], start: pd.Timestamp,
                          weeks: int, source: str = "interventions") -> EffectArrays:
    """Validate `interventions` on `system` (base groups) and compile them to arrays."""
    plan = InterventionPlan(system, params, interventions, start, weeks, source)
    items = plan.scheduled
    k, n = len(items), system.n_groups
    arrays = EffectArrays(
        action=np.zeros(k, dtype=np.int64), effect=np.zeros(k), first=np.zeros(k, np.int64),
        last=np.zeros(k, np.int64), every=np.zeros(k, np.int64), target=np.zeros(k, np.int64),
        mask=np.zeros((k, n), dtype=np.uint8), ref=np.full(k, -1, dtype=np.int64),
        largest=np.zeros(k, np.int64), delta=np.zeros(k), succession=np.zeros(k, np.int64),
        clarity=np.zeros(k))
    for row, item in enumerate(items):
        spec = item.spec
        if item.conditional:
            raise CartelsimError(
                f"{source}[{item.number}] ({spec.action}): a schedule with a condition "
                "(when = {...}) is not supported by open fragmentation yet; remove `when` "
                'or use fragmentation = "capped"')
        arrays.action[row] = ACTION_CODES.get(spec.action, step.A_ELSEWHERE)
        arrays.effect[row] = float(spec.effect)
        arrays.first[row] = item.first
        arrays.last[row] = item.last
        arrays.every[row] = spec.every_weeks or 0
        target = spec.target
        if target.everyone:
            arrays.target[row] = step.T_EVERYONE
        elif target.largest is not None:
            arrays.target[row] = step.T_LARGEST
            arrays.largest[row] = target.largest
        elif target.rivals_of is not None:
            arrays.target[row] = step.T_RIVALS
            arrays.ref[row] = system.index_of(target.rivals_of)
            arrays.mask[row] = item.fixed_mask
        else:
            arrays.target[row] = step.T_GROUPS
            arrays.mask[row] = item.fixed_mask
        if spec.action == "remove_leader":
            arrays.delta[row] = params[LOSS_PARAMETER[spec.kind or "killed"]]
            arrays.succession[row] = SUCCESSION_CODES[spec.succession]
            arrays.clarity[row] = (spec.clarity if spec.clarity is not None
                                   else params["succession_clarity"])
    return arrays
