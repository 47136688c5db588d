"""Cell parsers shared by the history data files; every failure names the file and line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from cartelsim.errors import DataFileError
from cartelsim.system.csvtable import Row, read_data_file
from cartelsim.textmatch import closest

# The timeline covers the Calderón offensive (Dec 2006) to the present; dates outside this
# window are typos (a wrong century, day and month swapped into an impossible year).
FIRST_DATE = dt.date(2006, 1, 1)
LAST_DATE = dt.date(2026, 12, 31)

_T = TypeVar("_T")


def with_file(directory: str | Path | None, name: str, reader: Callable[[Path], _T]) -> _T:
    """Run `reader` on the history file `name` of `directory` (None: the packaged copy)."""
    return read_data_file("history", directory, name, reader)


def parse_date(path: Path, row: Row, column: str) -> dt.date:
    """An ISO date (YYYY-MM-DD) within `FIRST_DATE`..`LAST_DATE`."""
    raw = row.text(column)
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        raise DataFileError(
            path, f"{column} {raw!r} is not a date: expected YYYY-MM-DD, e.g. 2009-12-16", row.line
        ) from None
    if len(raw) != 10:
        raise DataFileError(path, f"{column} {raw!r}: expected YYYY-MM-DD, e.g. 2009-12-16", row.line)
    if not FIRST_DATE <= value <= LAST_DATE:
        raise DataFileError(
            path,
            f"{column} {raw} is outside the timeline: expected a date from {FIRST_DATE} to "
            f"{LAST_DATE}",
            row.line,
        )
    return value


def parse_choice(path: Path, row: Row, column: str, choices: tuple[str, ...]) -> str:
    """One of `choices` (exact, lower case), with the closest valid value suggested."""
    raw = row.text(column)
    if raw not in choices:
        hint = closest(raw, choices)
        suggestion = f" (did you mean {hint!r}?)" if hint else ""
        raise DataFileError(
            path,
            f"{column} {raw!r}{suggestion}: expected one of {', '.join(choices)}",
            row.line,
        )
    return raw


def parse_int(path: Path, row: Row, column: str, *, low: int, high: int) -> int:
    """A whole number in `low`..`high`."""
    raw = row.text(column)
    try:
        value = int(raw)
    except ValueError:
        raise DataFileError(
            path, f"{column} {raw!r} is not a whole number: expected {low}..{high}", row.line
        ) from None
    if not low <= value <= high:
        raise DataFileError(
            path, f"{column} {value} is out of range: expected {low}..{high}", row.line
        )
    return value


def parse_url(path: Path, raw: str, column: str, line: int) -> str:
    """An absolute http(s) address with a host."""
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in raw:
        raise DataFileError(
            path,
            f"{column} {raw!r} is not a web address: expected an http:// or https:// URL",
            line,
        )
    return raw


def parse_urls(path: Path, row: Row, column: str) -> tuple[str, ...]:
    """A non-empty ';'-separated list of web addresses: every row must cite its sources."""
    urls = tuple(u.strip() for u in row.text(column).split(";") if u.strip())
    if not urls:
        raise DataFileError(
            path, f"empty {column}: every row must cite at least one source URL", row.line
        )
    return tuple(parse_url(path, url, column, row.line) for url in urls)


def require_text(path: Path, row: Row, column: str, what: str) -> str:
    """A non-empty cell."""
    text = row.text(column)
    if not text:
        raise DataFileError(path, f"empty {column}: expected {what}", row.line)
    return text
