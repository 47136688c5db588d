"""Money and political protection (DESIGN.md §2 L2), each switchable, for every run and group.

Money K_i (US$ million), updated once a week:

    dK/dt = (1 - c) income - wages - bribes - seizures - K / reserve_weeks
    income_i = market x C_i^a / sum_j C_j^a,  wages = w C_i,  bribes = bribe_share x income

c (operating_cost_share) is what the business itself costs before anyone is paid (product,
precursors, transport, laundering, arms); K / reserve_weeks is what the leadership takes out
(profits, legal investments), so reserves never grow without bound. Groups start at the
reserves this balance settles at. Recruitment is limited by the ability to pay:
rho_i = rho min(1, K_i / (payroll_weeks w C_i)); a solvent group recruits at the published rate.

Where money settles (a = 1, so income per member is market / sum_j C_j for every group):

    K* / (w C_i) = reserve_weeks x (m - 1) weeks of wages,  m = (1 - c - bribe_share) income
                                                                 / (w C_i)

the ratio of the money that can pay members to the payroll. At the defaults on Mexico 2025
(183,000 members, US$160 m a week, c = 0.5, bribe_share = 0.08, w = US$250): m = 67.2 / 45.8
= 1.47, so K* = 26 x 0.47 = 12 weeks of wages, 1.5 times the 8 weeks (payroll_weeks) that keep
recruitment at its full rate. Money binds once m < 1 + payroll_weeks / reserve_weeks = 1.31:
when members grow by 12 % on the same market, or a freeze, seizure or lost revenue cuts K
below 8 weeks of wages. A freeze removing s a week (net of court releases) settles K at
K* / (1 + s reserve_weeks). docs/money.md sets out the numbers.
Freezes (`freeze_assets`) remove (1 - freeze_reversal) of what they block (EVIDENCE F24).

Protection P_i in [0, 1], bought with bribes, decaying, destroyed by prosecution:

    dP/dt = beta b/(b + b_half) (1 - P) - decay P - prosecution P

Groups start at the protection their bribes sustain. Arrests reach a group in proportion to
(1 - P_i), and a leader-removal operation succeeds with probability effect x (1 - P_i).
"""

from __future__ import annotations

import numpy as np

from cartelsim.params.catalogue import Params


class Finance:
    """Money and protection states [run, group]; either part can be off."""

    def __init__(self, params: Params, members: np.ndarray, weeks: int, *, money: bool,
                 protection: bool) -> None:
        self.params = params
        self.money_on = money
        self.protection_on = protection
        runs, groups = members.shape
        net, bribes = self._net(members)
        self.money = np.maximum(net, 0.0) * params["reserve_weeks"]
        gain = self._protection_gain(bribes)
        # Steady state gain/(gain + decay); a group that buys no protection starts with none,
        # also when protection never decays (decay at its hard minimum 0).
        settled = gain + params["protection_decay"]
        self.protection = np.divide(gain, settled, out=np.zeros_like(gain), where=settled > 0)
        self.seized = np.zeros((runs, weeks + 1))
        self.money_trace = np.zeros((runs, weeks + 1, groups))
        self.protection_trace = np.zeros((runs, weeks + 1, groups))
        self.week = 0
        self._record()

    def _flows(self, members: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        p = self.params
        weight = np.maximum(members, 0.0) ** p["market_share_exponent"]
        total = weight.sum(axis=1, keepdims=True)
        share = np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)
        income = p["drug_market_value"] * share
        return income, p["member_wage"] * members, p["bribe_share"] * income

    def _net(self, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(money in minus wages and bribes, bribes) a week: the business's own costs
        (operating_cost_share of income) are paid before anyone in the group is."""
        income, wages, bribes = self._flows(members)
        return (1.0 - self.params["operating_cost_share"]) * income - wages - bribes, bribes

    def _protection_gain(self, bribes: np.ndarray) -> np.ndarray:
        p = self.params
        # Saturating in bribes; with a half-saturation of 0 any bribe buys full gain and no
        # bribe buys none (0/0 is taken as 0).
        half = bribes + p["protection_bribe_half"]
        return np.divide(p["protection_gain"] * bribes, half, out=np.zeros_like(bribes),
                         where=half > 0)

    def advance(self, week: int, members: np.ndarray, freeze: np.ndarray,
                prosecution: np.ndarray) -> None:
        """Move money and protection from the last update to `week` (weekly Euler steps).

        freeze [run, group]: share of money frozen per year; prosecution [run, group]: share
        of protection destroyed per week; both as they held since the last update.
        """
        p = self.params
        for _ in range(self.week, week):
            net, bribes = self._net(members)
            if self.money_on:
                weekly_freeze = -np.log1p(-np.minimum(freeze, 0.999999)) / 52.0
                frozen = self.money * weekly_freeze
                seized = frozen * (1.0 - p["freeze_reversal"])
                self.seized[:, self.week + 1] = frozen.sum(axis=1)
                self.money = np.maximum(
                    self.money + net - seized
                    - self.money / p["reserve_weeks"], 0.0)
            if self.protection_on:
                gain = self._protection_gain(bribes)
                change = gain * (1.0 - self.protection) - (p["protection_decay"]
                                                           + prosecution) * self.protection
                self.protection = np.clip(self.protection + change, 0.0, 1.0)
            self.week += 1
            self._record()

    def _record(self) -> None:
        self.money_trace[:, self.week] = self.money
        self.protection_trace[:, self.week] = self.protection

    def recruitment_factor(self, members: np.ndarray) -> np.ndarray:
        """min(1, K / (payroll_weeks w C)): 1.0 exactly for a solvent group."""
        if not self.money_on:
            return np.ones_like(members)
        payroll = self.params["payroll_weeks"] * self.params["member_wage"] * members
        ratio = np.divide(self.money, payroll, out=np.ones_like(members), where=payroll > 0)
        return np.minimum(1.0, ratio)

    def exposure(self) -> np.ndarray:
        """1 - P: how much of the state's action reaches each group (1 when off)."""
        if not self.protection_on:
            return np.ones_like(self.protection)
        return 1.0 - self.protection

    def finish(self, times: int) -> None:
        """Hold the last state to the end of the horizon in the traces."""
        self.money_trace[:, self.week + 1:times] = self.money[:, None, :]
        self.protection_trace[:, self.week + 1:times] = self.protection[:, None, :]

    def follow_split(self, transfers: np.ndarray, members: np.ndarray) -> None:
        """A splinter takes the same share of its parent's money as of its members, and
        starts with its parent's protection (relations inherited, DESIGN.md §2 L2)."""
        for r, parent in zip(*np.nonzero(transfers < 0), strict=True):
            share = -transfers[r, parent] / members[r, parent] if members[r, parent] else 0.0
            slots = np.flatnonzero(transfers[r] > 0)
            moved = self.money[r, parent] * share
            self.money[r, parent] -= moved
            self.money[r, slots] += moved / max(slots.size, 1)
            self.protection[r, slots] = self.protection[r, parent]
