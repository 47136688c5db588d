"""Run a validated scenario and return its results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from cartelsim.engines.simulate import Progress, initial_members, simulate
from cartelsim.interventions.plan import InterventionPlan
from cartelsim.mechanisms.splinters import with_splinter_slots
from cartelsim.mechanisms.world import WorldPlan
from cartelsim.scenarios.schema import Scenario


def run_scenario(scenario: Scenario, progress: Progress | None = None) -> xr.Dataset:
    """Simulate `scenario` and label the results with its name, file and digest.

    Groups whose leaders an intervention may remove get an empty splinter slot on the group
    axis (see `mechanisms.splinters`), so a contested succession can split them.
    """
    system = scenario.build_system()
    params = scenario.params()
    start = pd.Timestamp(scenario.start)
    weeks, runs, seed = scenario.horizon.weeks, scenario.run.runs, scenario.run.seed
    source = f"{scenario.source}: interventions"
    policy = InterventionPlan(system, params, scenario.interventions, start, weeks, source)
    members0 = initial_members(system, params, runs, scenario.run.initial, seed,
                               scenario.run.engine)
    may_split = policy.removal_targets(members0)
    if may_split.any():
        system = with_splinter_slots(system, np.flatnonzero(may_split),
                                     params["splinter_rivalry"], params["split_fraction"])
        members0 = np.hstack([members0, np.zeros((runs, system.n_groups - members0.shape[1]))])
        policy = InterventionPlan(system, params, scenario.interventions, start, weeks, source)
    ds = simulate(
        system,
        params,
        weeks=weeks,
        runs=runs,
        engine=scenario.run.engine,
        seed=seed,
        start=start,
        initial=members0,
        record=scenario.run.record,
        plan=WorldPlan(policy, runs, weeks, seed, money=scenario.mechanisms.money,
                       protection=scenario.mechanisms.protection),
        progress=progress,
    )
    ds.attrs.update(
        scenario=scenario.name,
        scenario_description=scenario.description,
        scenario_file=scenario.source,
        scenario_digest=scenario.digest,
        initial=scenario.run.initial,
        mechanisms=f"leadership, money {'on' if scenario.mechanisms.money else 'off'}, "
        f"protection {'on' if scenario.mechanisms.protection else 'off'}",
        interventions=" | ".join(item.describe() for item in scenario.interventions) or "none",
    )
    return ds
