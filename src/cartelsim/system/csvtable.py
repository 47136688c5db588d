"""Read small CSV tables with errors that name the file and line.

Both data formats (BACRIM 2020 and the embedded default) are small UTF-8 CSV files with a
header row; this module turns every way such a file can be wrong into a `DataFileError`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TypeVar

from cartelsim.errors import DataFileError

_T = TypeVar("_T")


@dataclass(frozen=True)
class Row:
    """One data row: its 1-based line number in the file and its cells by column name."""

    line: int
    cells: dict[str, str]

    def text(self, column: str) -> str:
        return self.cells[column].strip()


def read_table(path: str | Path, required: tuple[str, ...]) -> list[Row]:
    """Read a UTF-8 CSV file (optional byte-order mark, LF or CRLF) into rows.

    Raises DataFileError for a missing or empty file, non-UTF-8 bytes, binary content,
    a missing required column, or a row with the wrong number of cells.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(path, "file not found")
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # a UTF-16 byte-order mark (Excel's "Unicode")
        raise DataFileError(path, "UTF-16 text: expected UTF-8; save the file as CSV UTF-8", 1)
    if b"\x00" in raw:
        raise DataFileError(path, "binary content (NUL bytes): expected a UTF-8 CSV text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFileError(
            path, f"not valid UTF-8 (byte {raw[exc.start]:#04x}); save the file as UTF-8", line
        ) from None
    if not text.strip():
        raise DataFileError(path, "empty file: expected a header row and data rows")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        raise DataFileError(path, f"unreadable CSV header: {exc}", 1) from None
    if not any(header):
        raise DataFileError(path, "blank first line: expected the header row ("
                            + ", ".join(required) + ", ...)", 1)
    missing = [c for c in required if c not in header]
    if missing:
        if reader.line_num > 1:  # a quote opened in the header swallowed the lines below
            raise DataFileError(path, f"the header row runs on to line {reader.line_num}: is "
                                "a quote (\") left open? Expected the header row ("
                                + ", ".join(required) + ", ...)", 1)
        plain = len(header) > 1 and all(h.isprintable() and len(h) <= 40 for h in header)
        found = ", ".join(header) if plain else ", ".join(repr(h[:40]) for h in header)
        hint = " (is the delimiter a comma?)" if len(header) == 1 else ""
        raise DataFileError(
            path, f"missing column(s) {', '.join(missing)}; found {found}{hint}", 1
        )
    rows: list[Row] = []
    end = reader.line_num  # last line read so far; a quoted cell may span several lines
    try:
        for cells in reader:
            line, end = end + 1, reader.line_num  # the row's first line, and its last
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                spans = (f" (the row runs on to line {end}: is a quote (\") left open?)"
                         if end > line else "")
                raise DataFileError(
                    path,
                    f"expected {len(header)} cells like the header, found {len(cells)}{spans}",
                    line,
                )
            rows.append(Row(line, dict(zip(header, cells, strict=True))))
    except csv.Error as exc:
        raise DataFileError(path, f"malformed CSV: {exc}", reader.line_num) from None
    if not rows:
        raise DataFileError(path, "no data rows after the header")
    return rows


def claim_once(path: Path, row: Row, seen: dict, key: Hashable, what: str,
               expected: str) -> None:
    """Record that `key` is on this row; a key already seen is a one-line error naming the
    line it first appeared on ("duplicate {what} (first on line N): {expected}")."""
    if key in seen:
        raise DataFileError(path, f"duplicate {what} (first on line {seen[key]}): {expected}",
                            row.line)
    seen[key] = row.line


def parse_weight(path: Path, row: Row, column: str, *, maximum: float = 1e6) -> float:
    """Parse a finite, non-negative weight no larger than `maximum`."""
    raw = row.text(column)
    try:
        value = float(raw)
    except ValueError:
        raise DataFileError(path, f"{column} {raw!r} is not a number", row.line) from None
    if math.isnan(value) or math.isinf(value):
        raise DataFileError(path, f"{column} must be a finite number, got {raw!r}", row.line)
    if value < 0:
        raise DataFileError(path, f"{column} must be non-negative, got {raw}", row.line)
    if value > maximum:
        raise DataFileError(path, f"{column} {raw} is implausibly large (max {maximum:g})", row.line)
    return value


def parse_number(path: Path, row: Row, column: str, low: float, high: float) -> float:
    """Parse a finite number in [low, high] from `column` ("{column} {raw} is outside
    {low}..{high}" otherwise)."""
    raw = row.text(column)
    try:
        value = float(raw)
    except ValueError:
        raise DataFileError(path, f"{column} {raw!r} is not a number", row.line) from None
    if not (math.isfinite(value) and low <= value <= high):
        raise DataFileError(path, f"{column} {raw} is outside {low:g}..{high:g}", row.line)
    return value


# Years outside this range are typos (a missing digit, a day instead of a year).
YEAR_RANGE = (1900, 2100)


def parse_year(path: Path, row: Row, column: str) -> int:
    """Parse a plausible calendar year from `column`."""
    raw = row.text(column)
    try:
        year = int(raw)
    except ValueError:
        raise DataFileError(
            path, f"{column} {raw!r} is not a whole number: expected e.g. 2012", row.line
        ) from None
    low, high = YEAR_RANGE
    if not low <= year <= high:
        raise DataFileError(
            path, f"{column} {year} is implausible: expected a year in {low}..{high}", row.line
        )
    return year


def read_data_file(folder: str, directory: str | Path | None, name: str,
                   reader: Callable[[Path], _T]) -> _T:
    """Run `reader` on data file `name`: in `directory` (a user's edited copy), or else the
    copy shipped in the package's ``data/<folder>/`` (read through a real path, so zipped
    installs work too)."""
    if directory is not None:
        return reader(Path(directory) / name)
    packaged = resources.files("cartelsim") / "data" / folder / name
    with resources.as_file(packaged) as path:
        return reader(Path(path))
