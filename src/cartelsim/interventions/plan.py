"""Turn interventions into the `Plan` the engines read (see `engines.plan`).

Dates become weeks from the start of the horizon; a start outside the horizon is an error,
an end after it means the action lasts to the end. Lasting actions hold from their start
week up to (not including) their end week; one-off actions (sweeps) happen at their start
week and every `every_weeks` after it until their end. Targets that depend on the state
("the 5 largest") are resolved per run at the week the action starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cartelsim.engines.kernels import FOCUS, RHO_MULT, THETA_MULT
from cartelsim.engines.plan import Setting, base_rates
from cartelsim.errors import CartelsimError
from cartelsim.interventions.spec import ACTIONS, InterventionSpec, TargetSpec
from cartelsim.params.catalogue import Params
from cartelsim.system.model import System

# Under U.S. pressure, the groups that may split are the ten largest at the start.
PRESSURE_SLOTS = 10


@dataclass(frozen=True)
class Scheduled:
    """An intervention with its weeks and, where fixed, its target mask."""

    number: int  # 1-based position in the scenario, for messages
    spec: InterventionSpec
    first: int  # week it starts
    last: int  # week it stops (exclusive)
    fixed_mask: np.ndarray | None  # [group] bool, None when it depends on the state

    @property
    def lasting(self) -> bool:
        return ACTIONS[self.spec.action]["kind"] == "lasting"

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
            self.scheduled.append(Scheduled(number, spec, first, last, mask))
        self._check_contradictions(source)
        self._resolved: dict[tuple[int, int], np.ndarray] = {}

    def _check_contradictions(self, source: str) -> None:
        """The same action on the same groups at the same time has no clear meaning."""
        for i, a in enumerate(self.scheduled):
            for b in self.scheduled[i + 1:]:
                if a.spec.action != b.spec.action:
                    continue
                if a.lasting:
                    overlap = a.first < b.last and b.first < a.last
                else:
                    overlap = bool(set(a.dates()) & set(b.dates()))
                if not overlap:
                    continue
                masks = (a.fixed_mask, b.fixed_mask)
                if all(m is not None for m in masks) and not (masks[0] & masks[1]).any():
                    continue
                raise CartelsimError(
                    f"{source}[{a.number}] and [{b.number}] both apply {a.spec.action} "
                    "to the same groups at the same time; combine them into one intervention"
                )

    def change_weeks(self, weeks: int) -> list[int]:
        edges: set[int] = set()
        for item in self.scheduled:
            if item.lasting:
                edges.update((item.first, item.last))
            else:
                for date in item.dates():
                    edges.update((date, date + 1))
        return sorted(w for w in edges if 0 < w < weeks)

    def lasting_effect(self, action: str, week: int, members: np.ndarray) -> np.ndarray:
        """The combined effect [run, group] of a lasting action at `week` (0 where inactive).

        For money and protection actions, read by the mechanisms that own those states.
        """
        total = np.zeros(members.shape)
        for item in self.scheduled:
            if item.spec.action == action and item.active(week):
                mask = self._mask(item, item.first, members)
                total[mask] = total[mask] + item.spec.effect
        return total

    def pressure(self, week: int) -> float:
        """U.S. pressure u at `week` (0 when none)."""
        return sum(item.spec.effect for item in self.scheduled
                   if item.spec.action == "us_pressure" and item.active(week))

    def leader_removals(self, week: int,
                        members: np.ndarray) -> list[tuple[np.ndarray, InterventionSpec]]:
        """The remove_leader operations at `week`: (target mask [run, group], spec) each."""
        return [(self._mask(item, week, members), item.spec) for item in self.scheduled
                if item.spec.action == "remove_leader" and week in item.dates()]

    def removal_targets(self, members0: np.ndarray) -> np.ndarray:
        """Groups that some remove_leader may hit (bool [group]); for 'the N largest',
        the 2N largest at the start, a margin for groups that grow past others."""
        possible = np.zeros(self.system.n_groups, dtype=bool)
        order = np.argsort(-members0.mean(axis=0), kind="stable")
        for item in self.scheduled:
            if item.spec.action == "us_pressure":  # operations aim at the most visible
                possible[order[:min(PRESSURE_SLOTS, order.size)]] = True
            if item.spec.action != "remove_leader":
                continue
            if item.fixed_mask is not None:
                possible |= item.fixed_mask
            else:
                count = min(2 * (item.spec.target.largest or 1), self.system.n_groups)
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

    def setting(self, week: int, members: np.ndarray) -> Setting:
        if week == 0:  # a new simulation: forget targets resolved for an earlier one
            self._resolved.clear()
        runs, groups = members.shape
        coef = np.ones((runs, 3, groups))
        rates = base_rates(self.params, runs)
        removal = np.zeros((runs, groups))
        for item in self.scheduled:
            effect = item.spec.effect
            action = item.spec.action
            if item.lasting and item.active(week):
                mask = self._mask(item, item.first, members)
                if action == "prevent_recruitment":
                    coef[:, RHO_MULT][mask] *= 1.0 - effect
                elif action == "focus_arrests":
                    coef[:, FOCUS][mask] *= effect
                elif action == "scale_conflict":
                    coef[:, THETA_MULT][mask] *= effect
                elif action == "scale_arrests":
                    rates["eta"] = rates["eta"] * effect
                elif action == "us_pressure":
                    rates["eta"] = rates["eta"] * (1.0 + self.params["pressure_arrest_gain"]
                                                   * effect)
            elif action == "arrest_sweep" and week in item.dates():
                mask = self._mask(item, week, members)
                removal[mask] = removal[mask] + effect - removal[mask] * effect  # exact alone
        return Setting(coef=coef, rates=rates, removal=removal, observable={})
