"""Turn interventions into the `Plan` the engines read (see `engines.plan`).

Dates become weeks from the start of the horizon; a start outside the horizon is an error,
an end after it means the action lasts to the end. Lasting actions hold from their start
week up to (not including) their end week; one-off actions (sweeps) happen at their start
week and every `every_weeks` after it until their end. Targets that depend on the state
("the 5 largest") are resolved per run at the week the action starts. An intervention with
a condition (`when`, see `interventions.conditions`) is checked every week of its window.

The plan applies the engine-neutral effects each action compiles into
(`interventions.effects`); it never names an action.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cartelsim.engines.kernels import FOCUS, RHO_MULT, THETA_MULT
from cartelsim.engines.plan import Setting, base_rates
from cartelsim.engines.rates import ConflictStructure
from cartelsim.errors import CartelsimError
from cartelsim.interventions.conditions import holds
from cartelsim.interventions.effects import (
    Effect,
    RemoveLeader,
    RemoveMembers,
    ScaleGroupRate,
    ScaleRate,
    SetPressure,
    Share,
)
from cartelsim.interventions.spec import InterventionSpec, TargetSpec
from cartelsim.params.catalogue import Params
from cartelsim.system.model import System

# The engines' per-group coefficient each group rate scales.
COEFFICIENT = {"recruitment": RHO_MULT, "arrest_focus": FOCUS, "conflict": THETA_MULT}


@dataclass(frozen=True)
class Scheduled:
    """An intervention with its weeks and, where fixed, its target mask."""

    number: int  # 1-based position in the scenario, for messages
    spec: InterventionSpec
    first: int  # week it starts
    last: int  # week it stops (exclusive)
    fixed_mask: np.ndarray | None  # [group] bool, None when it depends on the state
    effects: tuple[Effect, ...]  # what the action compiles into (interventions.effects)

    @property
    def lasting(self) -> bool:
        return self.spec.kind_of_action.lasting

    @property
    def conditional(self) -> bool:
        return self.spec.when is not None

    def has(self, effect: type[Effect]) -> bool:
        return any(isinstance(item, effect) for item in self.effects)

    def dates(self) -> list[int]:
        """Weeks at which a one-off action happens."""
        if self.lasting:
            return []
        step = self.spec.every_weeks
        return list(range(self.first, self.last, step)) if step else [self.first]

    def active(self, week: int) -> bool:
        return self.first <= week < self.last


def week_of(date: object, start: pd.Timestamp, weeks: int, field: str) -> int:
    """Whole weeks from `start` to `date`; dates outside the horizon are errors."""
    moment = pd.Timestamp(date)
    end = start + pd.Timedelta(weeks=weeks)
    if moment < start or moment > end:
        raise CartelsimError(
            f"{field} {moment.date()} is outside the horizon {start.date()} to {end.date()}"
        )
    return int(round((moment - start).days / 7))


def fixed_target(system: System, target: TargetSpec, field: str) -> np.ndarray | None:
    """The target as a mask over groups, or None for 'the N largest' (state-dependent)."""
    mask = np.zeros(system.n_groups, dtype=bool)
    if target.everyone:
        mask[:] = True
    elif target.groups is not None:
        for name in target.groups:
            try:
                mask[system.index_of(name)] = True
            except CartelsimError as exc:
                raise CartelsimError(f"{field}: {exc}") from None
    elif target.lineage is not None:  # 'the N largest' of one lineage: checked, resolved later
        try:
            system.index_of(target.lineage)
        except CartelsimError as exc:
            raise CartelsimError(f"{field}: lineage: {exc}") from None
        return None
    elif target.rivals_of is not None:
        try:
            row = system.index_of(target.rivals_of)
        except CartelsimError as exc:
            raise CartelsimError(f"{field}: {exc}") from None
        mask = system.rivalry.toarray()[row] > 0
        if not mask.any():
            raise CartelsimError(f"{field}: {target.rivals_of!r} has no rivals in "
                                 f"system {system.name!r}")
    else:
        return None
    return mask


class InterventionPlan:
    """A list of interventions on one system and horizon, as an engine `Plan`."""

    def __init__(self, system: System, params: Params, interventions: Sequence[InterventionSpec],
                 start: pd.Timestamp, weeks: int, source: str = "interventions") -> None:
        self.system = system
        self.params = params
        self.weeks = weeks
        self.scheduled: list[Scheduled] = []
        for number, spec in enumerate(interventions, start=1):
            field = f"{source}[{number}] ({spec.action})"
            first = week_of(spec.start or start, start, weeks, f"{field}: start")
            # an end beyond the horizon means "to the end": a shorter run (--weeks) keeps
            # the scenario valid; an end before the start of the horizon is an error
            last = weeks
            if spec.end and pd.Timestamp(spec.end) <= start + pd.Timedelta(weeks=weeks):
                last = week_of(spec.end, start, weeks, f"{field}: end")
            if first >= weeks:
                raise CartelsimError(f"{field}: start {spec.start} is at the end of the horizon")
            if last <= first:
                raise CartelsimError(f"{field}: end {spec.end} is in the same week as start")
            mask = fixed_target(self.system, spec.target, f"{field}: target")
            effects = spec.kind_of_action.effects(float(spec.effect), params)
            self.scheduled.append(Scheduled(number, spec, first, last, mask, effects))
        self._check_contradictions(source)
        self._resolved: dict[tuple[int, int], np.ndarray] = {}
        self._holds: dict[tuple[int, int], np.ndarray] = {}  # (number, week) -> [run, group]
        self._fired: dict[int, np.ndarray] = {}  # triggers: runs where it already happened
        self._structure: ConflictStructure | None = None

    def _check_contradictions(self, source: str) -> None:
        """The same action on the same groups at the same time has no clear meaning."""
        for i, a in enumerate(self.scheduled):
            for b in self.scheduled[i + 1:]:
                if (a.spec.action, a.spec.crossing, a.spec.segment) != (b.spec.action, b.spec.crossing,
                                                                b.spec.segment):
                    continue
                if a.lasting:
                    overlap = a.first < b.last and b.first < a.last
                else:
                    overlap = bool(set(a.dates()) & set(b.dates()))
                if not overlap:
                    continue
                masks = (self._reach(a), self._reach(b))
                if all(m is not None for m in masks) and not (masks[0] & masks[1]).any():
                    continue
                raise CartelsimError(
                    f"{source}[{a.number}] and [{b.number}] both apply {a.spec.action} "
                    "to the same groups at the same time; combine them into one intervention"
                )

    def _reach(self, item: Scheduled) -> np.ndarray | None:
        """The base groups an item may act on, for the contradiction check: its fixed mask,
        or for 'the N largest of a lineage' the lineage's base group (every other group of
        the lineage descends from it); None for 'the N largest' of every group."""
        lineage = item.spec.target.lineage
        if item.fixed_mask is not None or lineage is None:
            return item.fixed_mask
        mask = np.zeros(self.system.n_groups, dtype=bool)
        mask[self.system.index_of(lineage)] = True
        return mask

    def change_weeks(self, weeks: int) -> list[int]:
        edges: set[int] = set()
        for item in self.scheduled:
            if item.conditional:  # checked every week of its window
                edges.update(range(item.first, item.last + 1))
            elif item.lasting:
                edges.update((item.first, item.last))
            else:
                for date in item.dates():
                    edges.update((date, date + 1))
        return sorted(w for w in edges if 0 < w < weeks)

    def lasting_effect(self, effect: type[Share], week: int,
                       members: np.ndarray) -> np.ndarray:
        """The summed share [run, group] of a lasting `Share` effect at `week` (0 where
        inactive): `FreezeMoney` or `CutProtection`, read by the mechanisms that own those
        states."""
        total = np.zeros(members.shape)
        for item in self.scheduled:
            for found in item.effects:
                if isinstance(found, effect) and item.active(week):
                    mask = self._where(item, item.first, week, members)
                    total[mask] = total[mask] + found.share
        return total

    def pressure(self, week: int, members: np.ndarray | None = None) -> float | np.ndarray:
        """U.S. pressure u at `week` (0 when none); per run [run] when a condition decides
        (then `members` [run, group] must be given)."""
        level = sum(effect.level for item in self.scheduled if not item.conditional
                    and item.active(week) for effect in item.effects
                    if isinstance(effect, SetPressure))
        conditional = [item for item in self.scheduled if item.conditional
                       and item.active(week) and item.has(SetPressure)]
        if not conditional:
            return level
        if members is None:  # asked only whether something may move: it may
            return float(level + sum(e.level for item in conditional for e in item.effects
                                     if isinstance(e, SetPressure)))
        per_run = np.full(members.shape[0], float(level))
        for item in conditional:
            acts = self._where(item, item.first, week, members).any(axis=1)
            for effect in item.effects:
                if isinstance(effect, SetPressure):
                    per_run = per_run + np.where(acts, effect.level, 0.0)
        return per_run

    def leader_removals(self, week: int,
                        members: np.ndarray) -> list[tuple[np.ndarray, InterventionSpec]]:
        """The leader-removal operations at `week`: (target mask [run, group], spec) each."""
        return [(self._where(item, week, week, members), item.spec) for item in self.scheduled
                if item.has(RemoveLeader) and self._happens(item, week)]

    def removal_targets(self, members0: np.ndarray) -> np.ndarray:
        """Groups whose leaders may be removed (bool [group]); for 'the N largest', the
        `split_slot_margin` x N largest at the start, a margin for groups that grow past
        others; under pressure, the `pressure_split_slots` largest at the start."""
        possible = np.zeros(self.system.n_groups, dtype=bool)
        order = np.argsort(-members0.mean(axis=0), kind="stable")
        slots = int(self.params["pressure_split_slots"])
        for item in self.scheduled:
            if item.has(SetPressure):  # operations aim at the most visible
                possible[order[:min(slots, order.size)]] = True
            if not item.has(RemoveLeader):
                continue
            if item.fixed_mask is not None:
                possible |= item.fixed_mask
            else:
                margin = self.params["split_slot_margin"]
                count = min(int(margin * (item.spec.target.largest or 1)), self.system.n_groups)
                possible[order[:count]] = True
        return possible

    def next_change(self, week: int, weeks: int) -> int:
        later = [w for w in self.change_weeks(weeks) if w > week]
        return later[0] if later else weeks

    def outputs(self, times: int,
                groups: bool = True) -> dict[str, tuple[tuple[str, ...], np.ndarray, dict]]:
        return {}

    def _mask(self, item: Scheduled, week: int, members: np.ndarray) -> np.ndarray:
        """Target mask [run, group]; 'the N largest' is taken from members at `week`."""
        runs, groups = members.shape
        if item.fixed_mask is not None:
            return np.broadcast_to(item.fixed_mask, (runs, groups))
        key = (item.number, item.first if item.lasting else week)
        if key not in self._resolved:
            count = min(item.spec.target.largest or groups, groups)
            order = np.argsort(-members, axis=1, kind="stable")[:, :count]
            mask = np.zeros((runs, groups), dtype=bool)
            np.put_along_axis(mask, order, True, axis=1)
            self._resolved[key] = mask
        return self._resolved[key]

    def _happens(self, item: Scheduled, week: int) -> bool:
        """Whether a one-off intervention may happen at `week` (its condition aside)."""
        if item.lasting:
            return False
        if item.conditional and item.spec.every_weeks is None:
            return item.active(week)  # a trigger: the first week its condition holds
        return week in item.dates()

    def _where(self, item: Scheduled, resolve_week: int, week: int,
               members: np.ndarray) -> np.ndarray:
        """Target mask [run, group] at `week`, narrowed by the item's condition."""
        mask = self._mask(item, resolve_week, members)
        if not item.conditional:
            return mask
        key = (item.number, week)
        if key not in self._holds:
            ok = holds(item.spec.when, members, self._homicides(week, members),
                       self._unconditional_pressure(week, members.shape[0]))
            if item.spec.kind_of_action.national:  # any group above the size will do
                ok = np.broadcast_to(ok.any(axis=1, keepdims=True), ok.shape)
            ok = mask & ok
            if not item.lasting and item.spec.every_weeks is None:  # a trigger fires once
                fired = self._fired.setdefault(item.number, np.zeros(ok.shape[0], dtype=bool))
                ok = ok & ~fired[:, None]
                fired |= ok.any(axis=1)
            self._holds[key] = ok
        return self._holds[key]

    def _unconditional_pressure(self, week: int, runs: int) -> np.ndarray:
        return np.full(runs, float(sum(effect.level for item in self.scheduled
                                       if not item.conditional and item.active(week)
                                       for effect in item.effects
                                       if isinstance(effect, SetPressure))))

    def _homicides(self, week: int, members: np.ndarray) -> np.ndarray:
        """National homicides per week [run] the conflict law gives at `members`, under the
        conflict factors of the interventions without a condition."""
        if self._structure is None:
            self._structure = ConflictStructure.from_system(self.system)
        factor = np.ones(members.shape)
        for item in self.scheduled:
            if item.conditional or not item.lasting:
                continue
            for effect in item.effects:
                if isinstance(effect, ScaleGroupRate) and effect.rate == "conflict" \
                        and item.active(week):
                    factor[self._mask(item, item.first, members)] *= effect.factor
        p = self.params
        deaths = (p["conflict_lethality"] * factor * members
                  * self._structure.pressure(members)).sum(axis=1)
        return deaths / p["victim_member_share"] * p["homicide_share_of_victims"]

    def setting(self, week: int, members: np.ndarray) -> Setting:
        if week == 0:  # a new simulation: forget targets resolved for an earlier one
            self._resolved.clear()
            self._holds.clear()
            self._fired.clear()
        runs, groups = members.shape
        coef = np.ones((runs, 3, groups))
        rates = base_rates(self.params, runs)
        removal = np.zeros((runs, groups))
        for item in self.scheduled:
            if item.lasting and item.active(week):
                mask = self._where(item, item.first, week, members)
                acting = mask.any(axis=1)
                for effect in item.effects:
                    if isinstance(effect, ScaleGroupRate):
                        coef[:, COEFFICIENT[effect.rate]][mask] *= effect.factor
                    elif isinstance(effect, ScaleRate):
                        factor = effect.factor if not item.conditional else \
                            np.where(acting, effect.factor, 1.0)
                        rates[effect.rate] = rates[effect.rate] * factor
            elif not item.lasting and item.has(RemoveMembers) and self._happens(item, week):
                mask = self._where(item, week, week, members)
                for effect in item.effects:
                    if isinstance(effect, RemoveMembers):
                        share = effect.share  # several sweeps at once combine exactly
                        removal[mask] = removal[mask] + share - removal[mask] * share
        return Setting(coef=coef, rates=rates, removal=removal, observable={})

