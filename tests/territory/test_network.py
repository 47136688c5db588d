"""The corridor network: the shipped data is complete and consistent, and bad rows are refused."""

from __future__ import annotations

import csv
import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from cartelsim.errors import DataFileError
from cartelsim.territory.geometry import state_of_point
from cartelsim.territory.network import great_circle_km, load_network

PACKAGED = resources.files("cartelsim") / "data" / "territory"
REQUIRED_CROSSINGS = {"tijuana", "mexicali", "nogales", "ciudad_juarez", "piedras_negras",
                      "nuevo_laredo", "reynosa", "matamoros"}


def test_the_shipped_network_has_the_required_crossings_and_origins() -> None:
    network = load_network()
    crossings = {network.node_ids[i] for i in network.crossings}
    assert REQUIRED_CROSSINGS <= crossings
    origins = {network.node_ids[i] for i in network.origins}
    assert {"manzanillo", "lazaro_cardenas", "mazatlan", "tapachula", "culiacan"} <= origins
    assert all(network.us_ports[i] for i in network.crossings)


def test_every_node_lies_in_its_declared_state() -> None:
    """Coordinates were typed by hand; the state outlines check them (a swapped digit fails)."""
    network = load_network()
    for i, node in enumerate(network.node_ids):
        code, distance = state_of_point(network.lon[i], network.lat[i])
        assert code == network.state_codes[i], node
        assert distance < 0.1, node


def test_sourced_lengths_are_longer_than_the_straight_line_and_computed_ones_use_the_factor() -> None:
    slow = load_network(detour=1.5)
    fast = load_network(detour=1.1)
    straight = great_circle_km(fast.lat[fast.edges[:, 0]], fast.lon[fast.edges[:, 0]],
                               fast.lat[fast.edges[:, 1]], fast.lon[fast.edges[:, 1]])
    assert np.all(fast.km[fast.sourced] >= straight[fast.sourced])
    computed = ~fast.sourced
    assert computed.any() and fast.sourced.any()
    np.testing.assert_allclose(fast.km[computed], 1.1 * straight[computed])
    np.testing.assert_allclose(slow.km[computed], 1.5 * straight[computed])
    np.testing.assert_array_equal(slow.km[fast.sourced], fast.km[fast.sourced])


def test_a_known_distance_is_about_right() -> None:
    """Guadalajara–Mexico City is about 460 km in a straight line (sanity of the haversine)."""
    assert great_circle_km(20.677, -103.347, 19.433, -99.133) == pytest.approx(461, abs=5)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for name in ("nodes.csv", "edges.csv"):
        with resources.as_file(PACKAGED / name) as src:
            shutil.copy(src, tmp_path / name)
    return tmp_path


def _edit(path: Path, line: int, column: str, value: str) -> None:
    rows = list(csv.reader(path.open(encoding="utf-8")))
    header = rows[0]
    rows[line - 1][header.index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


@pytest.mark.parametrize(("file", "line", "column", "value", "message"), [
    ("nodes.csv", 3, "state_code", "33", "state_code '33'"),
    ("nodes.csv", 3, "lat", "-19.1", "lat -19.1 is outside"),
    ("nodes.csv", 4, "lon", "abc", "lon 'abc' is not a number"),
    ("nodes.csv", 5, "kind", "airport", "kind 'airport'"),
    ("nodes.csv", 3, "id", "manzanillo", "appears twice"),
    ("nodes.csv", 2, "source_url", "", "source_url"),
    ("edges.csv", 2, "b", "mazatlam", "did you mean 'mazatlan'"),
    ("edges.csv", 2, "km", "120", "km must be empty"),
    ("edges.csv", 4, "km", "", "km is empty"),
    ("edges.csv", 4, "km", "50", "shorter than the straight line"),
    ("edges.csv", 4, "distance_source", "guess", "distance_source 'guess'"),
    ("edges.csv", 3, "a", "tepic", "to itself"),
    ("nodes.csv", 2, "drugs", "cocaine;heroin", "drugs 'heroin'"),
    ("nodes.csv", 11, "drugs", "cocaine", "only origins"),
    ("nodes.csv", 2, "drugs_source_url", "", "drugs_source_url"),
])
def test_bad_rows_give_one_line_errors_naming_file_line_and_field(
        copy: Path, file: str, line: int, column: str, value: str, message: str) -> None:
    _edit(copy / file, line, column, value)
    with pytest.raises(DataFileError) as info:
        load_network(copy)
    text = str(info.value)
    assert "\n" not in text
    assert file in text and f"line {line}" in text and message in text


def test_a_repeated_segment_is_refused_in_either_direction(copy: Path) -> None:
    with (copy / "edges.csv").open("a", encoding="utf-8") as fh:
        fh.write("mazatlan,culiacan,,computed,https://example.org,reverse of line 2\n")
    with pytest.raises(DataFileError, match="appears twice"):
        load_network(copy)


def test_a_missing_file_is_a_data_file_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="file not found"):
        load_network(tmp_path)


def test_every_drug_needs_an_origin_that_sends_it(copy: Path) -> None:
    from cartelsim.errors import CartelsimError
    from cartelsim.params.catalogue import Params
    from cartelsim.territory.corridors import route_table
    from cartelsim.territory.geometry import N_STATES

    network = load_network(copy)
    for line, node in enumerate(network.node_ids, start=2):
        if "cocaine" in network.drugs[network.index(node)]:
            left = ";".join(sorted(network.drugs[network.index(node)] - {"cocaine"}))
            _edit(copy / "nodes.csv", line, "drugs", left)
    codes = [f"{k:02d}" for k in range(1, N_STATES + 1)]
    with pytest.raises(CartelsimError, match="no origin sends cocaine"):
        route_table(Params.defaults(), codes, load_network(copy))


def test_the_shipped_origins_send_the_drugs_their_sources_name() -> None:
    network = load_network()
    sends = {network.node_ids[i]: network.drugs[i] for i in network.origins}
    assert sends["tapachula"] == {"cocaine"}  # overland from Central America
    assert sends["tierra_caliente"] == {"methamphetamine"}
    assert {"fentanyl", "methamphetamine"} <= sends["culiacan"]
    assert all(not network.drugs[i] for i in network.crossings)


def test_the_packaged_routes_are_searched_once_and_keyed_by_what_changes_them() -> None:
    """route_table caches the packaged network's candidate routes (72 Dijkstra searches) by
    detour and crackdown multiplier: a cached table equals a fresh search, and changing
    either parameter gives that parameter's routes, not the cached ones."""
    from cartelsim.params.catalogue import Params
    from cartelsim.territory.corridors import route_table
    from cartelsim.territory.geometry import N_STATES

    codes = [f"{k:02d}" for k in range(1, N_STATES + 1)]
    params = Params.defaults()
    cached = route_table(params, codes)
    fresh = route_table(params, codes, load_network(detour=params["territory_road_detour"]))
    for field in ("cand_origin", "cand_crossing", "cand_km", "state_ptr", "state_idx",
                  "onward_km", "region_demand"):
        np.testing.assert_array_equal(getattr(cached, field), getattr(fresh, field))
    longer = route_table(params.override({"territory_road_detour": 1.4}, "test"), codes)
    assert longer.cand_km.sum() > cached.cand_km.sum()
    strict = params.override({"territory_crackdown_multiplier": 5.0}, "test")
    np.testing.assert_array_equal(
        route_table(strict, codes).cand_km,
        route_table(strict, codes, load_network(detour=params["territory_road_detour"])).cand_km)
