"""The posteriors shipped with the package: readable, complete metadata, inside the priors."""

from __future__ import annotations

import re

import pytest

from cartelsim.calibration.posterior import PACKAGED_2021, PACKAGED_NAME, load_posterior
from cartelsim.calibration.record_fit import FITTED
from cartelsim.calibration.record_posterior import nuisance_draws
from cartelsim.params.catalogue import CATALOGUE

# what each sampler's metadata must say of its library and budget
LIBRARY = {"emcee": "emcee", "smc": "smcpy"}
BUDGET = {"emcee": ("walkers", "steps", "burn_in"),
          "smc": ("particles", "mcmc_steps", "target_ess", "mode_search")}


@pytest.mark.parametrize("name, last_year", [(PACKAGED_NAME, 2024), (PACKAGED_2021, 2021)])
def test_packaged_posterior_names_its_data_method_budget_and_code(name, last_year):
    posterior = load_posterior(packaged=name)
    meta = posterior.meta
    assert meta["years_fitted"] == [2007, last_year]
    sampler = meta.get("sampler", "emcee")  # fits before session 7 name no sampler
    assert meta["library"].split()[0] == LIBRARY[sampler]
    assert re.fullmatch(r"[0-9a-f]{40}( \(uncommitted changes\))?", meta["revision"])
    assert {"parameter_points", "replays", *BUDGET[sampler]} <= set(meta["budget"])
    assert f"--sampler {sampler}" in meta["command"] or sampler == "emcee"
    assert f"--until {last_year}" in meta["command"] and isinstance(meta["seed"], int)
    assert ("members" in meta["data"]) == (last_year >= 2022)  # F18 is a 2022 figure
    assert set(posterior.parameters) == set(FITTED)  # entry_rate too (issue 13's re-fit)
    for parameter in posterior.parameters:  # uniform priors on the catalogue ranges
        values = posterior.draws[parameter]
        assert values.between(CATALOGUE[parameter].low, CATALOGUE[parameter].high).all()
    assert (nuisance_draws(posterior, "sigma_homicides") > 0).all()
