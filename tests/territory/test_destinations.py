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
from cartelsim.territory.results import drug_supply
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
    supply = drug_supply(Params.defaults())  # tonnes of each drug: the West's share of all
    west = float(supply @ load_markets().demand[:, 0] / supply.sum())  # demand weighted by them
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


DEMAND = resources.files("cartelsim") / "data" / "territory" / "us_demand.csv"


def test_each_drugs_demand_is_its_own_split_of_the_regions() -> None:
    """us_demand.csv: fentanyl by overdose deaths (T40.4, 2023), methamphetamine and cocaine
    by past-year users (NSDUH 2018-2019); shares per drug, in the order of market.DRUGS."""
    markets = load_markets()
    np.testing.assert_allclose(markets.demand.sum(axis=1), 1.0)
    west, northeast = markets.regions.index("West"), markets.regions.index("Northeast")
    meth = markets.demand[1]
    assert meth[west] == pytest.approx(673 / 1933)  # NSDUH 2018-2019, thousands of users
    assert meth[west] > markets.share[west] > meth[northeast]  # the West uses more meth
    assert markets.demand[0, markets.regions.index("South")] == pytest.approx(28_015 / 74_091)


@pytest.mark.parametrize(("line", "column", "value", "message"), [
    (3, "drug", "heroin", "drug 'heroin': expected one of"),
    (3, "region", "Pacific", "region 'Pacific': expected one of West"),
    (3, "count", "lots", "count 'lots' is not a number"),
    (3, "region", "Northeast", "duplicate region and drug (first on line 2)"),
    (3, "source_url", "cdc", "source_url"),
])
def test_bad_demand_rows_are_one_line_errors_naming_the_line(
        tmp_path: Path, line: int, column: str, value: str, message: str) -> None:
    markets, demand = tmp_path / "us_markets.csv", tmp_path / "us_demand.csv"
    for source, target in ((PACKAGED, markets), (DEMAND, demand)):
        with resources.as_file(source) as packaged:
            shutil.copy(packaged, target)
    rows = list(csv.reader(demand.open(encoding="utf-8")))
    rows[line - 1][rows[0].index(column)] = value
    with demand.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    with pytest.raises(DataFileError) as info:
        load_markets(markets)
    text = str(info.value)
    assert "\n" not in text and "us_demand.csv" in text and f"line {line}" in text
    assert message in text


def test_a_missing_demand_row_names_the_drug_and_region(tmp_path: Path) -> None:
    markets, demand = tmp_path / "us_markets.csv", tmp_path / "us_demand.csv"
    with resources.as_file(PACKAGED) as packaged:
        shutil.copy(packaged, markets)
    with resources.as_file(DEMAND) as packaged:
        lines = Path(packaged).read_text(encoding="utf-8").splitlines(keepends=True)
    demand.write_text("".join(line for line in lines if not line.startswith("West,cocaine")),
                      encoding="utf-8")
    with pytest.raises(DataFileError, match="no cocaine row for West"):
        load_markets(markets)


def _arrivals(markets) -> np.ndarray:
    """Tonnes of each drug a week at each crossing [drug, crossing] with the embedded world's
    members, at us_km_weight 2, for the U.S. demand of `markets`."""
    from cartelsim.territory.corridors import route_table
    from cartelsim.territory.kernel import TP_CONTROL, route_control, route_traffic
    from cartelsim.territory.results import territory_vector
    from cartelsim.territory.states import state_layout

    params = Params.defaults().override({"territory_us_km_weight": 2.0}, "test")
    system = mexico_2025()
    layout = state_layout(system, params)
    routes = route_table(params, layout.codes, markets=markets)
    lineage = system.size_hint.astype(float)
    in_state = lineage @ layout.presence
    tp, supply = territory_vector(params), drug_supply(params)
    n_o, n_k, n_c = routes.origin_state.size, routes.cand_km.size, routes.n_crossings
    control = np.zeros(n_k)
    route_control(lineage, layout.presence, in_state, routes.origin_state, routes.cand_origin,
                  routes.cand_km, routes.state_ptr, routes.state_idx, tp[TP_CONTROL],
                  np.zeros((n_o, lineage.size)), np.zeros((n_o, lineage.size), dtype=np.int64),
                  np.zeros(n_o, dtype=np.int64), control)
    arrive = np.zeros((supply.size, n_c))
    route_traffic(in_state, tp, routes.origin_state, routes.cand_origin, routes.cand_crossing,
                  routes.cand_km, control, routes.onward_km, routes.region_demand,
                  routes.state_ptr, routes.state_idx, np.ones(n_c), np.zeros(n_k), supply,
                  routes.origin_drugs, np.zeros((supply.size, n_o)), np.zeros((3, n_o)),
                  np.zeros(n_k), 1.0, np.zeros(in_state.size), arrive,
                  np.zeros((supply.size, n_k)), np.full(n_c + n_k, -1.0), np.zeros(n_c))
    return arrive / arrive.sum(axis=1, keepdims=True)


def test_each_drug_goes_where_its_own_demand_is() -> None:
    """Methamphetamine's demand leans West (35 % of users against 24 % of people), fentanyl's
    does not: bound by demand instead of population, more methamphetamine crosses in
    California, and fentanyl's split barely moves."""
    from dataclasses import replace

    shipped = load_markets()
    by_people = replace(shipped, demand=np.tile(shipped.share, (3, 1)))
    names = load_network()
    california = [i for i, c in enumerate(names.crossings)
                  if names.node_ids[c] in ("tijuana", "mexicali")]
    demand, people = _arrivals(shipped), _arrivals(by_people)
    meth, fentanyl = 1, 0  # market.DRUGS order
    gained = demand[:, california].sum(axis=1) - people[:, california].sum(axis=1)
    assert gained[meth] > 0.03
    assert abs(gained[fentanyl]) < 0.01
