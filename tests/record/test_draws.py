"""Replays that carry parameter uncertainty: runs shared among posterior draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cartelsim.calibration.passport import calibrated_values
from cartelsim.calibration.posterior import Posterior
from cartelsim.errors import CartelsimError
from cartelsim.record.api import history
from cartelsim.record.draws import draw_seed, parameter_worlds, predictive_factors


def _posterior() -> Posterior:
    draws = pd.DataFrame({"split_hazard": [0.1, 0.2, 0.3], "baseline_homicides": [6e3, 7e3, 9e3]})
    return Posterior(draws, np.full(3, 1 / 3), {"years_fitted": [2007, 2024]}, "test")


def test_runs_are_shared_among_draws_with_their_own_seeds():
    worlds = parameter_worlds(7, 4, {"baseline_homicides": 5e3}, _posterior(), draws=3)
    assert [w.runs for w in worlds] == [3, 2, 2]
    assert [w.seed for w in worlds] == [draw_seed(4, k) for k in range(3)]
    assert len({w.seed for w in worlds}) == 3
    assert all(w.parameters["baseline_homicides"] == 5e3 for w in worlds)  # explicit wins
    assert parameter_worlds(7, 4, None, _posterior(), draws=3) == \
        parameter_worlds(7, 4, None, _posterior(), draws=3)


def test_no_draws_means_the_median_and_no_posterior_the_defaults():
    (world,) = parameter_worlds(5, 1, None, _posterior())
    assert world.parameters == {"split_hazard": 0.2, "baseline_homicides": 7e3}
    assert parameter_worlds(5, 1, None, None)[0].parameters == {}


@pytest.mark.parametrize("posterior, draws, message", [
    (None, 2, "needs a posterior"),
    (_posterior(), 9, "must not exceed --runs"),
])
def test_bad_draws_are_one_line_errors(posterior, draws, message):
    with pytest.raises(CartelsimError, match=message) as error:
        parameter_worlds(5, 1, None, posterior, draws)
    assert "\n" not in str(error.value)


def test_a_replay_over_draws_joins_the_runs_and_changes_with_the_parameters():
    joined = history(runs=3, seed=2, fragmentation="open", posterior=_posterior(),
                     posterior_draws=3)
    assert joined.factual.sizes["run"] == 3
    assert list(joined.factual["run"].values) == [0, 1, 2]
    baseline = joined.factual["homicides_baseline"].isel(time=5).values
    assert len(set(np.round(baseline, 6))) > 1  # each run kept its own draw's baseline
    table = joined.national_by_year()
    assert (table["homicides_p05"] <= table["homicides_p95"]).all()


def _with_discrepancy() -> Posterior:
    posterior = _posterior()
    meta = {**posterior.meta, "nuisance_draws": {"sigma_homicides": [0.1, 0.2, 0.4]}}
    return Posterior(posterior.draws, posterior.weights, meta, "test")


def test_each_world_carries_its_draws_discrepancy():
    """The discrepancy travels with its row: a world's sigma is the one fitted beside its
    parameters, the median world's the median, and a posterior without one gives 0."""
    by_hazard = {0.1: 0.1, 0.2: 0.2, 0.3: 0.4}
    for world in parameter_worlds(6, 5, None, _with_discrepancy(), draws=6):
        assert world.discrepancy == by_hazard[world.parameters["split_hazard"]]
    assert parameter_worlds(4, 5, None, _with_discrepancy())[0].discrepancy == 0.2
    assert parameter_worlds(4, 5, None, _posterior())[0].discrepancy == 0.0
    worlds = parameter_worlds(6, 5, None, _with_discrepancy(), draws=3)
    factors = predictive_factors(worlds, 20, seed=5)
    assert factors.shape == (6, 20) and (factors > 0).all()
    np.testing.assert_array_equal(factors, predictive_factors(worlds, 20, seed=5))
    assert not np.array_equal(factors, predictive_factors(worlds, 20, seed=6))


def test_the_predictive_is_the_replay_times_the_discrepancy():
    result = history(runs=2, seed=2, fragmentation="open", posterior=_with_discrepancy(),
                     posterior_draws=2)
    predictive = result.predictive_homicides()
    factor = predictive / cartelsim_annual(result)
    np.testing.assert_allclose(factor.values, result.discrepancy.values)
    table = result.national_by_year()
    assert {"predictive_homicides_p05", "predictive_homicides_p95"} <= set(table.columns)
    plain = history(runs=2, seed=2, fragmentation="open", posterior=_posterior(),
                    posterior_draws=2)
    assert plain.discrepancy is None
    assert "predictive_homicides_p05" not in plain.national_by_year()


def cartelsim_annual(result):
    from cartelsim.record.observation import annual

    return annual(result.factual, "homicides_inegi")


def test_passport_reads_the_posterior_interval():
    values = calibrated_values(_posterior())
    assert values["split_hazard"].median == 0.2
    assert values["split_hazard"].low == 0.1 and values["split_hazard"].high == 0.3
    assert "calibrated" in values["split_hazard"].text()
    assert "2007-2024" in values["split_hazard"].source
