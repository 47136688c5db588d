"""Replays that carry parameter uncertainty: runs shared among posterior draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cartelsim.calibration.passport import calibrated_values
from cartelsim.calibration.posterior import Posterior
from cartelsim.errors import CartelsimError
from cartelsim.record.api import history
from cartelsim.record.draws import draw_seed, parameter_worlds


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


def test_passport_reads_the_posterior_interval():
    values = calibrated_values(_posterior())
    assert values["split_hazard"].median == 0.2
    assert values["split_hazard"].low == 0.1 and values["split_hazard"].high == 0.3
    assert "calibrated" in values["split_hazard"].text()
    assert "2007-2024" in values["split_hazard"].source
