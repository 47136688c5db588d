"""Run a validated scenario and return its results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from cartelsim.engines.simulate import Progress, initial_members, simulate
from cartelsim.errors import CartelsimError
from cartelsim.interventions.plan import InterventionPlan
from cartelsim.mechanisms.splinters import with_splinter_slots
from cartelsim.mechanisms.world import WorldPlan
from cartelsim.params.catalogue import Params
from cartelsim.scenarios.guards import check_memory, flag_non_finite_runs
from cartelsim.scenarios.schema import Scenario


def run_scenario(scenario: Scenario, progress: Progress | None = None, *,
                 params: Params | None = None, first_run: int = 0,
                 runs: int | None = None) -> xr.Dataset:
    """Simulate `scenario` and label the results with its name, file and digest.

    By default (`[mechanisms] fragmentation = "open"`) the world engine runs
    (`cartelsim.world`). With `fragmentation = "capped"` the older engines run: groups whose
    leaders an intervention may remove get an empty splinter slot on the group axis (see
    `mechanisms.splinters`), so a contested succession can split them once.

    An ensemble passes `params` (a sampled parameter set), and `first_run` and `runs` to
    simulate a slice of the scenario's runs that is identical to the same runs of a whole.
    """
    if scenario.mechanisms.fragmentation == "open":
        from cartelsim.world.run import run_world_scenario

        return run_world_scenario(scenario, progress, params=params, first_run=first_run,
                                  runs=runs)
    params = params or scenario.params()
    require_open_fragmentation(scenario)
    system = scenario.build_system(params)
    start = pd.Timestamp(scenario.start)
    weeks, seed = scenario.horizon.weeks, scenario.run.seed
    runs = runs or scenario.run.runs
    check_memory(scenario, runs, system.n_groups)  # before any array is made
    source = f"{scenario.source}: interventions"
    policy = InterventionPlan(system, params, scenario.interventions, start, weeks, source)
    members0 = initial_members(system, params, runs, scenario.run.initial, seed,
                               scenario.run.engine, first_run)
    # which groups get splinter slots must not depend on the slice of runs (ensembles)
    expected_rule = "zipf" if scenario.run.initial == "poisson" else scenario.run.initial
    reference = initial_members(system, params, 1, expected_rule, seed, "deterministic")
    may_split = policy.removal_targets(reference)
    if may_split.any():
        system = with_splinter_slots(system, np.flatnonzero(may_split),
                                     params["splinter_rivalry"], params["split_fraction"])
        members0 = np.hstack([members0, np.zeros((runs, system.n_groups - members0.shape[1]))])
        policy = InterventionPlan(system, params, scenario.interventions, start, weeks, source)
    check_memory(scenario, runs, system.n_groups)  # with any splinter slots
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
        plan=WorldPlan(policy, weeks, seed, money=scenario.mechanisms.money,
                       protection=scenario.mechanisms.protection, first_run=first_run),
        progress=progress,
        first_run=first_run,
    )
    flag_non_finite_runs(ds)
    ds.attrs.update(
        scenario=scenario.name,
        scenario_description=scenario.description,
        scenario_file=scenario.source,
        scenario_digest=scenario.digest,
        initial=scenario.run.initial,
        mechanisms=f"leadership, money {'on' if scenario.mechanisms.money else 'off'}, "
        f"protection {'on' if scenario.mechanisms.protection else 'off'}"
        + (", no new-group entry (entry_rate is the world engine's)"
           if params["entry_rate"] > 0.0 else ""),
        interventions=" | ".join(item.describe() for item in scenario.interventions) or "none",
    )
    return ds


def require_open_fragmentation(scenario: Scenario) -> None:
    """Refuse, in one line, what only the world engine (fragmentation = "open") does: a
    target restricted to a lineage, and new-group entry the scenario asks for itself (an
    entry_rate that comes with the calibrated defaults is noted in the results instead)."""
    if scenario.run.record == "lineages":
        raise CartelsimError(f"{scenario.source}: run.record: 'lineages' needs "
                             'fragmentation = "open"')
    if scenario.parameters.get("entry_rate", 0.0) > 0.0:
        raise CartelsimError(f"{scenario.source}: parameters.entry_rate: new-group entry "
                             'needs fragmentation = "open"')
    for number, spec in enumerate(scenario.interventions, start=1):
        if spec.target.lineage is not None:
            raise CartelsimError(f"{scenario.source}: interventions[{number}] ({spec.action}): "
                                 'target.lineage needs fragmentation = "open"')
