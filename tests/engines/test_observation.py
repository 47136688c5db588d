"""The observation model: homicides and disappearances implied by members killed."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from cartelsim.engines.observation import add_observations
from cartelsim.engines.simulate import simulate
from cartelsim.params.catalogue import Params

DEFAULTS = Params.defaults()
OVERRIDDEN = DEFAULTS.override({"victim_member_share": 0.2, "homicide_share_of_victims": 0.7},
                               origin="test")
EXTREME = DEFAULTS.override({"victim_member_share": 1.0, "homicide_share_of_victims": 0.0},
                            origin="test")


@pytest.fixture(scope="module")
def runs(bacrim_system) -> dict[str, xr.Dataset]:
    return {
        "deterministic": simulate(bacrim_system, weeks=30),
        "stochastic": simulate(bacrim_system, weeks=30, engine="stochastic", runs=3, seed=4),
    }


def assert_observations(ds: xr.Dataset, params: Params) -> None:
    deaths = ds["total_deaths"].values
    share = params["homicide_share_of_victims"]
    victims = deaths / params["victim_member_share"]
    np.testing.assert_array_equal(ds["homicides"].values, victims * share)
    np.testing.assert_array_equal(ds["disappearances"].values, victims * (1.0 - share))
    # together they are all the victims
    np.testing.assert_allclose((ds["homicides"] + ds["disappearances"]).values[:, 1:],
                               victims[:, 1:], rtol=1e-15)


@pytest.mark.parametrize("engine", ["deterministic", "stochastic"])
def test_homicides_and_disappearances_split_the_victims(runs, engine: str) -> None:
    assert_observations(runs[engine], DEFAULTS)


def test_published_values_give_7_5_homicides_per_member_killed(runs) -> None:
    ds = runs["deterministic"]
    ratio = ds["homicides"].values[:, 1:] / ds["total_deaths"].values[:, 1:]
    np.testing.assert_allclose(ratio, 0.75 / 0.10, rtol=1e-14)
    ratio = ds["disappearances"].values[:, 1:] / ds["total_deaths"].values[:, 1:]
    np.testing.assert_allclose(ratio, 0.25 / 0.10, rtol=1e-14)


@pytest.mark.parametrize("params", [OVERRIDDEN, EXTREME], ids=["overridden", "extreme"])
def test_overridden_parameters_are_used(bacrim_system, params: Params) -> None:
    ds = simulate(bacrim_system, params, weeks=10)
    assert_observations(ds, params)
    # the observation model does not change the model itself
    plain = simulate(bacrim_system, weeks=10)
    np.testing.assert_array_equal(ds["total_deaths"].values, plain["total_deaths"].values)


def test_extreme_split_puts_every_victim_in_one_series(bacrim_system) -> None:
    ds = simulate(bacrim_system, EXTREME, weeks=5)
    assert (ds["homicides"].values[:, 1:] == 0).all()
    np.testing.assert_array_equal(ds["disappearances"].values, ds["total_deaths"].values)


def test_units_and_descriptions(runs) -> None:
    ds = runs["deterministic"]
    for name in ("homicides", "disappearances"):
        assert ds[name].dims == ("run", "time")
        assert ds[name].attrs["units"] == "people per week"
        description = ds[name].attrs["description"]
        assert name in description and "victim_member_share" in description


@pytest.mark.parametrize("engine", ["deterministic", "stochastic"])
def test_nan_at_the_first_date_and_finite_after(runs, engine: str) -> None:
    ds = runs[engine]
    for name in ("homicides", "disappearances"):
        values = ds[name].values
        assert np.isnan(values[:, 0]).all(), name
        assert np.isfinite(values[:, 1:]).all() and (values[:, 1:] >= 0).all(), name


def test_add_observations_on_a_dataset_of_its_own() -> None:
    deaths = np.array([[np.nan, 10.0, 0.0, 3.0]])
    ds = xr.Dataset({"total_deaths": (("run", "time"), deaths)})
    out = add_observations(ds, OVERRIDDEN)
    np.testing.assert_array_equal(out["homicides"].values,
                                  [[np.nan, 10.0 / 0.2 * 0.7, 0.0, 3.0 / 0.2 * 0.7]])
    np.testing.assert_array_equal(out["disappearances"].values,
                                  [[np.nan, 10.0 / 0.2 * (1 - 0.7), 0.0,
                                    3.0 / 0.2 * (1 - 0.7)]])
