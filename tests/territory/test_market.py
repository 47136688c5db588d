"""Market magnitudes: the shipped rows load with units converted, and bad rows are refused."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

from cartelsim.errors import DataFileError
from cartelsim.territory.market import DRUGS, KG_PER_LB, load_market

PACKAGED = resources.files("cartelsim") / "data" / "territory" / "market.csv"


def test_every_drug_has_seizures_and_prices_with_sources() -> None:
    market = load_market()
    for drug in DRUGS:
        rows = market[market.drug == drug]
        assert {"seizure", "wholesale_price"} <= set(rows.quantity), drug
    assert market.source_url.str.startswith("http").all()


def test_units_are_converted_to_tonnes_and_usd_per_kg() -> None:
    market = load_market().set_index("line")
    row = market[(market.drug == "fentanyl") & (market.year == 2023)
                 & (market.scope == "CBP nationwide")].iloc[0]
    assert row.low_si == pytest.approx(27023 * KG_PER_LB / 1000)  # about 12.3 t
    price = market[(market.quantity == "wholesale_price") & (market.unit == "USD/lb")].iloc[0]
    assert price.low_si == pytest.approx(price.low / KG_PER_LB)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    with resources.as_file(PACKAGED) as src:
        shutil.copy(src, tmp_path / "market.csv")
    return tmp_path / "market.csv"


@pytest.mark.parametrize(("old", "new", "message"), [
    (",lb,", ",kg/h,", "unit 'kg/h'"),
    ("seizure,fentanyl,2018", "seizure,heroin,2018", "drug 'heroin'"),
    ("seizure,fentanyl,2018", "seizures,fentanyl,2018", "quantity 'seizures'"),
    ("seizure,fentanyl,2018", "seizure,fentanyl,218", "year 218 is implausible"),
    ("2283,2283,lb", "2283,1000,lb", "below low"),
    ("2283,2283,lb", "x,2283,lb", "low 'x' is not a number"),
])
def test_bad_rows_name_the_file_line_and_field(copy: Path, old: str, new: str, message: str) -> None:
    text = copy.read_text(encoding="utf-8")
    assert old in text
    copy.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_market(copy)
    assert "market.csv, line 2" in str(info.value) and message in str(info.value)
