"""An ensemble runs the values of a scenario's `parameters_file` (issue 11, item 4).

The ensemble once rebuilt each chunk's parameters from the defaults, the scenario's own
[parameters] table and the sample, and dropped the parameter file: an ensemble of a
calibrated scenario silently ran the default values.
"""

from __future__ import annotations

import numpy as np
import pytest

from cartelsim.ensembles.executors import SerialExecutor
from cartelsim.ensembles.runner import build_design, run_ensemble
from cartelsim.scenarios.runner import run_scenario
from cartelsim.scenarios.schema import load_scenario

FILE = """provenance = "calibrated"

[parameters]
incapacitation = 230
conflict_lethality = 2.4e-8
"""


@pytest.fixture()
def calibrated(tmp_path, make_scenario):
    """A scenario that names, by a relative path, a parameter file beside it."""
    (tmp_path / "fit.toml").write_text(FILE, encoding="utf-8")
    path = make_scenario(tmp_path, "calibrated", weeks=40, runs=3, seed=2,
                         parameters="saturation = 5e-8")
    text = path.read_text(encoding="utf-8")
    path.write_text('parameters_file = "fit.toml"\n' + text, encoding="utf-8")
    return path


def test_an_ensemble_runs_the_parameter_files_values(calibrated, tmp_path, same_data) -> None:
    path = calibrated
    scenario = load_scenario(path)
    params = scenario.params()
    assert params["incapacitation"] == 230.0 and params["saturation"] == 5e-8
    design, scenarios = build_design([path], runs=3, samples=1, seed=2, method="lhs",
                                     parameters=[], chunk_runs=2)
    store = run_ensemble(design, scenarios, tmp_path / "ens", SerialExecutor())
    gathered = store.gather().isel(scenario=0, sample=0)
    direct = run_scenario(scenarios[0])  # the scenario as the ensemble runs it, whole
    for name in ("total_members", "total_arrests", "homicides"):
        assert np.array_equal(gathered[name].values, direct[name].values, equal_nan=True), name
    # not vacuous: the defaults give other numbers
    defaults = run_scenario(scenarios[0], params=scenario.params().override(
        {"incapacitation": 110.0, "conflict_lethality": 1.549231e-8}, origin="test"))
    assert not np.array_equal(gathered["total_arrests"].values,
                              defaults["total_arrests"].values)


def test_a_sample_overrides_the_file_and_remembers_the_chain(calibrated, tmp_path) -> None:
    """default -> parameter file -> scenario -> sample: the sample wins, its origin keeps
    the values it replaced."""
    from cartelsim.ensembles.runner import chunk_params

    path = calibrated
    design, scenarios = build_design([path], runs=2, samples=2, seed=5, method="lhs",
                                     parameters=["incapacitation"], chunk_runs=2)
    params = chunk_params(scenarios[0], design.sample(1))
    assert params["incapacitation"] == design.sample(1)["incapacitation"]
    assert params["conflict_lethality"] == 2.4e-8  # from the file, not sampled
    assert params["saturation"] == 5e-8  # from the scenario
    chain = params.chain("incapacitation")
    assert [origin for origin, _ in chain][0] == "default"
    assert chain[1][0] == "calibrated (packaged record-posterior)"  # the default world
    assert chain[2][0].startswith("calibrated (") and chain[2][0].endswith("fit.toml)")
    assert chain[2][1] == 230.0
    assert chain[-1][0] == "sampled"
    assert [origin for origin, _ in params.chain("saturation")][-1].startswith("scenario ")
