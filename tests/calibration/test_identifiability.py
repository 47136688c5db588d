"""The identifiability report on posteriors whose answer is known."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cartelsim.calibration.identifiability import (
    correlation_matrix,
    identifiability_table,
    strong_pairs,
)
from cartelsim.calibration.posterior import Posterior


def _posterior() -> Posterior:
    rng = np.random.default_rng(0)
    n = 4000
    wide = rng.uniform(0.05, 0.5, n)  # split_hazard: the whole prior range
    narrow = rng.uniform(0.0024, 0.0026, n)  # recruitment_rate: a tenth of its range
    edge = rng.uniform(5.0, 5.5, n)  # splinter_rivalry: the bottom of 5-13
    tied = 0.3 + 0.2 * (wide - 0.05) / 0.45 + rng.normal(0, 0.01, n)  # split_fraction
    draws = pd.DataFrame({"split_hazard": wide, "recruitment_rate": narrow,
                          "splinter_rivalry": edge, "split_fraction": tied})
    return Posterior(draws, np.full(n, 1 / n))


def test_verdicts_follow_the_width_against_the_prior():
    table = identifiability_table(_posterior()).set_index("parameter")
    assert table.loc["split_hazard", "verdict"] == "not pinned down"
    assert abs(table.loc["split_hazard", "width_share"] - 1.0) < 0.05
    assert table.loc["recruitment_rate", "verdict"] == "pinned down"
    # uniform draws over 0.0002 of a 0.001 range: the 90 % widths are in the same ratio
    assert abs(table.loc["recruitment_rate", "width_share"] - 0.2) < 0.02
    assert table.loc["splinter_rivalry", "edge"] == "low"
    assert table.loc["split_hazard", "edge"] == ""


def test_strong_pairs_find_the_tied_parameters_only():
    pairs = strong_pairs(correlation_matrix(_posterior()))
    assert [(a, b) for a, b, _ in pairs] == [("split_hazard", "split_fraction")]
    assert pairs[0][2] > 0.9


def test_a_flat_slice_overrules_a_narrow_interval_unless_the_parameter_trades_off():
    posterior = _posterior()
    flat = {"loglik_range": 0.2, "best_share": 0.5, "flat": True}
    posterior.meta["likelihood_slices"] = {
        "recruitment_rate": flat,  # narrow, but only where the sampler started
        "split_fraction": flat,  # tied to split_hazard: flat alone, not together
        "splinter_rivalry": {"loglik_range": 40.0, "best_share": 0.1, "flat": False}}
    table = identifiability_table(posterior).set_index("parameter")
    assert table.loc["recruitment_rate", "verdict"] == "not pinned down (flat likelihood)"
    assert table.loc["split_fraction", "verdict"] != "not pinned down (flat likelihood)"
    assert table.loc["splinter_rivalry", "loglik_range"] == 40.0
    assert np.isnan(table.loc["split_hazard", "loglik_range"])
