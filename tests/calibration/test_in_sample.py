"""`forecast.in_sample`: the shipped posterior against the years it was fitted to, with and
without the fitted model discrepancy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cartelsim.calibration.forecast import in_sample, in_sample_years, replay_samples
from cartelsim.calibration.posterior import Posterior
from cartelsim.errors import CartelsimError


def posterior(sigma: float, until: int = 2021) -> Posterior:
    draws = pd.DataFrame({"split_hazard": [0.2, 0.3]})
    meta = {"years_fitted": [2007, until],
            "nuisance_draws": {"sigma_homicides": [sigma, sigma]}}
    return Posterior(draws, np.array([0.5, 0.5]), meta, "test posterior")


def test_without_discrepancy_the_predictive_is_the_replays_band():
    table = in_sample(posterior(0.0), draws=2, runs_per_draw=1, seed=3)
    assert table["year"].tolist() == list(range(2010, 2022))
    np.testing.assert_allclose(table["p05"], table["model_p05"])
    np.testing.assert_allclose(table["p50"], table["model_p50"])
    np.testing.assert_allclose(table["p75"], table["model_p75"])
    assert (table["in_90"] == table["model_in_90"]).all()
    assert (table["in_50"] == table["model_in_50"]).all()


def test_the_discrepancy_multiplies_the_same_worlds():
    years = np.arange(2015, 2018)
    bare, predictive = replay_samples(posterior(0.3), years, draws=2, runs_per_draw=1, seed=3)
    assert bare.shape == predictive.shape == (3, 2)
    again, _ = replay_samples(posterior(0.0), years, draws=2, runs_per_draw=1, seed=3)
    np.testing.assert_array_equal(bare, again)  # the worlds do not depend on sigma
    factor = np.log(predictive / bare)
    assert np.all(factor != 0.0) and np.abs(factor).max() < 5 * 0.3


def test_a_posterior_fitted_before_2010_has_nothing_to_check():
    with pytest.raises(CartelsimError, match="fitted up to 2009, before 2010"):
        in_sample_years(posterior(0.1, until=2009))


def test_the_bands_are_those_cartelsim_history_draws_with_the_same_seed():
    from cartelsim.record.api import history

    fitted = posterior(0.3)
    table = in_sample(fitted, draws=2, runs_per_draw=2, seed=5)
    replay = history(runs=4, seed=5, posterior=fitted, posterior_draws=2).national_by_year()
    replay = replay.set_index("year").loc[table["year"]]
    np.testing.assert_allclose(table["model_p50"], replay["homicides_p50"])
    np.testing.assert_allclose(table["model_p95"], replay["homicides_p95"])
    np.testing.assert_allclose(table["p05"], replay["predictive_homicides_p05"])
    np.testing.assert_allclose(table["p50"], replay["predictive_homicides_p50"])
