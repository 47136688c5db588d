"""Run a validated scenario and return its results."""

from __future__ import annotations

import pandas as pd
import xarray as xr

from cartelsim.engines.simulate import Progress, simulate
from cartelsim.interventions.plan import InterventionPlan
from cartelsim.scenarios.schema import Scenario


def run_scenario(scenario: Scenario, progress: Progress | None = None) -> xr.Dataset:
    """Simulate `scenario` and label the results with its name, file and digest."""
    system = scenario.build_system()
    params = scenario.params()
    start = pd.Timestamp(scenario.start)
    plan = InterventionPlan(system, params, scenario.interventions, start,
                            scenario.horizon.weeks, source=f"{scenario.source}: interventions")
    ds = simulate(
        system,
        params,
        weeks=scenario.horizon.weeks,
        runs=scenario.run.runs,
        engine=scenario.run.engine,
        seed=scenario.run.seed,
        start=start,
        initial=scenario.run.initial,
        record=scenario.run.record,
        plan=plan,
        progress=progress,
    )
    ds.attrs.update(
        scenario=scenario.name,
        scenario_description=scenario.description,
        scenario_file=scenario.source,
        scenario_digest=scenario.digest,
        interventions=" | ".join(item.describe() for item in scenario.interventions) or "none",
    )
    return ds
