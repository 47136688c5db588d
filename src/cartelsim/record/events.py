"""The dated, sourced event timeline 2006–2026 (``events.csv``) and users' own events files.

Each row is one event: a leader killed, captured, extradited or transferred, or escaped; a
group splitting from another; an alliance or a rivalry starting; a US or Mexican measure.
Rows cite one source URL each. Groups are named by the ids of ``groups.csv`` (the history
world) or of the embedded ``major_groups.csv``.

A user's file has the same columns. `load_events` validates it exactly like the packaged
timeline and merges the two (or uses the user's file alone with ``replace=True``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from cartelsim.errors import DataFileError
from cartelsim.record.common import (
    parse_choice,
    parse_date,
    parse_url,
    require_text,
    with_file,
)
from cartelsim.record.world import HistoryGroup, embedded_group_ids, history_groups
from cartelsim.system.csvtable import Row, read_table
from cartelsim.textmatch import closest

EVENTS_FILE = "events.csv"
COLUMNS = (
    "date", "date_precision", "kind", "group", "other_group", "person", "detail",
    "source_url", "source_title",
)

LEADER_KINDS = (
    "leader_killed", "leader_captured", "leader_extradited_or_transferred", "leader_escaped",
)
PAIR_KINDS = ("split", "alliance", "rivalry")
MEASURE_KINDS = ("us_measure", "mx_measure")
EVENT_KINDS = LEADER_KINDS + PAIR_KINDS + MEASURE_KINDS
# Removals take a leader out (an escape puts one back).
REMOVAL_KINDS = ("leader_killed", "leader_captured", "leader_extradited_or_transferred")
PRECISIONS = ("day", "month", "year")


@dataclasses.dataclass(frozen=True)
class Event:
    """One row of an events file.

    Attributes:
        date: the day; with ``date_precision`` "month" or "year", the first day of that
            month or year (only the month or year is known).
        date_precision: "day", "month" or "year".
        kind: one of `EVENT_KINDS`.
        group: the group concerned ("" for a measure not aimed at one group). For a split,
            the group split from.
        other_group: for a split, the new group; for an alliance or rivalry, the partner;
            "" otherwise.
        person: the leader (leader kinds), else usually "".
        detail: what happened, in a sentence.
        source_url, source_title: the source cited.
        file, line: where the row was read (for messages and provenance).
    """

    date: dt.date
    date_precision: str
    kind: str
    group: str
    other_group: str
    person: str
    detail: str
    source_url: str
    source_title: str
    file: str
    line: int

    @property
    def year(self) -> int:
        return self.date.year

    @property
    def is_removal(self) -> bool:
        """A leader killed, captured, or extradited/transferred."""
        return self.kind in REMOVAL_KINDS

    def key(self) -> tuple[dt.date, str, str, str, str]:
        """What makes two rows the same event."""
        return (self.date, self.kind, self.group, self.other_group, self.person)


def load_events(
    path: str | Path | None = None,
    *,
    replace: bool = False,
    directory: str | Path | None = None,
) -> tuple[Event, ...]:
    """The event timeline, sorted by date (rows of one date keep their file order).

    Args:
        path: a user's events file (same columns as ``events.csv``), merged with the packaged
            timeline. None: the packaged timeline only.
        replace: use the user's file alone instead of merging it.
        directory: folder holding ``events.csv`` and ``groups.csv`` (None: the packaged copies).

    Raises:
        DataFileError: a malformed row in either file (names the file, the line and what was
            expected), or a user row repeating an event already in the timeline.
    """
    if replace and path is None:
        raise DataFileError(Path(EVENTS_FILE), "replace=True needs a user events file (path)")
    groups = {g.id: g for g in history_groups(directory)}
    known = frozenset(groups) | embedded_group_ids()
    events: list[Event] = []
    if not replace:
        events.extend(with_file(directory, EVENTS_FILE, lambda p: _read(p, groups, known)))
    if path is not None:
        events.extend(_read(Path(path), groups, known))
    _check_unique(events)
    return tuple(sorted(events, key=lambda e: e.date))


def events_frame(events: Iterable[Event]) -> pd.DataFrame:
    """The events as a DataFrame, one row per event, columns as in the file (date as datetime)."""
    records = [dataclasses.asdict(e) for e in events]
    frame = pd.DataFrame.from_records(records, columns=[*COLUMNS, "file", "line"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


# --- Reading ---------------------------------------------------------------------------------


def _read(path: Path, groups: Mapping[str, HistoryGroup], known: frozenset[str]) -> list[Event]:
    rows = read_table(path, COLUMNS)
    return [_parse(path, row, groups, known) for row in rows]


def _parse(path: Path, row: Row, groups: Mapping[str, HistoryGroup], known: frozenset[str]) -> Event:
    date = parse_date(path, row, "date")
    precision = parse_choice(path, row, "date_precision", PRECISIONS)
    if precision == "month" and date.day != 1:
        raise DataFileError(
            path, f"date {date} with date_precision month: expected the first day of the month",
            row.line,
        )
    if precision == "year" and (date.month, date.day) != (1, 1):
        raise DataFileError(
            path, f"date {date} with date_precision year: expected 1 January of the year",
            row.line,
        )
    kind = parse_choice(path, row, "kind", EVENT_KINDS)
    group = _group(path, row, "group", known)
    other = _group(path, row, "other_group", known)
    person = row.text("person")
    if kind in LEADER_KINDS:
        if not group:
            raise DataFileError(path, f"empty group: a {kind} event names the leader's group", row.line)
        if not person:
            raise DataFileError(path, f"empty person: a {kind} event names the leader", row.line)
        if other:
            raise DataFileError(
                path, f"other_group {other!r} on a {kind} event: expected it blank", row.line
            )
    elif kind in PAIR_KINDS:
        if not group or not other:
            raise DataFileError(
                path, f"a {kind} event names two groups: expected both group and other_group",
                row.line,
            )
        if group == other:
            raise DataFileError(
                path, f"{kind} of group {group!r} with itself: expected two groups", row.line
            )
    elif other:
        raise DataFileError(
            path, f"other_group {other!r} on a {kind} event: expected it blank", row.line
        )
    _check_years(path, row, kind, date.year, group, other, groups)
    return Event(
        date=date,
        date_precision=precision,
        kind=kind,
        group=group,
        other_group=other,
        person=person,
        detail=require_text(path, row, "detail", "what happened, in a sentence"),
        source_url=parse_url(path, require_text(path, row, "source_url", "the URL of the source"),
                             "source_url", row.line),
        source_title=require_text(path, row, "source_title", "the title of the source"),
        file=str(path),
        line=row.line,
    )


def _group(path: Path, row: Row, column: str, known: frozenset[str]) -> str:
    gid = row.text(column)
    if gid and gid not in known:
        hint = closest(gid, known)
        suggestion = f" (did you mean {hint!r}?)" if hint else ""
        raise DataFileError(
            path,
            f"unknown group {gid!r} in column {column}{suggestion}: expected an id of the "
            "history groups.csv or of the embedded major_groups.csv",
            row.line,
        )
    return gid


def _check_years(
    path: Path,
    row: Row,
    kind: str,
    year: int,
    group: str,
    other: str,
    groups: Mapping[str, HistoryGroup],
) -> None:
    """A history group acts only once it exists; a split creates its new group that year."""
    for gid in (group, other):
        history = groups.get(gid)
        if history is None:
            continue  # an embedded-only group: no first_seen to check
        if kind == "split" and gid == other:
            if history.first_seen != year:
                raise DataFileError(
                    path,
                    f"split creating {gid!r} in {year}, but groups.csv gives first_seen "
                    f"{history.first_seen}: expected the same year",
                    row.line,
                )
        elif history.first_seen > year:
            raise DataFileError(
                path,
                f"group {gid!r} in a {year} event, but it is first seen in "
                f"{history.first_seen} (groups.csv line {history.line})",
                row.line,
            )


def _check_unique(events: list[Event]) -> None:
    first: dict[tuple[dt.date, str, str, str, str], Event] = {}
    for event in events:
        earlier = first.get(event.key())
        if earlier is not None:
            where = (
                f"line {earlier.line}"
                if earlier.file == event.file
                else f"{earlier.file}, line {earlier.line}"
            )
            raise DataFileError(
                Path(event.file),
                f"duplicate event ({event.date} {event.kind} {event.group or '-'}"
                f"{' ' + event.person if event.person else ''}; first at {where}): "
                "expected each event once",
                event.line,
            )
        first[event.key()] = event
