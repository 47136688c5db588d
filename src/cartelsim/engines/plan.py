"""What the engines need from a policy: per-segment coefficients, rates and removals.

A `Plan` cuts the horizon into segments at the weeks where something changes and, at the
start of each segment, gives the coefficients (see `kernels`), the four rates per run, the
fraction of each group's members removed at once (a sweep) and members moved between
groups (a split). The engines know nothing else about interventions or mechanisms, so new
actions never touch the compiled code (STYLE.md 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from cartelsim.engines.kernels import N_COEFFICIENTS
from cartelsim.params.catalogue import Params

RATE_NAMES = {"rho": "recruitment_rate", "eta": "incapacitation",
              "theta": "conflict_lethality", "omega": "saturation"}


@dataclass
class Schedule:
    """Coefficients of a few groups that change week by week within one segment, known in
    advance (a mechanism relaxing with no events to come), so the engines can run the
    whole segment in one compiled call instead of one call a week."""

    groups: np.ndarray  # int64 [k]: the groups whose coefficients change
    coef: np.ndarray  # [run, week of the segment, 3, k]; week 0 equals Setting.coef's values


@dataclass
class Setting:
    """Everything that holds during one segment, for every run."""

    coef: np.ndarray  # [run, 3, group] multipliers (see kernels.RHO_MULT, THETA_MULT, FOCUS)
    rates: dict[str, np.ndarray]  # rho, eta, theta, omega, each shaped [run]
    removal: np.ndarray  # [run, group] fraction of members removed at the segment's start
    observable: dict[str, np.ndarray]  # counts of observable actions at this week, [run]
    transfers: np.ndarray | None = None  # [run, group] members moved at the start (sum 0)
    # week-by-week coefficients for the whole segment (its later weeks have no removals,
    # transfers or observable actions); the engines write each week's values into coef
    schedule: Schedule | None = None


class Plan(Protocol):
    """A policy as the engines see it."""

    def next_change(self, week: int, weeks: int) -> int:
        """The first week after `week` (at most `weeks`) at which the setting may change.

        Asked right after `setting(week, ...)`, so it may depend on what that call did.
        """

    def setting(self, week: int, members: np.ndarray) -> Setting:
        """The setting from `week` on, given members [run, group] at that week.

        Called in order of weeks, from 0, once per segment of one simulation.
        """

    def outputs(self, times: int,
                groups: bool = True) -> dict[str, tuple[tuple[str, ...], np.ndarray, dict]]:
        """Extra series the plan tracked (name -> (dims, values, attrs)), for the results;
        with groups=False, only those without a group dimension (the others are dropped)."""


def base_rates(params: Params, runs: int) -> dict[str, np.ndarray]:
    """The four L1 rates as arrays over runs (identical here; sampled in ensembles)."""
    return {key: np.full(runs, params[name]) for key, name in RATE_NAMES.items()}


class ConstantPlan:
    """No intervention: the published model, one segment."""

    def __init__(self, params: Params, rates: dict[str, np.ndarray] | None = None) -> None:
        self.params = params
        self.rates = rates

    def next_change(self, week: int, weeks: int) -> int:
        return weeks

    def outputs(self, times: int,
                groups: bool = True) -> dict[str, tuple[tuple[str, ...], np.ndarray, dict]]:
        return {}

    def setting(self, week: int, members: np.ndarray) -> Setting:
        runs, groups = members.shape
        return Setting(
            coef=np.ones((runs, N_COEFFICIENTS, groups)),
            rates=self.rates if self.rates is not None else base_rates(self.params, runs),
            removal=np.zeros((runs, groups)),
            observable={},
        )
