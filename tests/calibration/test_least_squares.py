"""Least-squares calibration: recovers known values, reports what the data cannot pin down."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartelsim.calibration.least_squares import (
    calibrate,
    membership_by_share,
    parameter_file_text,
)
from cartelsim.engines.simulate import simulate
from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import Params
from cartelsim.scenarios.schema import parse_scenario, read_parameter_file


def synthetic_target(system, params: Params):
    """A system whose national series is exactly what `params` produce (10 years)."""
    ds = simulate(system, params, weeks=522, start="2012-01-01", initial="zipf",
                  record="totals")
    deaths = ds.total_deaths.isel(run=0).to_series().iloc[1:]
    victims = deaths.groupby(deaths.index.year).sum().loc[2012:2021] \
        / params["victim_member_share"]
    series = pd.DataFrame({"homicides": 0.75 * victims, "missing_persons": 0.25 * victims,
                           "arrests": np.nan})
    series.index.name = "year"
    return replace(system, national_series=series)


def test_recovers_a_known_conflict_lethality(bacrim_system) -> None:
    """Data made by the model with theta = 1.3e-8 (inside the range, away from the default
    1.549e-8): the fit recovers it to 0.5 % (the data are exact, so only the optimiser's
    tolerance and the weekly/yearly aggregation limit the recovery)."""
    truth = Params.defaults().override({"conflict_lethality": 1.3e-8}, "test")
    fit = calibrate(synthetic_target(bacrim_system, truth), ["conflict_lethality"])
    assert fit.success
    assert fit.values[0] == pytest.approx(1.3e-8, rel=5e-3)
    assert fit.cost < 1e-6
    assert fit.table()["identified"].tolist() == [True]


def test_collinear_parameters_are_reported_as_not_identified(bacrim_system) -> None:
    """Recruitment and saturation move the violence series the same way: on the real
    national series their estimates are almost perfectly correlated, and at least one of
    them is reported as not pinned down (relative SE above 0.25)."""
    fit = calibrate(bacrim_system, ["recruitment_rate", "conflict_lethality", "saturation"])
    names = list(fit.names)
    r = fit.correlation[names.index("recruitment_rate"), names.index("saturation")]
    assert abs(r) > 0.9
    assert not fit.table().set_index("parameter").loc[["recruitment_rate", "saturation"],
                                                      "identified"].all()


def test_inferred_membership_moves_with_the_assumed_member_share(bacrim_system) -> None:
    """EVIDENCE F21 (iii): the membership stock is inferred from the share of victims who
    are members; refitting under larger shares gives more members, with fits of similar
    quality, so the data cannot decide between them."""
    table = membership_by_share(bacrim_system, ["conflict_lethality", "recruitment_rate"],
                                (0.05, 0.1, 0.2))
    members = table["members_end"].to_numpy()
    assert (np.diff(members) > 0).all()
    assert members[-1] / members[0] > 1.1
    assert table["relative_cost"].max() < 3 * table["relative_cost"].min()


def test_parameter_file_round_trip_and_use_in_a_scenario(bacrim_system, tmp_path: Path) -> None:
    fit = calibrate(bacrim_system, ["conflict_lethality"])
    path = tmp_path / "calibrated.toml"
    path.write_text(parameter_file_text(fit, bacrim_system), encoding="utf-8")
    assert read_parameter_file(path) == {"conflict_lethality": fit.values[0]}
    scenario = parse_scenario({"parameters_file": "calibrated.toml",
                               "parameters": {"incapacitation": 120}},
                              source="s.toml", base=tmp_path)
    params = scenario.params()
    assert params["conflict_lethality"] == fit.values[0]
    assert params.origin("conflict_lethality") == f"calibrated ({tmp_path / 'calibrated.toml'})"
    assert params.origin("incapacitation") == "scenario s.toml"


@pytest.mark.parametrize("text, fragment", [
    ("[parameters]\nconflict_lethalty = 1e-8\n", "did you mean 'conflict_lethality'"),
    ("[parameters]\nconflict_lethality = true\n", "must be a number"),
    ("[other]\nx = 1\n", "expected a [parameters] table"),
    ('provenance = ""\n[parameters]\nincapacitation = 110\n', "'provenance' must be a short text"),
    ("[parameters\n", "not a TOML parameter file"),
])
def test_bad_parameter_files_are_clear_errors(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CartelsimError, match=f"p.toml.*{__import__('re').escape(fragment)}"):
        read_parameter_file(path)


def test_calibrate_command(bacrim_dir: Path, tmp_path: Path) -> None:
    ok = subprocess.run([sys.executable, "-m", "cartelsim", "calibrate", "--data",
                         str(bacrim_dir), "--parameters", "conflict_lethality",
                         "--shares", "0.1,0.2", "--out", "cal.toml"], cwd=tmp_path,
                        capture_output=True, text=True, env={"COLUMNS": "200",
                                                             **__import__("os").environ})
    assert ok.returncode == 0, ok.stderr
    assert "pinned down" in ok.stdout and "EVIDENCE F21" in ok.stdout
    assert "conflict_lethality" in read_parameter_file(tmp_path / "cal.toml")
    bad = subprocess.run([sys.executable, "-m", "cartelsim", "calibrate", "--data",
                          str(bacrim_dir), "--shares", "0,2"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("error:")
    assert "Traceback" not in bad.stderr
