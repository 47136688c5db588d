"""Scenario and parameter files that once crashed or ran silently (issue 15): values nested
deep enough to exhaust the TOML parser's recursion, empty files, and horizons outside the
calendar results can carry."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cartelsim.errors import CartelsimError
from cartelsim.scenarios.examples import examples_dir
from cartelsim.scenarios.schema import (
    EARLIEST_START,
    LATEST_END,
    LATEST_START,
    MAX_WEEKS,
    horizon_end,
    load_scenario,
    parse_scenario,
    read_parameter_file,
)
from cartelsim.scenarios.tomltext import MAX_NESTING, too_deep

EXAMPLES = examples_dir()


def write(folder: Path, text: str, name: str = "scenario.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


# --------------------------------------------------------------------------- nesting


@pytest.mark.parametrize("depth", [MAX_NESTING + 1, 400, 5000])
def test_a_deeply_nested_parameter_is_a_one_line_error_naming_file_line_and_field(
        tmp_path: Path, depth: int) -> None:
    path = write(tmp_path, f'name = "x"\n\n[parameters]\nincapacitation = {nested(depth)}\n')
    with pytest.raises(CartelsimError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{path}, line 4: field 'parameters.incapacitation'")
    assert "nested" in message and "\n" not in message


def test_nesting_up_to_the_limit_reaches_the_schema(tmp_path: Path) -> None:
    """At the limit the parser copes, and the schema names the field (a list is no number)."""
    path = write(tmp_path, f"[parameters]\nincapacitation = {nested(MAX_NESTING)}\n")
    with pytest.raises(CartelsimError, match=r"field 'parameters.incapacitation'.*number"):
        load_scenario(path)


def test_a_deeply_nested_parameter_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, f"[parameters]\nrecruitment_rate = {nested(3000)}\n", "fit.toml")
    with pytest.raises(CartelsimError, match=r"fit\.toml, line 2: field "
                                             r"'parameters\.recruitment_rate'.*nested"):
        read_parameter_file(path)


OPEN = "[" * 50
BRACES = "{" * 50


@pytest.mark.parametrize(("text", "expected"), [
    # brackets inside strings and comments are text, not nesting
    ('description = "' + OPEN + '"\n', None),
    ("description = '" + BRACES + "'\n", None),
    ('description = """\n' + OPEN + '\n"""\n', None),
    ("description = '''" + OPEN + "'''\n", None),
    ('description = "\\"' + OPEN + '"\n', None),
    ("# " + OPEN + '\nname = "x"\n', None),
    ("a = [ # " + OPEN + "\n 1]\n", None),
    # table headers set the field's prefix; quoted keys keep their quotes
    ("[run]\nx = 1\n[[interventions]]\ntarget = " + nested(40) + "\n",
     (4, "interventions.target")),
    ('"odd=key" = ' + nested(40) + "\n", (1, '"odd=key"')),
    ('x = """\n\n"""\ny = ' + nested(40) + "\n", (4, "y")),
    # inline tables count as levels; the line is where the limit is crossed
    ("t = " + "{a = " * 40 + "1" + "}" * 40 + "\n", (1, "t")),
    ("x = [\n" + "[\n" * 40 + "]\n" * 41, (33, "x")),
])
def test_the_scan_counts_only_nesting_of_values(text: str, expected) -> None:
    assert too_deep(text) == expected


# Pieces of TOML that open, close or hide nesting; 600 brackets or 400 inline tables
# exhaust the parser's recursion.
PIECES = st.sampled_from(["[", "]", "{", "}", '"', "'", '"""', "'''", "#", "=", "\n", " ",
                          ",", "\\", "a", "1", "x = ", "[t]\n", "[[u]]\n", "[" * 600,
                          "{a = " * 400, "]" * 600])
TEXTS = st.tuples(st.sampled_from(["", "x = ", "[t]\nx = "]),
                  st.lists(PIECES, max_size=30)).map(lambda parts: parts[0] + "".join(parts[1]))


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_text_the_scan_lets_through_never_exhausts_the_parser(text: str) -> None:
    """Whatever the scan passes parses or fails as a TOMLDecodeError, never a RecursionError."""
    if too_deep(text) is None:
        try:
            tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            pass


