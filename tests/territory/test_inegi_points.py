"""INEGI's state-year homicide points (shipped from shared/data/observed): every row read
with its source, and a malformed row is a one-line error naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cartelsim.errors import DataFileError
from cartelsim.territory.observed import read_inegi_state_year

HEADER = "state_code,state_name,year,homicides,source_url,status,notes\n"
GOOD = "08,Chihuahua,2015,1541,https://example.org/page,preliminary,\n"


def test_the_packaged_points_are_read_with_their_sources() -> None:
    table = read_inegi_state_year()
    assert len(table) == 91 and table["state_code"].nunique() == 22
    assert 2017 not in set(table["year"])  # the pages give only rates for 2017
    assert table["source_url"].str.startswith("http").all()
    guanajuato = table[(table["state_code"] == "11") & (table["year"] == 2020)]
    assert int(guanajuato["homicides"].iloc[0]) == 5370


@pytest.mark.parametrize("row, fragment", [
    ("8,Chihuahua,2015,1541,https://example.org/page,preliminary,\n", "state_code '8'"),
    ("08,Chihuahua,2030,1541,https://example.org/page,preliminary,\n", "year '2030'"),
    ("08,Chihuahua,2015,-4,https://example.org/page,preliminary,\n", "homicides '-4'"),
    ("08,Chihuahua,2015,1541,,preliminary,\n", "source_url"),
    ("08,Chihuahua,2015,1541,https://example.org/page,guess,\n", "status 'guess'"),
    (GOOD, "given twice"),
])
def test_a_bad_row_is_a_one_line_error_naming_its_line(tmp_path: Path, row: str,
                                                       fragment: str) -> None:
    path = tmp_path / "inegi.csv"
    path.write_text(HEADER + GOOD + row, encoding="utf-8")
    with pytest.raises(DataFileError) as error:
        read_inegi_state_year(path)
    message = str(error.value)
    assert "line 3" in message and fragment in message and "\n" not in message
