"""`slices`: the likelihood along each parameter through a posterior's median."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cartelsim.calibration.posterior import Posterior
from cartelsim.calibration.slices import COLUMNS, FLAT, likelihood_slices, slice_summary


def test_a_slice_is_flat_when_the_likelihood_barely_moves():
    share = np.linspace(0, 1, 5)
    slices = pd.DataFrame({
        "parameter": ["a"] * 5 + ["b"] * 5 + ["c"] * 5,
        "value": np.concatenate([share, share, share]),
        "share_of_range": np.concatenate([share, share, share]),
        "log_likelihood": [-3.0, -3.1, -3.2, -3.1, -3.0 + 0.5 * FLAT,  # flat
                           -9.0, -5.0, -2.0, -4.0, -8.0,  # peaked in the middle
                           -2.0, -2.0, -np.inf, -2.0, -2.0]})  # undefined somewhere
    summary = slice_summary(slices).set_index("parameter")
    assert summary.loc["a", "flat"] and summary.loc["a", "loglik_range"] == pytest.approx(0.7)
    assert not summary.loc["b", "flat"] and summary.loc["b", "best_share"] == 0.5
    assert summary.loc["c", "loglik_range"] == np.inf and not summary.loc["c", "flat"]


def test_slices_run_the_fits_own_worlds_through_the_median():
    draws = pd.DataFrame({"split_hazard": [0.1, 0.2, 0.3]})
    meta = {"nuisance_draws": {"sigma_homicides": [0.2] * 3, "sigma_groups": [0.6] * 3}}
    posterior = Posterior(draws, np.full(3, 1 / 3), meta, "test")
    slices = likelihood_slices(posterior, until=2021, runs_per_point=2, points=3)
    assert list(slices.columns) == list(COLUMNS)
    assert slices["value"].tolist() == [0.05, 0.275, 0.5]  # the catalogue range
    assert np.isfinite(slices["log_likelihood"]).all()
    again = likelihood_slices(posterior, until=2021, runs_per_point=2, points=3)
    pd.testing.assert_frame_equal(slices, again)  # fixed worlds: the same numbers


def test_the_fits_summary_names_the_flat_parameters():
    from cartelsim.calibration.record_posterior import summary_lines

    rng = np.random.default_rng(1)
    draws = pd.DataFrame({"split_hazard": rng.uniform(0.05, 0.5, 50),
                          "split_fraction": rng.uniform(0.1, 0.2, 50)})
    meta = {"likelihood_slices": {
        "split_hazard": {"loglik_range": 0.04, "best_share": 0.1, "flat": True},
        "split_fraction": {"loglik_range": 12.0, "best_share": 0.2, "flat": False}}}
    lines = summary_lines(Posterior(draws, np.full(50, 1 / 50), meta, "test"))
    flat = [line for line in lines if "moves by" in line]
    assert len(flat) == 1 and flat[0].startswith("split_hazard: the log-likelihood moves by "
                                                 "0.04")
