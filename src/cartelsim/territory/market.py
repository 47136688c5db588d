"""Sourced magnitudes of the market north: border seizures by drug and year, wholesale prices.

Values only (``cartelsim/data/territory/market.csv``); no mechanism uses them yet. Each row
keeps the unit and scope of its source (CBP nationwide, southwest border, one field office,
ports only...) because the sources do not agree on scope: mixing them into one series would
be wrong. `load_market` converts to tonnes and USD per kg so callers need not.
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

import pandas as pd

from cartelsim.errors import DataFileError
from cartelsim.system.csvtable import parse_year, read_table

MARKET_FILE = "market.csv"
MARKET_COLUMNS = ("quantity", "drug", "year", "scope", "low", "high", "unit", "source_url", "notes")
DRUGS = ("fentanyl", "methamphetamine", "cocaine")
KG_PER_LB = 0.45359237
# quantity -> unit -> factor to the SI unit named in SI_UNIT
UNITS = {
    "seizure": {"lb": KG_PER_LB / 1000.0, "kg": 1.0 / 1000.0, "t": 1.0},
    "seizure_share": {"percent": 1.0},
    "wholesale_price": {"USD/kg": 1.0, "USD/lb": 1.0 / KG_PER_LB},
}
SI_UNIT = {"seizure": "t", "seizure_share": "percent", "wholesale_price": "USD/kg"}


def load_market(path: str | Path | None = None) -> pd.DataFrame:
    """Rows of market.csv with `low_si`/`high_si` in tonnes, percent or USD per kg (`si_unit`)."""
    if path is None:
        resource = resources.files("cartelsim") / "data" / "territory" / MARKET_FILE
        with resources.as_file(resource) as packaged:
            return _load(Path(packaged))
    return _load(Path(path))


def _value(path: Path, line: int, column: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise DataFileError(path, f"{column} {raw!r} is not a number", line) from None
    if not math.isfinite(value) or value < 0:
        raise DataFileError(path, f"{column} must be a finite non-negative number, got {raw!r}", line)
    return value


def _load(path: Path) -> pd.DataFrame:
    records = []
    for row in read_table(path, MARKET_COLUMNS):
        quantity, drug, unit = row.text("quantity"), row.text("drug"), row.text("unit")
        if quantity not in UNITS:
            raise DataFileError(path, f"quantity {quantity!r}: expected one of "
                                + ", ".join(UNITS), row.line)
        if drug not in DRUGS:
            raise DataFileError(path, f"drug {drug!r}: expected one of " + ", ".join(DRUGS), row.line)
        if unit not in UNITS[quantity]:
            raise DataFileError(path, f"unit {unit!r} for {quantity}: expected one of "
                                + ", ".join(UNITS[quantity]), row.line)
        low = _value(path, row.line, "low", row.text("low"))
        high = _value(path, row.line, "high", row.text("high"))
        if high < low:
            raise DataFileError(path, f"high {high:g} is below low {low:g}", row.line)
        if quantity == "seizure_share" and high > 100:
            raise DataFileError(path, f"high {high:g} is above 100 percent", row.line)
        if not row.text("source_url").startswith(("http://", "https://")):
            raise DataFileError(path, "source_url: expected an http(s) URL", row.line)
        factor = UNITS[quantity][unit]
        records.append({
            "quantity": quantity, "drug": drug, "year": parse_year(path, row, "year"),
            "scope": row.text("scope"), "low": low, "high": high, "unit": unit,
            "low_si": low * factor, "high_si": high * factor, "si_unit": SI_UNIT[quantity],
            "source_url": row.text("source_url"), "notes": row.text("notes"), "line": row.line,
        })
    return pd.DataFrame.from_records(records)
