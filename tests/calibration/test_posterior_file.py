"""The posterior file format: round trip, weighted quantiles, one-line errors."""

import numpy as np
import pandas as pd
import pytest

from cartelsim.calibration.posterior import Posterior, load_posterior
from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import Params


def _posterior() -> Posterior:
    draws = pd.DataFrame({"split_hazard": [0.1, 0.2, 0.3, 0.4]})
    return Posterior(draws, np.array([0.0, 0.0, 1.0, 0.0]), {"method": "test"}, "test")


def test_round_trip_keeps_draws_weights_and_metadata(tmp_path):
    _posterior().save(tmp_path / "p")
    loaded = load_posterior(tmp_path / "p")
    assert loaded.median() == {"split_hazard": 0.3}
    assert loaded.meta == {"method": "test"}
    assert not list(tmp_path.glob("*.part"))


def test_sample_follows_weights_and_seed():
    sample = _posterior().sample(50, seed=3)
    assert set(sample["split_hazard"]) == {0.3}
    equal = Posterior(pd.DataFrame({"split_hazard": [0.1, 0.2]}), np.array([0.5, 0.5]))
    assert equal.sample(20, 1).equals(equal.sample(20, 1))


def test_apply_marks_origin_calibrated():
    params = _posterior().apply(Params.defaults())
    assert params["split_hazard"] == 0.3
    assert params.origin("split_hazard").startswith("calibrated")


@pytest.mark.parametrize("text, expected", [
    ("nonsense_parameter\n1\n", "not a catalogue parameter"),
    ("split_hazard\nabc\n", "line 2: split_hazard is not a number"),
    ("split_hazard,weight\n0.1,-1\n", "weight"),
])
def test_bad_files_give_one_line_errors(tmp_path, text, expected):
    (tmp_path / "p.csv").write_text(text)
    with pytest.raises(CartelsimError, match=expected) as error:
        load_posterior(tmp_path / "p")
    assert "\n" not in str(error.value)
