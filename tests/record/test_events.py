"""The shipped event timeline: complete, sourced, consistent with the groups, strictly validated."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cartelsim.errors import DataFileError
from cartelsim.record import EVENT_KINDS, events_frame, history_groups, load_events
from cartelsim.record.events import COLUMNS, PAIR_KINDS
from cartelsim.record.world import embedded_group_ids
from tests.record.support import append, edit, row_index, set_cells


@pytest.fixture(scope="module")
def events():
    return load_events()


def test_timeline_is_sorted_dated_and_within_2006_to_2026(events) -> None:
    assert 40 <= len(events) <= 80
    dates = [e.date for e in events]
    assert dates == sorted(dates)
    assert dates[0] >= dt.date(2006, 1, 1)
    assert dates[-1] <= dt.date(2026, 12, 31)
    assert {e.kind for e in events} <= set(EVENT_KINDS)
    # every kind of the issue is represented
    assert {"leader_killed", "leader_captured", "leader_extradited_or_transferred", "split",
            "alliance", "us_measure"} <= {e.kind for e in events}


def test_every_event_cites_a_web_source(events) -> None:
    for event in events:
        assert event.source_url.startswith(("http://", "https://")), event
        assert event.source_title.strip(), event
        assert event.detail.strip(), event


def test_groups_named_by_events_exist_or_emerge_by_then(events) -> None:
    groups = {g.id: g for g in history_groups()}
    known = set(groups) | embedded_group_ids()
    for event in events:
        for gid in filter(None, (event.group, event.other_group)):
            assert gid in known, event
            if gid in groups:
                assert groups[gid].first_seen <= event.year, event


def test_each_split_creates_a_group_whose_parent_is_the_group_split_from(events) -> None:
    groups = {g.id: g for g in history_groups()}
    splits = [e for e in events if e.kind == "split"]
    assert len(splits) >= 6
    for split in splits:
        new = groups[split.other_group]
        assert new.parent_id == split.group, split
        assert new.first_seen == split.year, split


def test_known_milestones_are_in_the_timeline(events) -> None:
    def find(kind: str, group: str, date: dt.date) -> list:
        return [e for e in events if (e.kind, e.group, e.date) == (kind, group, date)]

    assert find("leader_killed", "blo", dt.date(2009, 12, 16))  # Arturo Beltrán Leyva
    assert find("leader_killed", "zetas", dt.date(2012, 10, 7))  # Lazcano
    assert find("leader_captured", "sinaloa", dt.date(2024, 7, 25))  # El Mayo
    assert find("leader_killed", "cjng", dt.date(2026, 2, 22))  # El Mencho
    assert {e.other_group for e in find("split", "sinaloa", dt.date(2024, 9, 9))} == {
        "cds_chapitos", "cds_mayiza",
    }
    transfers = [
        e for e in events
        if e.kind == "leader_extradited_or_transferred" and e.date == dt.date(2025, 2, 27)
    ]
    assert len({e.group for e in transfers}) >= 4  # several organisations (EVIDENCE F28)
    assert [e for e in events if e.kind == "us_measure" and e.date == dt.date(2025, 2, 20)]


def test_removals_exclude_escapes(events) -> None:
    escapes = [e for e in events if e.kind == "leader_escaped"]
    assert escapes and not any(e.is_removal for e in escapes)
    assert all(e.is_removal for e in events if e.kind == "leader_killed")


def test_events_frame_has_the_file_columns(events) -> None:
    frame = events_frame(events)
    assert list(frame.columns) == [*COLUMNS, "file", "line"]
    assert len(frame) == len(events)
    assert frame["date"].is_monotonic_increasing


# --- user files --------------------------------------------------------------------------------

USER_ROW = {
    "date": "2019-10-17", "date_precision": "day", "kind": "leader_captured", "group": "sinaloa",
    "person": "Ovidio Guzmán López", "detail": "Captured and released the same day in Culiacán.",
    "source_url": "https://example.org/culiacanazo", "source_title": "A user's source",
}


def _user_file(tmp_path: Path, *rows: dict[str, str]) -> Path:
    path = tmp_path / "my_events.csv"
    lines = [",".join(COLUMNS)]
    for row in rows:
        lines.append(",".join(f'"{row.get(c, "")}"' for c in COLUMNS))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_user_file_is_merged_with_the_timeline(tmp_path: Path, events) -> None:
    merged = load_events(_user_file(tmp_path, USER_ROW))
    assert len(merged) == len(events) + 1
    added = [e for e in merged if e.date == dt.date(2019, 10, 17)]
    assert [e.person for e in added] == ["Ovidio Guzmán López"]
    assert added[0].file.endswith("my_events.csv") and added[0].line == 2
    assert [e.date for e in merged] == sorted(e.date for e in merged)


def test_replace_uses_the_user_file_alone(tmp_path: Path) -> None:
    only = load_events(_user_file(tmp_path, USER_ROW), replace=True)
    assert [e.person for e in only] == ["Ovidio Guzmán López"]
    with pytest.raises(DataFileError, match="needs a user events file"):
        load_events(replace=True)


def test_a_user_row_repeating_a_timeline_event_names_both_places(tmp_path: Path) -> None:
    repeat = dict(USER_ROW, date="2009-12-16", group="blo", kind="leader_killed",
                  person="Arturo Beltrán Leyva")
    with pytest.raises(DataFileError) as caught:
        load_events(_user_file(tmp_path, repeat))
    message = str(caught.value)
    assert "my_events.csv, line 2:" in message
    assert "duplicate event" in message and "events.csv, line" in message


# --- bad rows ---------------------------------------------------------------------------------

BAD_ROWS = {
    "unknown group with a suggestion": (dict(group="sinalao"), "did you mean 'sinaloa'"),
    "not a date": (dict(date="16/12/2009"), "expected YYYY-MM-DD"),
    "date out of range": (dict(date="1999-12-16"), "outside the timeline"),
    "month precision not on the first": (dict(date_precision="month"), "first day of the month"),
    "kind typo": (dict(kind="leader_kiled"), "did you mean 'leader_killed'"),
    "leader event without person": (dict(person=""), "empty person"),
    "leader event with other group": (dict(other_group="gulf"), "expected it blank"),
    "not a web address": (dict(source_url="www.example.org"), "not a web address"),
    "no source title": (dict(source_title=""), "empty source_title"),
    "no detail": (dict(detail=""), "empty detail"),
    "group before it exists": (dict(group="cjng"), "first seen in 2010"),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_bad_row_gives_a_one_line_error_naming_file_and_line(history_dir: Path, case: str) -> None:
    cells, fragment = BAD_ROWS[case]
    path = history_dir / "events.csv"
    index = row_index(path, person="Arturo Beltrán Leyva")  # a 2009 leader_killed row
    edit(path, set_cells(index, **cells))
    with pytest.raises(DataFileError) as caught:
        load_events(directory=history_dir)
    message = str(caught.value)
    assert caught.value.path.name == "events.csv"
    assert caught.value.line == index + 2
    assert f"events.csv, line {index + 2}:" in message
    assert fragment in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("cells", "fragment"),
    [
        (dict(other_group=""), "expected both group and other_group"),
        (dict(other_group="sinaloa", group="sinaloa"), "with itself"),
        (dict(date="2009-01-01", date_precision="year"), "expected the same year"),
    ],
)
def test_bad_split_rows(history_dir: Path, cells: dict[str, str], fragment: str) -> None:
    path = history_dir / "events.csv"
    index = row_index(path, kind="split", other_group="cjng")
    edit(path, set_cells(index, **cells))
    with pytest.raises(DataFileError, match=fragment) as caught:
        load_events(directory=history_dir)
    assert caught.value.line == index + 2


def test_duplicate_row_in_one_file_names_the_first(history_dir: Path) -> None:
    path = history_dir / "events.csv"
    index = row_index(path, person="Heriberto Lazcano Lazcano")
    with path.open(encoding="utf-8") as handle:
        total = sum(1 for _ in handle)
    edit(path, lambda rows: rows.append(dict(rows[index])))
    with pytest.raises(DataFileError) as caught:
        load_events(directory=history_dir)
    assert caught.value.line == total + 1
    assert f"first at line {index + 2}" in str(caught.value)


def test_pair_kinds_need_a_second_group_and_measures_none(history_dir: Path) -> None:
    path = history_dir / "events.csv"
    edit(path, append(date="2025-03-01", date_precision="day", kind="us_measure",
                      other_group="cjng", detail="x", source_url="https://example.org/a",
                      source_title="t"))
    with pytest.raises(DataFileError, match="expected it blank"):
        load_events(directory=history_dir)
    assert set(PAIR_KINDS) == {"split", "alliance", "rivalry"}
