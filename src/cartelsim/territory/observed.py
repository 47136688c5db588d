"""Observed homicides per state for maps: SESNSP victims by state and year, shipped small.

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
    if path is None:
        resource = resources.files("cartelsim") / "data" / "territory" / YEAR_FILE
        with resources.as_file(resource) as packaged:
            return read_state_year(packaged)
    path = Path(path)
    if not path.is_file():
        raise DataFileError(path, "file not found")
    frame = pd.read_csv(path, dtype={"state_code": str})
    missing = [c for c in YEAR_COLUMNS if c not in frame.columns]
    if missing:
        raise DataFileError(path, f"missing column(s) {', '.join(missing)}; expected "
                            + ", ".join(YEAR_COLUMNS))
    return frame


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
