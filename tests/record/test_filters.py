"""The --drop-events FILTER: parsing, matching and one-line errors."""

from __future__ import annotations

import datetime as dt

import pytest

from cartelsim.errors import CartelsimError
from cartelsim.record.events import REMOVAL_KINDS, load_events
from cartelsim.record.filters import parse_filter
from cartelsim.record.world import embedded_group_ids, history_groups

KNOWN = {g.id for g in history_groups()} | embedded_group_ids()


def parse(text: str):
    return parse_filter(text, KNOWN)


def test_the_documented_example_selects_leader_events_of_two_groups_in_a_date_range() -> None:
    chosen = parse("kind=leader_*;group=sinaloa,gulf;from=2006-01-01;to=2010-12-31")
    selected = chosen.select(load_events())
    assert selected, "the example matches events of the shipped timeline"
    for event in selected:
        assert event.kind.startswith("leader_")
        assert {event.group, event.other_group} & {"sinaloa", "gulf"}
        assert dt.date(2006, 1, 1) <= event.date <= dt.date(2010, 12, 31)
    expected = [e for e in load_events() if e.kind.startswith("leader_")
                and e.group in ("sinaloa", "gulf") and e.date.year <= 2010]
    assert list(selected) == expected


def test_removal_stands_for_the_three_removal_kinds_and_patterns_expand() -> None:
    assert parse("kind=removal").kinds == frozenset(REMOVAL_KINDS)
    assert parse("kind=leader_*").kinds == frozenset(REMOVAL_KINDS) | {"leader_escaped"}
    assert parse("kind=*_measure").kinds == {"us_measure", "mx_measure"}


def test_group_matches_either_end_of_a_pair_event() -> None:
    selected = parse("group=blo;kind=split").select(load_events())
    assert [(e.group, e.other_group) for e in selected] == [("sinaloa", "blo")]


def test_person_patterns_ignore_case_and_accents() -> None:
    selected = parse("person=*guzman loera*").select(load_events())
    assert selected and all("Guzmán Loera" in e.person for e in selected)


@pytest.mark.parametrize(("text", "first", "last"), [
    ("from=2010", dt.date(2010, 1, 1), None),
    ("to=2010", None, dt.date(2010, 12, 31)),
    ("from=2010-02;to=2024-02", dt.date(2010, 2, 1), dt.date(2024, 2, 29)),
    (" from = 2009-12-16 ; to = 2009-12-16 ;", dt.date(2009, 12, 16), dt.date(2009, 12, 16)),
])
def test_partial_dates_cover_their_whole_year_or_month(text, first, last) -> None:
    chosen = parse(text)
    assert (chosen.first, chosen.last) == (first, last)


def test_a_one_day_range_selects_that_day_only() -> None:
    selected = parse("from=2009-12-16;to=2009-12-16").select(load_events())
    assert [e.person for e in selected] == ["Arturo Beltrán Leyva"]


@pytest.mark.parametrize(("text", "fragments"), [
    ("", ["empty", "kind=leader_*"]),
    ("kind", ["'kind'", "key=value"]),
    ("knd=leader_killed", ["unknown key 'knd'", "did you mean 'kind'"]),
    ("kind=split;kind=alliance", ["appears twice"]),
    ("kind=", ["at least one value"]),
    ("kind=leader_kiled", ["matches no event kind", "did you mean 'leader_killed'"]),
    ("group=sinalao", ["unknown group 'sinalao'", "did you mean 'sinaloa'"]),
    ("from=2010-13-01", ["from='2010-13-01' is not a date", "YYYY-MM-DD"]),
    ("to=20101", ["is not a date"]),
    ("from=2010,2011", ["takes one date"]),
    ("from=2011;to=2010", ["before from=2011-01-01"]),
])
def test_malformed_filters_are_one_line_errors_naming_the_problem(text, fragments) -> None:
    with pytest.raises(CartelsimError) as caught:
        parse(text)
    message = str(caught.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
