"""Run a validated scenario and return its results."""

from __future__ import annotations

import pandas as pd
import xarray as xr

from cartelsim.engines.simulate import Progress, simulate
from cartelsim.scenarios.schema import Scenario


def run_scenario(scenario: Scenario, progress: Progress | None = None) -> xr.Dataset:
    """Simulate `scenario` and label the results with its name, file and digest."""
    system = scenario.build_system()
    ds = simulate(
        system,
        scenario.params(),
        weeks=scenario.horizon.weeks,
        runs=scenario.run.runs,
        engine=scenario.run.engine,
        seed=scenario.run.seed,
        start=pd.Timestamp(scenario.start),
        initial=scenario.run.initial,
        record=scenario.run.record,
        progress=progress,
    )
    ds.attrs.update(
        scenario=scenario.name,
        scenario_description=scenario.description,
        scenario_file=scenario.source,
        scenario_digest=scenario.digest,
    )
    return ds
