"""Observed homicides per state for maps and the territory fit: SESNSP victims by state and
year, shipped small, and INEGI's annual state counts where a published page gives them.

The shared monthly file (``shared/data/observed/sesnsp_state_month.csv``, 373 KiB) is summed
into ``cartelsim/data/territory/sesnsp_state_year.csv`` (one row per state and full year of the
new SESNSP methodology, 2015–2018) by `sesnsp_state_year`; the maps read the packaged copy, so
they work offline. Nothing is imputed: a state-year with a missing month keeps the months it has
and says how many (Oaxaca 2015 and 2016).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from cartelsim.errors import CartelsimError, DataFileError

YEAR_FILE = "sesnsp_state_year.csv"
INEGI_FILE = "inegi_state_year.csv"  # copied from shared/data/observed (see its README)
INEGI_COLUMNS = ("state_code", "year", "homicides", "source_url", "status")
INEGI_YEARS = (2015, 2024)  # first and last year of the file's points
MONTH_COLUMNS = ("state_code", "month", "homicide_victims", "population")
YEAR_COLUMNS = ("state_code", "year", "homicide_victims", "months", "population")
FULL_YEARS = (2015, 2016, 2017, 2018)  # the complete years of the new methodology in the file
SOURCE = ("SESNSP victims of homicidio doloso + feminicidio (new methodology), summed by state "
          "and year from shared/data/observed/sesnsp_state_month.csv "
          "(diegovalle/new.crimenmexico@3dc3625, states_sm.json hd[0]); population = mean of "
          "the monthly CONAPO projections used there")


def sesnsp_state_year(month_file: str | Path) -> pd.DataFrame:
    """Sum the monthly SESNSP file into victims per state and full year (`FULL_YEARS`).

    Columns: ``state_code`` (str "01".."32"), ``year`` (int), ``homicide_victims`` (people in
    the months counted), ``months`` (months with a count, 12 unless the source has gaps),
    ``population`` (people, mean over the year's months).
    """
    path = Path(month_file)
    if not path.is_file():
        raise DataFileError(path, "file not found")
    frame = pd.read_csv(path, dtype={"state_code": str, "month": str})
    missing = [c for c in MONTH_COLUMNS if c not in frame.columns]
    if missing:
        raise DataFileError(path, f"missing column(s) {', '.join(missing)}; expected "
                            + ", ".join(MONTH_COLUMNS))
    frame["year"] = frame["month"].str.slice(0, 4).astype(int)
    frame = frame[frame["year"].isin(FULL_YEARS)]
    table = frame.groupby(["state_code", "year"]).agg(
        homicide_victims=("homicide_victims", "sum"),
        months=("homicide_victims", "count"),
        population=("population", "mean")).reset_index()
    table["homicide_victims"] = table["homicide_victims"].round().astype(int)
    table["population"] = table["population"].round().astype(int)
    return table[list(YEAR_COLUMNS)]


def read_state_year(path: str | Path | None = None) -> pd.DataFrame:
    """The packaged (or given) victims per state and year; columns as `sesnsp_state_year`."""
    return _read_table(path, YEAR_FILE, YEAR_COLUMNS, dtype={"state_code": str})[1]


def _read_table(path: str | Path | None, packaged_name: str, columns: tuple[str, ...],
                **read_options: object) -> tuple[Path, pd.DataFrame]:
    """A CSV of this module (the packaged `packaged_name` when `path` is None) with its
    `columns` checked; returns the path read and the frame.

    Raises:
        DataFileError: a missing file or column.
    """
    if path is None:
        resource = resources.files("cartelsim") / "data" / "territory" / packaged_name
        with resources.as_file(resource) as packaged:
            return _read_table(packaged, packaged_name, columns, **read_options)
    path = Path(path)
    if not path.is_file():
        raise DataFileError(path, "file not found")
    frame = pd.read_csv(path, **read_options)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataFileError(path, f"missing column(s) {', '.join(missing)}; expected "
                            + ", ".join(columns))
    return path, frame


def observed_rate(years: tuple[int, ...] = FULL_YEARS, table: pd.DataFrame | None = None
                  ) -> pd.Series:
    """SESNSP homicide victims per 100,000 people per year, by state code, averaged over `years`.

    Only complete state-years (12 months) count; a state with none is left out (grey on a map).
    """
    table = read_state_year() if table is None else table
    unknown = sorted(set(years) - set(table["year"]))
    if unknown:
        raise CartelsimError(f"observed homicides: no SESNSP state counts for "
                             f"{', '.join(map(str, unknown))}; available: "
                             f"{', '.join(map(str, sorted(set(table['year']))))}")
    rows = table[table["year"].isin(years) & (table["months"] == 12)]
    rate = 1e5 * rows["homicide_victims"] / rows["population"]
    series = rate.groupby(rows["state_code"]).mean()
    series.index.name = "state"
    return series.astype(np.float64).rename("homicides per 100,000 per year")


def read_inegi_state_year(path: str | Path | None = None) -> pd.DataFrame:
    """INEGI registered homicides by state (place of occurrence) and year: the 91 points
    published pages give for 22 states, 2015-2024, no 2017 (shared/data/observed/README.md).
    Columns: ``state_code`` ("01".."32"), ``year``, ``homicides`` (people a year),
    ``source_url`` (the page), ``status`` (preliminary or definitive).

    Raises:
        DataFileError: a missing file or column, or a row whose code, year, count, source or
            status is not as above (names the line), or a state-year given twice.
    """
    path, frame = _read_table(path, INEGI_FILE, INEGI_COLUMNS, dtype=str,
                              keep_default_na=False)
    codes = {f"{k:02d}" for k in range(1, 33)}
    seen: set[tuple[str, int]] = set()
    for line, row in enumerate(frame.itertuples(index=False), start=2):
        where = f"line {line}"
        if row.state_code not in codes:
            raise DataFileError(path, f"{where}: state_code {row.state_code!r} is not a "
                                "two-digit INEGI code 01-32")
        if not (row.year.isdigit() and INEGI_YEARS[0] <= int(row.year) <= INEGI_YEARS[1]):
            raise DataFileError(path, f"{where}: year {row.year!r} is not a year "
                                f"{INEGI_YEARS[0]}-{INEGI_YEARS[1]}")
        if not (row.homicides.isdigit() and int(row.homicides) > 0):
            raise DataFileError(path, f"{where}: homicides {row.homicides!r} is not a "
                                "positive whole number")
        if not row.source_url.startswith("http"):
            raise DataFileError(path, f"{where}: source_url must be the page the number "
                                "comes from")
        if row.status not in ("preliminary", "definitive"):
            raise DataFileError(path, f"{where}: status {row.status!r} is not preliminary "
                                "or definitive")
        key = (row.state_code, int(row.year))
        if key in seen:
            raise DataFileError(path, f"{where}: state {key[0]} year {key[1]} given twice")
        seen.add(key)
    frame["year"] = frame["year"].astype(int)
    frame["homicides"] = frame["homicides"].astype(int)
    return frame
