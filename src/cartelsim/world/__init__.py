"""The world engine: one compiled weekly step with open-ended fragmentation.

    >>> from cartelsim.world import STEP_ORDER, describe_step, run_world
    >>> print(describe_step())          # the sub-steps of a week, in order

Modules: `step` (the compiled step and its declared order), `flows` (L1 rates, RK4 and
draws), `ends` (groups that end, and the week's record, shared with `quiet`, the shortcut of
quiet deterministic worlds), `rng` (keyed random numbers), `state` (per-run arrays),
`schedule` (interventions as effect arrays), `params` (indices of the parameter vectors),
`run` (the driver).
"""

from __future__ import annotations

from cartelsim.world.step import STEP_ORDER, describe_step

__all__ = ["STEP_ORDER", "describe_step", "run_world"]


def __getattr__(name: str):  # the driver imports xarray and pandas: load it on first use
    if name == "run_world":
        from cartelsim.world.run import run_world

        return run_world
    raise AttributeError(name)
