"""The brief's first section: the replay's coverage and the out-of-sample scores."""

from __future__ import annotations

import pandas as pd
import pytest

from cartelsim.errors import CartelsimError
from cartelsim.report import replay


def test_coverage_counts_the_years_inside_the_interval():
    table = pd.DataFrame({
        "year": [2009, 2010, 2011, 2012, 2025],
        "observed_homicides": [1.0, 100.0, 100.0, 100.0, float("nan")],
        "homicides_p05": [0.0, 90.0, 110.0, 50.0, 0.0],
        "homicides_p50": [0.0, 100.0, 150.0, 200.0, 0.0],
        "homicides_p95": [0.0, 120.0, 200.0, 300.0, 0.0],
    })
    result = replay.coverage(table)
    assert (result["years"], result["inside"]) == (3, 2)  # 2011 lies below its interval
    assert result["ratio"] == pytest.approx(1.5)


def test_scores_read_the_validate_summary(tmp_path):
    (tmp_path / "summary.csv").write_text(
        "forecaster,mean_crps,coverage_50,coverage_90,years\n"
        "model,1200.5,0.33,0.67,2022-2024\npersistence,900,0.0,0.33,2022-2024\n",
        encoding="utf-8")
    scores = replay.scores(tmp_path)
    assert scores["available"] and [r["forecaster"] for r in scores["rows"]] == [
        "model", "persistence"]
    assert scores["rows"][0]["coverage_90"] == pytest.approx(0.67)


def test_a_bad_scores_file_names_the_file_and_line(tmp_path):
    path = tmp_path / "summary.csv"
    path.write_text("forecaster,mean_crps,coverage_50,coverage_90,years\nmodel,lots,0.3,0.6,x\n",
                    encoding="utf-8")
    with pytest.raises(CartelsimError, match=r"summary.csv, line 2: mean_crps is 'lots'"):
        replay.scores(path)


def test_without_scores_the_brief_says_it_has_not_been_scored(monkeypatch):
    monkeypatch.setattr(replay, "packaged_scores", lambda: None)
    assert "not been scored" in replay.scores(None)["message"]


def test_the_replay_shares_its_runs_among_posterior_draws(tmp_path):
    import numpy as np

    from cartelsim.calibration.posterior import Posterior

    posterior = Posterior(pd.DataFrame({"split_hazard": [0.05, 0.1]}), np.array([0.5, 0.5]),
                          source="test")
    key, (_, args) = replay.job(10, 3, posterior)
    assert args["draws"] == 10 // replay.RUNS_PER_DRAW and args["posterior"] is posterior
    plain_key, (_, plain) = replay.job(10, 3, None)
    assert plain["draws"] == 0 and plain_key != key


def test_the_package_ships_the_out_of_sample_scores_of_its_fit_to_2021():
    """data/validation/summary.csv is what `cartelsim validate` wrote for the packaged fit to
    2021, so the brief shows the scores without --validation."""
    assert replay.packaged_scores() is not None
    scores = replay.scores(None)
    rows = {row["forecaster"]: row for row in scores["rows"]}
    assert scores["available"] and set(rows) == {"model", "persistence", "linear trend"}
    assert all(row["years"] == "3" for row in rows.values())  # 2022-2024
    assert rows["linear trend"]["mean_crps"] > rows["persistence"]["mean_crps"]
