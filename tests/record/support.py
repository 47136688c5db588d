"""Helpers for the history data tests: edit a copied CSV file row by row."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

Change = Callable[[list[dict[str, str]]], None]


def edit(path: Path, change: Change) -> None:
    """Rewrite a CSV file after applying `change` to its rows (dicts by column)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    change(rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def set_cells(index: int, **cells: str) -> Change:
    """Change: update row `index` (0 = first data row, on line 2)."""
    return lambda rows: rows[index].update(cells)


def append(**cells: str) -> Change:
    """Change: add a row (missing columns blank)."""

    def change(rows: list[dict[str, str]]) -> None:
        rows.append({key: cells.get(key, "") for key in rows[0]})

    return change


def row_index(path: Path, **match: str) -> int:
    """Index of the first data row whose cells equal `match`."""
    with path.open(encoding="utf-8", newline="") as handle:
        for k, row in enumerate(csv.DictReader(handle)):
            if all(row[key] == value for key, value in match.items()):
                return k
    raise LookupError(f"no row matching {match} in {path}")