def test_nesting_the_scan_misses_is_still_a_one_line_error(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from cartelsim.scenarios import tomltext

    monkeypatch.setattr(tomltext, "too_deep", lambda text: None)
    path = write(tmp_path, f"x = {nested(5000)}\n")
    with pytest.raises(CartelsimError, match=r"scenario\.toml: a value is nested too deeply"):
        load_scenario(path)


def test_the_example_scenarios_are_far_from_the_limit() -> None:
    files = sorted(EXAMPLES.glob("*.toml"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert too_deep(text, limit=4) is None, path
        tomllib.loads(text)


# --------------------------------------------------------------------------- empty files


@pytest.mark.parametrize("text", ["", "\n\n  \n", "# name = 'x'\n", "[horizon]\n[run]\n",
                                  "[system]\n# nothing\n[run]\n"],
                         ids=["nothing", "blank", "comment", "empty-tables", "commented-table"])
def test_an_empty_scenario_file_is_an_error_naming_the_file(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text, "blank.toml")
    with pytest.raises(CartelsimError, match=r"blank\.toml: empty scenario file"):
        load_scenario(path)


def test_one_setting_is_enough(tmp_path: Path) -> None:
    assert load_scenario(write(tmp_path, "[horizon]\nweeks = 4\n")).horizon.weeks == 4


# --------------------------------------------------------------------------- calendar


def horizon(start: dt.date | str, weeks: int) -> dict:
    return {"horizon": {"start": start, "weeks": weeks}}


def test_the_calendar_lies_within_what_pandas_timestamps_hold() -> None:
    assert pd.Timestamp.min < pd.Timestamp(EARLIEST_START)
    assert pd.Timestamp(LATEST_END) < pd.Timestamp.max
    assert horizon_end(LATEST_START, 1) == LATEST_END


@pytest.mark.parametrize(("start", "weeks"), [
    (EARLIEST_START, MAX_WEEKS), (LATEST_START, 1), (dt.date(2200, 1, 1), 3234),
])
def test_horizons_inside_the_calendar_are_accepted(start: dt.date, weeks: int) -> None:
    assert parse_scenario(horizon(start, weeks)).start == start


@pytest.mark.parametrize(("start", "weeks", "field", "words"), [
    (dt.date(9999, 12, 1), 52, "horizon.start", "got 9999-12-01"),
    (dt.date(9999, 12, 31), 1, "horizon.start", "end by 2261-12-31"),
    ("0001-01-01", MAX_WEEKS, "horizon.start", "on or after 1678-01-01"),
    (EARLIEST_START - dt.timedelta(days=1), 1, "horizon.start", "1677-12-31"),
    (LATEST_START + dt.timedelta(days=1), 1, "horizon.start", "2261-12-25"),
    (dt.date(2200, 1, 1), 3235, "horizon.weeks", "at most 3234 weeks"),
])
def test_horizons_outside_the_calendar_name_the_field(start, weeks: int, field: str,
                                                       words: str) -> None:
    with pytest.raises(CartelsimError, match=rf"field '{field}'") as info:
        parse_scenario(horizon(start, weeks), source="request")
    assert words in str(info.value)


@pytest.mark.parametrize(("start", "weeks"), [(EARLIEST_START, 2), (LATEST_START, 1)],
                         ids=["earliest", "latest"])
def test_a_run_at_either_end_of_the_calendar_writes_its_files(tmp_path: Path, start: dt.date,
                                                              weeks: int) -> None:
    """The rule is not arbitrary: at its ends the results, the NetCDF file and the figure
    (matplotlib's date axis failed beyond year 9999) are all written."""
    import xarray as xr

    from cartelsim.analysis.figures import national_figure, save_figure
    from cartelsim.io.export import write_netcdf
    from cartelsim.scenarios.runner import run_scenario

    scenario = parse_scenario({**horizon(start, weeks), "system": {"groups": 30}})
    ds = run_scenario(scenario)
    write_netcdf(ds, tmp_path / "r.nc")
    save_figure(national_figure(ds, "ends"), tmp_path / "r.png")
    with xr.open_dataset(tmp_path / "r.nc") as back:
        assert pd.Timestamp(back.time.values[0]).date() == start
        assert pd.Timestamp(back.time.values[-1]).date() == horizon_end(start, weeks)
    assert (tmp_path / "r.png").stat().st_size > 0
