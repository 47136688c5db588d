"""`WorldPlan`: interventions acting on a world whose groups have leaders, money and
protection (L1 + L2 + L3).

It combines the policy (`interventions.plan.InterventionPlan`) with the mechanisms
(`leadership.Leadership`, and `finance.Finance` when money or protection is switched on)
into the `Plan` the engines read. While a mechanism is moving (integrity recovering, money
or protection on, U.S. pressure driving operations) the plan changes every week; otherwise
only at the interventions' own dates, so a world without removals runs as the published
model, bit for bit.
"""

from __future__ import annotations

import numpy as np

from cartelsim.engines.kernels import FOCUS, RHO_MULT, THETA_MULT
from cartelsim.engines.plan import Schedule, Setting
from cartelsim.interventions.effects import CutProtection, FreezeMoney
from cartelsim.interventions.plan import InterventionPlan
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.mechanisms.finance import Finance
from cartelsim.mechanisms.leadership import Leadership

# The operation U.S. pressure drives: a capture, heir unknown (EVIDENCE F27-F28).
PRESSURE_OPERATION = InterventionSpec(action="remove_leader", kind="captured",
                                      succession="uncertain", label="pressure-driven HVT")


class WorldPlan:
    """Policy plus leadership dynamics, as one engine `Plan`."""

    def __init__(self, policy: InterventionPlan, weeks: int, seed: int, *,
                 money: bool = False, protection: bool = False, first_run: int = 0) -> None:
        self.policy = policy
        self.weeks = weeks
        self.seed = seed
        self.money = money
        self.protection = protection
        self.first_run = first_run
        self.leadership: Leadership | None = None
        self.finance: Finance | None = None
        self._parent = policy.system.parent if policy.system.parent is not None else \
            np.full(policy.system.n_groups, -1)
        self._coast: tuple[int, int] | None = None  # (week, until) of the last schedule

    def next_change(self, week: int, weeks: int) -> int:
        if self._coast is not None and self._coast[0] == week:
            return min(self._coast[1], weeks)  # setting() scheduled the weeks up to there
        upcoming = self.policy.next_change(week, weeks)
        moving = self.finance is not None or self.policy.pressure(week) > 0 or (
            self.leadership is not None and (self.leadership.dynamic()
                                             or self.leadership.contested.any()))
        return min(upcoming, week + 1) if moving else upcoming

    def setting(self, week: int, members: np.ndarray) -> Setting:
        if week == 0:  # a new simulation
            self.leadership = Leadership(self.policy.params, members.shape[0], self._parent,
                                         self.weeks, self.seed, self.first_run)
            self.finance = Finance(self.policy.params, members, self.weeks, money=self.money,
                                   protection=self.protection) \
                if self.money or self.protection else None
        leadership = self.leadership
        assert leadership is not None
        leadership.advance_to(week)
        setting = self.policy.setting(week, members)
        policy_coef = setting.coef.copy()
        exposure = None
        if self.finance is not None:
            held = max(week - 1, 0)  # the actions that held during the week just ended
            self.finance.advance(week, members,
                                 self.policy.lasting_effect(FreezeMoney, held, members),
                                 self.policy.lasting_effect(CutProtection, held, members))
            exposure = self.finance.exposure()
            setting.coef[:, RHO_MULT] *= self.finance.recruitment_factor(members)
            setting.coef[:, FOCUS] *= exposure
            setting.observable["seizures"] = self.finance.seized[:, week]
        else:
            setting.observable["seizures"] = np.zeros(members.shape[0])
        for mask, spec in self.policy.leader_removals(week, members):
            leadership.remove(mask, spec, exposure)
        pressure = np.broadcast_to(self.policy.pressure(week, members), members.shape[:1])
        if pressure.any():
            leadership.remove(self._pressure_targets(pressure, members, exposure),
                              PRESSURE_OPERATION)
        setting.transfers = leadership.split(members)
        if setting.transfers is not None and self.finance is not None:
            self.finance.follow_split(setting.transfers, members)
        theta_factor, rho_factor = leadership.factors()
        setting.coef[:, THETA_MULT] *= theta_factor
        setting.coef[:, RHO_MULT] *= rho_factor
        setting.observable["hvt_removals"] = leadership.removals[:, week]
        leadership.record()
        self._coast = None
        if self.finance is None and not pressure.any() and leadership.dynamic() \
                and not leadership.contested.any():
            setting.schedule = self._recovery_schedule(week, policy_coef)
        return setting

    def _recovery_schedule(self, week: int, policy_coef: np.ndarray) -> Schedule | None:
        """The coefficients of the weeks up to the policy's next change, while integrity
        only recovers: no contest can split a group and no money, protection or pressure
        acts, so no event can happen before that change. Each week's values are those
        `setting` would give that week (the policy's coefficients times the factors)."""
        until = self.policy.next_change(week, self.weeks)
        if until - week < 2:
            return None
        assert self.leadership is not None
        groups, path = self.leadership.coast(until)
        theta_factor, rho_factor = self.leadership.factors(path)  # [run, week, k]
        coef = np.repeat(policy_coef[:, None, :, groups], path.shape[1], axis=1)
        coef[:, :, THETA_MULT] *= theta_factor
        coef[:, :, RHO_MULT] *= rho_factor
        self._coast = (week, until)
        return Schedule(groups=groups, coef=coef)

    def _pressure_targets(self, pressure: np.ndarray, members: np.ndarray,
                          exposure: np.ndarray | None) -> np.ndarray:
        """Groups hit this week by pressure-driven operations [run, group] (bool).

        A Poisson number of operations (rate pressure_hvt_rate x u, with u [run] the run's
        pressure), each aimed at a group with probability proportional to
        C^visibility x (1 - P), from the events stream.
        """
        assert self.leadership is not None
        p = self.policy.params
        visible = np.maximum(members, 0.0) ** p["visibility_exponent"]
        if exposure is not None:
            visible = visible * exposure
        hit = np.zeros(members.shape, dtype=bool)
        for r in range(members.shape[0]):
            rng = self.leadership.rng(r)
            count = rng.poisson(p["pressure_hvt_rate"] * pressure[r])
            weight = visible[r]
            if count == 0 or weight.sum() <= 0:
                continue
            chosen = rng.choice(weight.size, size=min(count, int((weight > 0).sum())),
                                replace=False, p=weight / weight.sum())
            hit[r, chosen] = True
        return hit

    def outputs(self, times: int,
                groups: bool = True) -> dict[str, tuple[tuple[str, ...], np.ndarray, dict]]:
        if self.leadership is None:
            return {}
        splits = {"splits": (("run", "time"), self.leadership.splits, {
            "units": "groups", "description": "groups that split on the date"})}
        if not groups:  # every other output is per group: skip filling their traces
            return splits
        self.leadership.finish(times)
        extra = {}
        if self.finance is not None:
            self.finance.finish(times)
            if self.money:
                extra["money"] = (("run", "time", "group"), self.finance.money_trace, {
                    "units": "US$ million", "description": "money held by the group (L2)"})
            if self.protection:
                extra["protection"] = (("run", "time", "group"), self.finance.protection_trace,
                                       {"units": "0-1", "description": "political protection "
                                        "(share of the state's action it deflects)"})
        return extra | {
            "command_integrity": (("run", "time", "group"), self.leadership.trace, {
                "units": "1 = intact command",
                "description": "command integrity L during the week starting at the date "
                               "(after removals on that date)"}),
        } | splits
