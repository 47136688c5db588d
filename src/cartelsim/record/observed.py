"""What was counted: national homicide series and published counts of active groups.

``national_homicides.csv`` holds two series that must not be mixed: INEGI homicides (death
records, counted by year of registration) and SESNSP victims of intentional homicide (cases
opened by state prosecutors). SESNSP sums run at 87–94 % of INEGI (`sesnsp_to_inegi`).
``group_counts.csv`` holds the published counts of active criminal groups (EVIDENCE F11, F12),
whose definitions differ from source to source: each row says what it counts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cartelsim.errors import DataFileError
from cartelsim.record.common import (
    parse_choice,
    parse_int,
    parse_url,
    require_text,
    with_file,
)
from cartelsim.system.csvtable import claim_once, read_table

HOMICIDES_FILE = "national_homicides.csv"
COUNTS_FILE = "group_counts.csv"

SERIES = ("inegi_registered", "sesnsp_victims")
STATUSES: dict[str, tuple[str, ...]] = {
    "inegi_registered": ("definitive", "preliminary"),
    "sesnsp_victims": ("definitive", "preliminary", "partial", "old_methodology"),
}
BOUNDS = ("exact", "approx", "at_least")
_MAX_HOMICIDES = 1_000_000  # a national yearly count above this is a typo
_MAX_GROUPS = 100_000


def national_homicides(directory: str | Path | None = None) -> pd.DataFrame:
    """National homicide counts by year (``directory=None``: the packaged file).

    Returns:
        A DataFrame indexed by ``year`` (int) with columns ``inegi_registered`` and
        ``sesnsp_victims`` (float64, people; NaN where no sourced figure) and
        ``inegi_status``/``sesnsp_status`` (str, "" where missing). ``attrs["sources"]``
        maps (year, series) to the source URL.

    Raises:
        DataFileError: a malformed file (names the file, the line and what was expected).
    """
    return with_file(directory, HOMICIDES_FILE, _read_homicides)


def sesnsp_to_inegi(frame: pd.DataFrame) -> pd.Series:
    """SESNSP victims ÷ INEGI registrations for the years where both are complete.

    Years whose SESNSP figure is partial or of the old methodology are left out.
    """
    complete = frame["sesnsp_status"].isin(("definitive", "preliminary"))
    both = complete & frame["inegi_registered"].notna()
    ratio = frame.loc[both, "sesnsp_victims"] / frame.loc[both, "inegi_registered"]
    return ratio.rename("sesnsp_to_inegi")


def group_counts(directory: str | Path | None = None) -> pd.DataFrame:
    """Published counts of active criminal groups (``directory=None``: the packaged file).

    Returns:
        A DataFrame, one row per published count, with columns ``year_start``, ``year_end``
        (int; equal for a count at one time, a range for a cumulative count), ``count``
        (int, groups), ``bound`` ("exact", "approx" or "at_least"), ``what`` (what was
        counted), ``evidence`` (EVIDENCE entry, "" if none), ``source_url``, ``source_title``.

    Raises:
        DataFileError: a malformed file.
    """
    return with_file(directory, COUNTS_FILE, _read_counts)


def _read_homicides(path: Path) -> pd.DataFrame:
    rows = read_table(path, ("year", "series", "value", "status", "source_url", "source_title"))
    first: dict[tuple[int, str], int] = {}
    values: dict[str, dict[int, float]] = {s: {} for s in SERIES}
    statuses: dict[str, dict[int, str]] = {s: {} for s in SERIES}
    sources: dict[tuple[int, str], str] = {}
    for row in rows:
        year = parse_int(path, row, "year", low=2000, high=2026)
        series = parse_choice(path, row, "series", SERIES)
        key = (year, series)
        claim_once(path, row, first, key, f"{series} for {year}",
                   "expected one value per year and series")
        values[series][year] = float(parse_int(path, row, "value", low=1, high=_MAX_HOMICIDES))
        statuses[series][year] = parse_choice(path, row, "status", STATUSES[series])
        sources[key] = parse_url(
            path, require_text(path, row, "source_url", "the URL of the source"), "source_url",
            row.line,
        )
        require_text(path, row, "source_title", "the title of the source")
    years = sorted({year for year, _ in first})
    frame = pd.DataFrame(index=pd.Index(years, name="year", dtype=np.int64))
    frame["inegi_registered"] = pd.Series(values["inegi_registered"], dtype=np.float64)
    frame["inegi_status"] = pd.Series(statuses["inegi_registered"], dtype=object)
    frame["sesnsp_victims"] = pd.Series(values["sesnsp_victims"], dtype=np.float64)
    frame["sesnsp_status"] = pd.Series(statuses["sesnsp_victims"], dtype=object)
    frame[["inegi_status", "sesnsp_status"]] = frame[["inegi_status", "sesnsp_status"]].fillna("")
    frame.attrs["sources"] = sources
    return frame


def _read_counts(path: Path) -> pd.DataFrame:
    columns = (
        "year_start", "year_end", "count", "bound", "what", "evidence", "source_url",
        "source_title",
    )
    rows = read_table(path, columns)
    records = []
    for row in rows:
        start = parse_int(path, row, "year_start", low=1990, high=2026)
        end = parse_int(path, row, "year_end", low=1990, high=2026)
        if end < start:
            raise DataFileError(
                path, f"year_end {end} is before year_start {start}", row.line
            )
        records.append(
            {
                "year_start": start,
                "year_end": end,
                "count": parse_int(path, row, "count", low=1, high=_MAX_GROUPS),
                "bound": parse_choice(path, row, "bound", BOUNDS),
                "what": require_text(path, row, "what", "what was counted"),
                "evidence": row.text("evidence"),
                "source_url": parse_url(
                    path, require_text(path, row, "source_url", "the URL of the source"),
                    "source_url", row.line,
                ),
                "source_title": require_text(path, row, "source_title", "the title of the source"),
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(columns))
    return frame.astype({"year_start": np.int64, "year_end": np.int64, "count": np.int64})
