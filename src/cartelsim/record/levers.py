"""The dated U.S. measures of the timeline as U.S. pressure levers (``us_levers.csv``).

With territory on, the replay translates U.S. measures into the discrete pressure levers of
`interventions.actions.pressure` (`tariff_threat`, `fto_designation`,
`unilateral_action_threat`). The rule is data, not code: each row of ``us_levers.csv`` names
a lever, the date of the ``us_measure`` event of the timeline that starts it, the date of
the one that ends it (empty: to the end of the replay), the pressure u it adds and the
sources of those events. Measures that neither start nor end a lever (the pause of
2025-02-03, the USMCA exemption, the stayed CIT ruling) change nothing, as the notes of each
row explain.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from cartelsim.errors import DataFileError
from cartelsim.record.common import parse_choice, parse_date, parse_urls, require_text, with_file
from cartelsim.system.csvtable import Row, claim_once, parse_weight, read_table

LEVERS_FILE = "us_levers.csv"
COLUMNS = ("lever", "start", "end", "amount", "source_url", "notes")
LEVERS = ("tariff_threat", "fto_designation", "unilateral_action_threat")
MAX_AMOUNT = 10.0  # the levers' own range of pressure u (interventions/actions/pressure.py)


@dataclasses.dataclass(frozen=True)
class UsLever:
    """One row of ``us_levers.csv``.

    Attributes:
        lever: the action (one of `LEVERS`).
        start: date of the ``us_measure`` event that starts it.
        end: date of the ``us_measure`` event that ends it (None: the end of the replay).
        amount: pressure u it adds while it lasts.
        source_urls: the sources of the events it comes from.
        notes: why the lever runs between these events and why this amount.
        line: the row's line in the file (for messages).
    """

    lever: str
    start: dt.date
    end: dt.date | None
    amount: float
    source_urls: tuple[str, ...]
    notes: str
    line: int

    def span(self, replay_end: dt.date) -> str:
        """'2025-02-01 to 2026-02-20' (an open end: the replay's end)."""
        return f"{self.start} to {self.end or replay_end}"


def load_us_levers(directory: str | Path | None = None) -> tuple[UsLever, ...]:
    """The levers of ``us_levers.csv`` in `directory`, or the packaged copy when `directory`
    is None or holds no such file (folders of edited history files made before the file
    existed keep working).

    Raises:
        DataFileError: a malformed row (names the file, the line and what was expected).
    """
    if directory is not None and not (Path(directory) / LEVERS_FILE).is_file():
        directory = None
    return with_file(directory, LEVERS_FILE, _read)


def _read(path: Path) -> tuple[UsLever, ...]:
    seen: dict = {}
    levers = []
    for row in read_table(path, COLUMNS):
        lever = _parse(path, row)
        claim_once(path, row, seen, (lever.lever, lever.start), "lever and start",
                   "one row per lever and start date")
        levers.append(lever)
    return tuple(levers)


def _parse(path: Path, row: Row) -> UsLever:
    lever = parse_choice(path, row, "lever", LEVERS)
    start = parse_date(path, row, "start")
    end = parse_date(path, row, "end") if row.text("end") else None
    if end is not None and end <= start:
        raise DataFileError(path, f"end {end} must come after start {start}", row.line)
    amount = parse_weight(path, row, "amount", maximum=MAX_AMOUNT)
    urls = parse_urls(path, row, "source_url")
    notes = require_text(path, row, "notes", "why the lever runs between these events and "
                         "why this amount")
    return UsLever(lever, start, end, amount, urls, notes, row.line)
