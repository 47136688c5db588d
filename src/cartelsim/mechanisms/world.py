"""`WorldPlan`: interventions acting on a world whose groups have leaders (L1 + L2).

It combines the policy (`interventions.plan.InterventionPlan`) with the leadership
mechanism (`leadership.Leadership`) into the `Plan` the engines read. While any group's
command integrity is recovering, the plan changes every week; otherwise only at the
interventions' own dates, so a world without removals runs as the published model.
"""

from __future__ import annotations

import numpy as np

from cartelsim.engines.kernels import RHO_MULT, THETA_MULT
from cartelsim.engines.plan import Setting
from cartelsim.interventions.plan import InterventionPlan
from cartelsim.mechanisms.leadership import Leadership


class WorldPlan:
    """Policy plus leadership dynamics, as one engine `Plan`."""

    def __init__(self, policy: InterventionPlan, runs: int, weeks: int, seed: int) -> None:
        self.policy = policy
        self.runs = runs
        self.weeks = weeks
        self.seed = seed
        self.leadership: Leadership | None = None
        self._parent = policy.system.parent if policy.system.parent is not None else \
            np.full(policy.system.n_groups, -1)

    def next_change(self, week: int, weeks: int) -> int:
        upcoming = self.policy.next_change(week, weeks)
        if self.leadership is not None and (self.leadership.dynamic()
                                            or self.leadership.contested.any()):
            upcoming = min(upcoming, week + 1)
        return upcoming

    def setting(self, week: int, members: np.ndarray) -> Setting:
        if week == 0:  # a new simulation
            self.leadership = Leadership(self.policy.params, members.shape[0], self._parent,
                                         self.weeks, self.seed)
        leadership = self.leadership
        assert leadership is not None
        leadership.advance_to(week)
        setting = self.policy.setting(week, members)
        for mask, spec in self.policy.leader_removals(week, members):
            leadership.remove(mask, spec)
        setting.transfers = leadership.split(members)
        theta_factor, rho_factor = leadership.factors()
        setting.coef[:, THETA_MULT] *= theta_factor
        setting.coef[:, RHO_MULT] *= rho_factor
        setting.observable["hvt_removals"] = leadership.removals[:, week]
        leadership.record()
        return setting

    def outputs(self, times: int) -> dict[str, tuple[tuple[str, ...], np.ndarray, dict]]:
        if self.leadership is None:
            return {}
        self.leadership.finish(times)
        return {
            "command_integrity": (("run", "time", "group"), self.leadership.trace, {
                "units": "1 = intact command",
                "description": "command integrity L during the week starting at the date "
                               "(after removals on that date)"}),
            "splits": (("run", "time"), self.leadership.splits, {
                "units": "groups", "description": "groups that split on the date"}),
        }
