"""Scoring rules and baselines against cases that can be worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cartelsim.calibration.scoring import (
    crps_samples,
    interval_covers,
    persistence_forecast,
    sample_forecast,
    summary,
    trend_forecast,
)
from cartelsim.errors import CartelsimError


def test_crps_of_one_member_is_the_absolute_error():
    assert np.allclose(crps_samples(np.array([3.0, 10.0]), np.array([[5.0], [4.0]])), [2.0, 6.0])


def test_crps_of_two_members_by_hand():
    # ensemble {0, 1}, observation 0: E|X - y| - E|X - X'| / 2 = 0.5 - 0.25
    assert np.allclose(crps_samples(np.array([0.0]), np.array([[0.0, 1.0]])), [0.25])


def test_interval_coverage_by_hand():
    samples = np.tile(np.arange(101.0), (3, 1))  # quantiles of 0..100 are the percentages
    covered = interval_covers(np.array([50.0, 20.0, 99.0]), samples, 0.5)
    assert covered.tolist() == [True, False, False]
    assert interval_covers(np.array([6.0]), samples[:1], 0.9).tolist() == [True]


def test_persistence_is_centred_on_the_last_year_and_widens_with_the_horizon():
    train = pd.Series([100.0, 110.0, 100.0, 110.0], index=[2018, 2019, 2020, 2021])
    years = np.array([2022, 2023])
    result = persistence_forecast(train, years, np.array([110.0, 110.0]))
    assert np.allclose(result.quantiles[:, 2], 110.0)
    widths = result.quantiles[:, 4] - result.quantiles[:, 0]
    assert widths[1] > widths[0]
    sd = np.std(np.diff(np.log(train.to_numpy())), ddof=1)
    assert math.isclose(result.quantiles[0, 4], 110.0 * math.exp(stats.norm.ppf(0.95) * sd))


def test_trend_extrapolates_the_least_squares_line():
    years_train = np.arange(2010, 2022)
    noise = np.array([1, -1] * 6, dtype=float)
    train = pd.Series(1000 + 50 * (years_train - 2010) + noise, index=years_train)
    years = np.array([2022, 2024])
    result = trend_forecast(train, years, np.array([1600.0, 1700.0]))
    slope, intercept = np.polyfit(years_train[-10:], train.to_numpy()[-10:], 1)
    assert np.allclose(result.quantiles[:, 2], intercept + slope * years)
    assert (result.crps >= 0).all()


def test_a_baseline_needs_three_positive_years():
    with pytest.raises(CartelsimError, match="three positive"):
        persistence_forecast(pd.Series([1.0, 2.0], index=[2020, 2021]), np.array([2022]),
                             np.array([1.0]))


def test_table_and_summary_columns():
    years = np.array([2022, 2023])
    observed = np.array([5.0, 50.0])
    forecast = sample_forecast("model", years, np.tile(np.arange(11.0), (2, 1)), observed)
    table = forecast.table(observed)
    assert list(table.columns) == ["forecaster", "year", "observed", "p05", "p25", "p50", "p75",
                                   "p95", "crps", "in_50", "in_90"]
    assert table["in_90"].tolist() == [True, False]
    result = summary(table)
    assert result.loc[0, "coverage_90"] == 0.5 and result.loc[0, "years"] == 2
    assert math.isclose(result.loc[0, "mean_crps"], table["crps"].mean())
