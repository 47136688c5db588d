"""The U.S. side of the routes: demand regions and the road on from each crossing."""

from __future__ import annotations

import csv
import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from cartelsim.errors import DataFileError
from cartelsim.params.catalogue import Params
from cartelsim.system.embedded import mexico_2025
from cartelsim.territory.destinations import load_markets
from cartelsim.territory.network import load_network
from cartelsim.world.run import run_world

PACKAGED = resources.files("cartelsim") / "data" / "territory" / "us_markets.csv"


def test_the_shipped_regions_are_the_census_regions_by_population() -> None:
    markets = load_markets()
    assert markets.regions == ("West", "Midwest", "South", "Northeast")
    assert markets.share.sum() == pytest.approx(1.0)
    assert markets.share[2] == pytest.approx(126_662_754 / 329_484_123)  # South, 2020
    onward = markets.onward_km(load_network())  # [crossing, region]
    network = load_network()
    names = [network.node_ids[c] for c in network.crossings]
    west, south = onward[:, 0], onward[:, 2]
    assert names[int(np.argmin(west))] == "tijuana"  # Los Angeles is nearest to Tijuana
    assert names[int(np.argmin(south))] in ("nuevo_laredo", "piedras_negras")  # Dallas
    assert 150 < west[names.index("tijuana")] < 300  # about 200 km by road


def _shares(weight: float) -> dict[str, float]:
    params = Params.defaults().override({"territory_us_km_weight": weight}, "test")
    ds = run_world(mexico_2025(), params=params, weeks=3, runs=1, engine="deterministic",
                   seed=1, start="2026-01-01", territory=True)
    tonnes = ds.flow_north.isel(time=slice(1, None)).sum("time").isel(run=0)
    return (tonnes / tonnes.sum()).to_pandas().to_dict()


def test_the_us_side_sends_west_bound_loads_through_california() -> None:
    near, weighted = _shares(0.0), _shares(2.0)
    california = ("tijuana", "mexicali")
    assert sum(near[c] for c in california) < 0.02  # Mexican km alone: the Gulf crossings
    west = load_markets().share[0]
    assert 0.5 * west < sum(weighted[c] for c in california) <= west + 0.01


@pytest.mark.parametrize(("column", "value", "message"), [
    ("lat", "-34.0", "lat -34.0 is outside"),
    ("population", "many", "population 'many' is not a number"),
    ("region", "West", "region 'West'"),
    ("source_url", "census", "source_url"),
])
def test_bad_rows_are_one_line_errors_naming_the_line(tmp_path: Path, column: str, value: str,
                                                      message: str) -> None:
    path = tmp_path / "us_markets.csv"
    with resources.as_file(PACKAGED) as packaged:
        shutil.copy(packaged, path)
    rows = list(csv.reader(path.open(encoding="utf-8")))
    rows[2][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    with pytest.raises(DataFileError) as info:
        load_markets(path)
    text = str(info.value)
    assert "\n" not in text and "us_markets.csv" in text and "line 3" in text
    assert message in text
