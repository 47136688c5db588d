"""An ensemble of territorial scenarios keeps the state and crossing series (issue 14's
results contract), sizes them up front and exports them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from cartelsim.ensembles.executors import SerialExecutor
from cartelsim.ensembles.runner import (
    BYTES_PER_RUN_WEEK,
    build_design,
    bytes_per_run_week,
    estimated_bytes,
    run_ensemble,
)
from cartelsim.io.export import write_ensemble_netcdf
from cartelsim.scenarios.schema import load_scenario

TERRITORY = "[mechanisms]\nterritory = true\n"
CRACKDOWN = """
[[interventions]]
action = "crossing_crackdown"
crossing = "nuevo_laredo"
effect = 3.0
start = 2026-01-01
"""


def test_a_territorial_ensemble_keeps_states_and_crossings(tmp_path: Path,
                                                          make_scenario) -> None:
    base = make_scenario(tmp_path, "quo", weeks=20, runs=3, extra=TERRITORY)
    crackdown = make_scenario(tmp_path, "crackdown", weeks=20, runs=3,
                              extra=TERRITORY + CRACKDOWN)
    design, scenarios = build_design([base, crackdown], runs=3, samples=1, seed=4,
                                     method="lhs", parameters=[], chunk_runs=2)
    assert bytes_per_run_week(scenarios[0]) > BYTES_PER_RUN_WEEK
    store = run_ensemble(design, scenarios, tmp_path / "ens", SerialExecutor())
    ds = store.gather()
    per_week = bytes_per_run_week(scenarios[0])
    for chunk in design.chunks():  # the estimate bounds the real files
        real = (tmp_path / "ens" / "chunks" / f"{chunk.key}.nc").stat().st_size
        assert real <= estimated_bytes(design, 20, [chunk], per_week), chunk.key
    assert ds["flow_north"].dims == ("scenario", "sample", "run", "time", "crossing")
    assert ds["state_homicides"].dims == ("scenario", "sample", "run", "time", "state")
    # the crackdown moves flow away from its crossing: less crosses there, on the same worlds
    at = ds["flow_north"].sel(crossing="nuevo_laredo").isel(sample=0).sum("time")
    assert (at.sel(scenario="crackdown") < at.sel(scenario="quo")).all()
    written = write_ensemble_netcdf(store, tmp_path / "all.nc")
    with xr.open_dataset(written) as back:
        np.testing.assert_array_equal(back["flow_north"].values, ds["flow_north"].values)
        assert list(back["state_name"].values) == list(ds["state_name"].values)


def test_a_national_ensemble_is_sized_as_before(tmp_path: Path, make_scenario) -> None:
    path = make_scenario(tmp_path, "plain", weeks=4, runs=1)
    assert bytes_per_run_week(load_scenario(path)) == BYTES_PER_RUN_WEEK
