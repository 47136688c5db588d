"""Results files: NetCDF round trip, clear errors on files that are not results, tidy tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cartelsim.engines.simulate import simulate
from cartelsim.errors import CartelsimError
from cartelsim.io.export import group_table, load_results, national_table, write_csv, write_netcdf
from cartelsim.system.embedded import mexico_2025

RUNS, WEEKS, GROUPS = 2, 8, 24  # 20 named groups + 4 synthetic


@pytest.fixture(scope="module")
def results() -> xr.Dataset:
    return simulate(mexico_2025(n_groups=GROUPS), weeks=WEEKS, runs=RUNS, engine="stochastic",
                    seed=3, start="2026-01-01")


@pytest.fixture(scope="module")
def totals_only() -> xr.Dataset:
    return simulate(mexico_2025(n_groups=GROUPS), weeks=WEEKS, runs=RUNS, engine="stochastic",
                    seed=3, start="2026-01-01", record="totals")


@pytest.fixture
def written(results: xr.Dataset, tmp_path: Path) -> Path:
    return write_netcdf(results, tmp_path / "results.nc")


def test_netcdf_round_trip_is_identical(results: xr.Dataset, written: Path) -> None:
    back = load_results(written)
    xr.testing.assert_identical(back, results)  # values, coords, variable and global attrs
    assert back.attrs == results.attrs
    assert back["synthetic"].dtype == bool and back["synthetic"].values.any()
    assert back["total_recruits"].isel(time=0).isnull().all()  # NaN flows at the first date


def test_netcdf_round_trip_of_national_totals(totals_only: xr.Dataset, tmp_path: Path) -> None:
    back = load_results(write_netcdf(totals_only, tmp_path / "totals.nc"))
    xr.testing.assert_identical(back, totals_only)


def test_write_netcdf_creates_the_folder_and_leaves_no_temporary(results: xr.Dataset,
                                                                  tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "r.nc"
    assert write_netcdf(results, target) == target
    assert target.is_file()
    assert [p.name for p in target.parent.iterdir()] == ["r.nc"]


def test_truncated_file_is_refused_naming_it(written: Path, tmp_path: Path) -> None:
    data = written.read_bytes()
    for keep in (len(data) // 2, len(data) - 16):
        broken = tmp_path / f"truncated-{keep}.nc"
        broken.write_bytes(data[:keep])
        with pytest.raises(CartelsimError, match=rf"truncated-{keep}\.nc"):
            load_results(broken)


def test_text_file_is_refused_naming_it(tmp_path: Path) -> None:
    text = tmp_path / "notes.nc"
    text.write_text("run,week\n0,0\n", encoding="utf-8")
    with pytest.raises(CartelsimError, match=r"notes\.nc: not a readable NetCDF"):
        load_results(text)


def test_foreign_netcdf_is_refused_naming_it(tmp_path: Path) -> None:
    other = tmp_path / "someone-else.nc"
    xr.Dataset({"temperature": ("x", [1.0, 2.0])}).to_netcdf(other)
    with pytest.raises(CartelsimError, match=r"someone-else\.nc: .*not written by cartelsim"):
        load_results(other)


def test_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(CartelsimError, match=r"absent\.nc: file not found"):
        load_results(tmp_path / "absent.nc")


def test_national_table_is_one_row_per_run_and_week(results: xr.Dataset) -> None:
    frame = national_table(results)
    # simulate() adds the observation model (homicides, disappearances) to every result
    assert list(frame.columns) == ["run", "week", "date", "members", "recruits", "arrests",
                                   "deaths", "exits", "active_groups", "homicides",
                                   "disappearances"]
    row5 = frame[(frame.run == 0) & (frame.week == 5)].iloc[0]
    assert row5["homicides"] == results["homicides"].sel(run=0).isel(time=5)
    assert len(frame) == RUNS * (WEEKS + 1)
    assert sorted(set(frame["run"])) == list(range(RUNS))
    assert frame.groupby("run")["week"].apply(list).tolist() == [list(range(WEEKS + 1))] * RUNS
    row = frame[(frame.run == 1) & (frame.week == 5)].iloc[0]
    assert row["members"] == results["total_members"].sel(run=1).isel(time=5)
    assert row["date"] == pd.Timestamp("2026-01-01") + pd.Timedelta(weeks=5)


def test_national_table_works_on_totals_only(totals_only: xr.Dataset) -> None:
    assert len(national_table(totals_only)) == RUNS * (WEEKS + 1)


def test_group_table_is_one_row_per_run_week_and_group(results: xr.Dataset) -> None:
    frame = group_table(results)
    assert list(frame.columns) == ["run", "week", "date", "group", "group_name", "synthetic",
                                   "members", "recruits", "arrests", "deaths", "exits"]
    assert len(frame) == RUNS * (WEEKS + 1) * GROUPS
    assert frame["group"].nunique() == GROUPS
    # the groups add up to the national series
    summed = frame.groupby(["run", "week"])["members"].sum().to_numpy()
    np.testing.assert_allclose(summed, results["total_members"].values.ravel(), rtol=1e-12)


def test_group_table_needs_per_group_results(totals_only: xr.Dataset) -> None:
    with pytest.raises(CartelsimError, match="national totals only"):
        group_table(totals_only)


def test_csv_round_trip(results: xr.Dataset, tmp_path: Path) -> None:
    frame = national_table(results)
    path = write_csv(frame, tmp_path / "t.csv")
    back = pd.read_csv(path, parse_dates=["date"])
    assert list(back.columns) == list(frame.columns)
    np.testing.assert_allclose(back["members"], frame["members"], rtol=1e-9)
    assert (back["date"] == frame["date"]).all()


def test_writing_reports_progress_variable_by_variable(results: xr.Dataset, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Large variables are written one at a time, so a long write shows progress; the file
    keeps the variables' order and reads back identical."""
    from cartelsim.io import export

    monkeypatch.setattr(export, "_GROUP_BYTES", 1000)
    calls: list[tuple[int, int]] = []
    path = write_netcdf(results, tmp_path / "r.nc", progress=lambda d, t: calls.append((d, t)))
    large = [n for n, v in results.data_vars.items() if v.nbytes > 1000]
    assert len(calls) >= len(large)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert calls[-1][0] == calls[-1][1] and {t for _, t in calls} == {calls[-1][1]}
    back = load_results(path)
    assert list(back.data_vars) == list(results.data_vars)
    xr.testing.assert_identical(back, results)
