"""The observation model: organised-crime homicides plus a baseline, the INEGI and SESNSP
series and their ratio, missing persons; the engines' `homicides` left as it was."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cartelsim.engines.observation import add_observations
from cartelsim.params.catalogue import CATALOGUE, Params
from cartelsim.record.observation import (
    COMPARABLE,
    OBSERVED,
    WEEKS_PER_YEAR,
    add_observed_series,
    annual,
    year_end,
)
from cartelsim.record.observed import national_homicides, sesnsp_to_inegi


def weekly(deaths: np.ndarray, start: str = "2007-01-01") -> xr.Dataset:
    """A results-like dataset: deaths per week [run, time], NaN at the first date."""
    runs, steps = deaths.shape
    times = pd.Timestamp(start) + pd.to_timedelta(7 * np.arange(steps), unit="D")
    values = deaths.astype(float).copy()
    values[:, 0] = np.nan
    return xr.Dataset({"total_deaths": (("run", "time"), values),
                       "total_members": (("run", "time"), np.full((runs, steps), 1e4))},
                      coords={"run": np.arange(runs), "time": times})


@pytest.fixture
def deaths() -> np.ndarray:
    return np.random.default_rng(3).uniform(20.0, 80.0, size=(3, 110))


def test_inegi_series_is_organised_crime_homicides_plus_the_baseline(deaths) -> None:
    params = Params.defaults()
    ds = add_observed_series(weekly(deaths), params)
    organised = deaths[:, 1:] / params["victim_member_share"] * params["homicide_share_of_victims"]
    baseline = params["baseline_homicides"] / WEEKS_PER_YEAR
    np.testing.assert_allclose(ds["homicides_organised_crime"].values[:, 1:], organised)
    np.testing.assert_allclose(ds["homicides_baseline"].values[:, 1:], baseline)
    np.testing.assert_allclose(ds["homicides_inegi"].values[:, 1:], organised + baseline)
    missing = deaths[:, 1:] / params["victim_member_share"] * (1 - params["homicide_share_of_victims"])
    np.testing.assert_allclose(ds["missing_persons"].values[:, 1:], missing)
    for name in OBSERVED:  # flows are undefined at the first date
        assert np.isnan(ds[name].values[:, 0]).all()


def test_sesnsp_victims_are_the_ratio_times_the_inegi_series(deaths) -> None:
    params = Params.defaults().override({"sesnsp_inegi_ratio": 0.88}, origin="test")
    ds = add_observed_series(weekly(deaths), params)
    np.testing.assert_allclose(ds["victims_sesnsp"].values[:, 1:],
                               0.88 * ds["homicides_inegi"].values[:, 1:])


def test_the_ratio_default_lies_within_the_observed_ratios() -> None:
    observed = sesnsp_to_inegi(national_homicides())
    spec = CATALOGUE["sesnsp_inegi_ratio"]
    assert len(observed) >= 2
    assert spec.low <= observed.min() and observed.max() <= spec.high
    assert spec.default == round(float(observed.mean()), 2)  # as its passport says


def test_without_a_baseline_inegi_equals_the_organised_crime_part(deaths) -> None:
    params = Params.defaults().override({"baseline_homicides": 0.0}, origin="test")
    ds = add_observed_series(weekly(deaths), params)
    np.testing.assert_array_equal(ds["homicides_inegi"].values,
                                  ds["homicides_organised_crime"].values)


def test_the_engines_homicides_are_left_as_they_were(deaths) -> None:
    params = Params.defaults()
    before = add_observations(weekly(deaths), params)
    kept = before["homicides"].copy(deep=True)
    after = add_observed_series(before, params)
    xr.testing.assert_identical(after["homicides"], kept)
    np.testing.assert_allclose(after["homicides_organised_crime"].values, kept.values)


def test_every_observed_series_says_what_it_is_comparable_to(deaths) -> None:
    ds = add_observed_series(weekly(deaths), Params.defaults())
    for name in OBSERVED:
        assert ds[name].attrs["comparable_to"] == COMPARABLE[name]
        assert ds[name].attrs["units"] == "people per week"
    assert "INEGI" in ds["homicides_inegi"].attrs["comparable_to"]
    assert "SESNSP" in ds["victims_sesnsp"].attrs["comparable_to"]
    assert "F34" in ds["missing_persons"].attrs["comparable_to"]


def test_yearly_sums_and_year_end_stocks() -> None:
    deaths = np.full((2, 60), 10.0)  # 2007-01-01 + 59 weeks: into February 2008
    ds = add_observed_series(weekly(deaths), Params.defaults())
    sums = annual(ds, "total_deaths")
    weeks_2007 = int((ds["time"].dt.year == 2007).sum()) - 1  # the first date has no flow
    assert sums.sel(year=2007).values.tolist() == [10.0 * weeks_2007] * 2
    assert sums.sel(year=2008).values.tolist() == [10.0 * (60 - 1 - weeks_2007)] * 2
    ds["total_members"].values[:] = np.arange(60)[None, :]
    stock = year_end(ds, "total_members")
    assert stock.sel(year=2007).values.tolist() == [weeks_2007] * 2
    assert stock.sel(year=2008).values.tolist() == [59.0] * 2
