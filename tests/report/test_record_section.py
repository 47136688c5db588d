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


def test_with_a_fitted_discrepancy_the_section_shows_the_predictive_band_too():
    from types import SimpleNamespace

    from jinja2 import Environment, PackageLoader, StrictUndefined

    table = pd.DataFrame({
        "year": [2010, 2011],
        "observed_homicides": [100.0, 100.0],
        "homicides_p05": [110.0, 90.0], "homicides_p50": [150.0, 100.0],
        "homicides_p95": [200.0, 120.0],
        "predictive_homicides_p05": [70.0, 60.0], "predictive_homicides_p95": [260.0, 150.0],
    })
    found = replay.coverage(table)
    assert (found["inside"], found["predictive_inside"]) == (1, 2)
    assert replay.coverage(table.drop(columns=["predictive_homicides_p05",
                                               "predictive_homicides_p95"]))[
        "predictive_inside"] is None
    record = {"replay": {"where": "test draws", "runs": 4,
                         "figure": {"caption": "c", "png_base64": ""}},
              "coverage": found, "in_sample": {"available": False},
              "scores": {"available": False, "message": "none"}}
    environment = Environment(loader=PackageLoader("cartelsim.report", "templates"),
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    html = environment.get_template("record.html.j2").render(
        brief=SimpleNamespace(record=record))
    assert "holds INEGI in 2 of 2" in html and "[70, 260]" in html


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


IN_SAMPLE_HEADER = ("year,observed,model_p05,model_p50,model_p95,model_in_90,p05,p25,p50,p75,"
                    "p95,in_50,in_90\n")


def test_in_sample_counts_the_years_inside_each_band(tmp_path):
    """Beside a given summary.csv (or in its folder), in_sample.csv says how the shipped
    posterior covers its fitted years, with and without the fitted discrepancy."""
    (tmp_path / "in_sample.csv").write_text(
        IN_SAMPLE_HEADER + "2010,100,90,95,99,False,80,90,95,99,120,False,True\n"
        "2011,100,95,100,105,True,80,95,100,105,120,True,True\n"
        "2012,100,50,60,70,False,40,55,60,80,90,False,False\n", encoding="utf-8")
    for given in (tmp_path, tmp_path / "summary.csv"):
        result = replay.in_sample(given)
        assert result["available"] and (result["first"], result["last"]) == ("2010", "2012")
        assert (result["years"], result["model_in_90"], result["in_90"], result["in_50"]) == (
            3, 1, 2, 1)
    assert not replay.in_sample(tmp_path / "elsewhere" / "summary.csv")["available"]


def test_a_bad_in_sample_file_names_the_file_and_line(tmp_path):
    (tmp_path / "in_sample.csv").write_text(
        IN_SAMPLE_HEADER + "2010,100,90,95,99,maybe,80,90,95,99,120,False,True\n",
        encoding="utf-8")
    with pytest.raises(CartelsimError, match=r"in_sample.csv, line 2: model_in_90 is 'maybe'"):
        replay.in_sample(tmp_path)


def test_the_package_ships_the_in_sample_coverage_of_its_posterior():
    """data/validation/in_sample.csv is what `cartelsim validate` wrote for the packaged fit
    to 2024 (2010-2024), so the brief shows it without --validation."""
    result = replay.in_sample(None)
    assert result["available"] and (result["first"], result["last"]) == ("2010", "2024")
    assert result["model_in_90"] <= result["in_90"] <= result["years"] == 15
