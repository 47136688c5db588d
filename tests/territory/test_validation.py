"""The state-ranking check against SESNSP: reading the file, and Spearman's rho on cases
whose answer is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cartelsim.errors import DataFileError
from cartelsim.territory.validation import observed_by_year, rank_agreement, read_sesnsp

HEADER = "state_code,state_name,month,homicide_victims,population,source\n"


def test_missing_months_are_filled_from_the_reported_ones(tmp_path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(HEADER + "01,A,2015-01,10,1,x\n01,A,2015-02,,1,x\n02,B,2015-01,4,1,x\n",
                    encoding="utf-8")
    table = observed_by_year(read_sesnsp(path), years=(2015,))
    assert table.loc["01", 2015] == 120.0 and table.loc["02", 2015] == 48.0


def test_a_malformed_row_is_one_line_naming_the_file_and_line(tmp_path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(HEADER + "01,A,2015-01,ten,1,x\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="s.csv.*line 2.*homicide_victims 'ten'") as caught:
        read_sesnsp(path)
    assert "\n" not in str(caught.value)


def test_the_same_ranking_scores_one_and_the_reverse_minus_one() -> None:
    states = [f"{k:02d}" for k in range(1, 11)]
    observed = pd.DataFrame({2015: np.arange(10.0, 20.0), 2016: np.arange(20.0, 30.0)},
                            index=states)
    values = np.arange(1.0, 11.0)
    for sign in (1.0, -1.0):
        data = np.broadcast_to(sign * values, (2, 3, 10)).copy()
        ds = xr.Dataset({"state_homicides": (("run", "time", "state"), data),
                         "state_deaths": (("run", "time", "state"), data),
                         "state_population": (("state",), values)},
                        coords={"state": states})
        got = rank_agreement(ds, observed, draws=50)
        assert got["rho_ensemble_mean"] == pytest.approx(sign)
        assert got["rho_runs_5_95"] == pytest.approx([sign, sign])
        assert got["rho_population_only"] == pytest.approx(1.0)
