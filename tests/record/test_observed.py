"""What was counted: the national homicide series and the published counts of groups."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cartelsim.errors import DataFileError
from cartelsim.record import group_counts, national_homicides
from cartelsim.record.observed import sesnsp_to_inegi
from cartelsim.system.embedded import load_embedded
from tests.record.support import edit, row_index, set_cells


@pytest.fixture(scope="module")
def homicides():
    return national_homicides()


def test_inegi_series_covers_2007_to_2024_with_sources(homicides) -> None:
    inegi = homicides["inegi_registered"]
    assert list(inegi.dropna().index) == list(range(2007, 2025))
    assert (homicides.loc[inegi.notna(), "inegi_status"] == "definitive").all()
    for (year, series), url in homicides.attrs["sources"].items():
        assert url.startswith(("http://", "https://")), (year, series)


def test_inegi_series_agrees_with_the_embedded_national_series(homicides) -> None:
    embedded = load_embedded().national_series["homicides"].dropna()
    common = embedded.index.intersection(homicides.index)
    assert len(common) >= 10
    assert np.array_equal(homicides.loc[common, "inegi_registered"].to_numpy(),
                          embedded.loc[common].to_numpy())


def test_inegi_series_has_the_shape_in_evidence_f32(homicides) -> None:
    inegi = homicides["inegi_registered"]
    assert 2.8 <= inegi[2011] / inegi[2007] <= 3.3  # a rise of about x3 to the first peak
    assert inegi.loc[2012:2016].idxmin() == 2014  # the trough
    assert (inegi.loc[2018:2020] > 36_000).all()  # the second, higher plateau


def test_sesnsp_victims_run_below_inegi_registrations(homicides) -> None:
    both = homicides.dropna(subset=["sesnsp_victims"])
    assert len(both) >= 4
    assert (both["sesnsp_victims"] < both["inegi_registered"]).all()
    ratio = sesnsp_to_inegi(homicides)
    assert len(ratio) >= 2
    assert ((ratio > 0.85) & (ratio < 0.95)).all()  # 87-94 % (observed data README)


def test_group_counts_grow_from_a_handful_to_well_over_a_hundred() -> None:
    counts = group_counts()
    assert len(counts) >= 10
    assert (counts["year_start"] <= counts["year_end"]).all()
    points = counts[counts["year_start"] == counts["year_end"]]
    assert points.loc[points["year_end"] == 2006, "count"].max() <= 10
    assert points.loc[points["year_end"] >= 2018, "count"].max() >= 148
    assert counts["source_url"].str.match(r"https?://").all()


BAD_HOMICIDES = {
    "duplicate year and series": (dict(year="2007"), "duplicate inegi_registered for 2007"),
    "unknown series": (dict(series="inegi_registred"), "did you mean 'inegi_registered'"),
    "status not allowed for the series": (dict(status="partial"), "expected one of definitive"),
    "zero": (dict(value="0"), "out of range"),
    "not a number": (dict(value="8,868"), "not a whole number"),
    "year out of range": (dict(year="2207"), "out of range"),
    "no source": (dict(source_url=""), "empty source_url"),
}


@pytest.mark.parametrize("case", list(BAD_HOMICIDES))
def test_bad_homicide_row_names_file_and_line(history_dir: Path, case: str) -> None:
    cells, fragment = BAD_HOMICIDES[case]
    path = history_dir / "national_homicides.csv"
    index = row_index(path, year="2008", series="inegi_registered")  # after the 2007 row
    edit(path, set_cells(index, **cells))
    with pytest.raises(DataFileError) as caught:
        national_homicides(history_dir)
    assert caught.value.path.name == "national_homicides.csv"
    assert caught.value.line == index + 2
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("cells", "fragment"),
    [
        (dict(year_end="2005"), "before year_start"),
        (dict(bound="about"), "expected one of exact, approx, at_least"),
        (dict(count="-4"), "out of range"),
        (dict(what=""), "empty what"),
    ],
)
def test_bad_count_row_names_file_and_line(history_dir: Path, cells, fragment) -> None:
    edit(history_dir / "group_counts.csv", set_cells(0, **cells))
    with pytest.raises(DataFileError) as caught:
        group_counts(history_dir)
    assert caught.value.line == 2 and "group_counts.csv, line 2:" in str(caught.value)
    assert fragment in str(caught.value)
