"""Crackdowns on one road segment (action segment_crackdown): routes over it cost more and
move to other roads and crossings (EVIDENCE F7); nothing is seized on the road."""

from __future__ import annotations

import numpy as np
import pytest

from cartelsim.errors import CartelsimError
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.scenarios.examples import example_path
from cartelsim.scenarios.schema import load_scenario
from cartelsim.system.embedded import mexico_2025
from cartelsim.territory.network import load_network, segment_index
from cartelsim.world.run import run_world

START, CRACK, STOP = "2026-01-01", "2026-03-05", "2026-08-06"
ROAD = "monterrey-nuevo_laredo"


@pytest.fixture(scope="module")
def pair():
    mexico = mexico_2025()
    kwargs = dict(weeks=40, runs=1, engine="deterministic", seed=3, start=START,
                  territory=True)
    crack = [InterventionSpec(action="segment_crackdown", segment=ROAD, effect=3.0,
                              start=CRACK, end=STOP)]
    return run_world(mexico, **kwargs), run_world(mexico, interventions=crack, **kwargs)


def test_a_road_crackdown_moves_loads_off_the_road_and_seizes_nothing_more(pair) -> None:
    base, crack = pair
    during = slice("2026-03-12", "2026-08-01")
    before = slice("2026-01-08", "2026-03-05")
    np.testing.assert_array_equal(base.total_deaths.values, crack.total_deaths.values)
    moved = (crack.flow_north - base.flow_north).sel(time=during).sum("time").isel(run=0)
    assert float(moved.sel(crossing="nuevo_laredo")) < 0.0  # the road leads there
    assert float(moved.drop_sel(crossing="nuevo_laredo").sum()) > 0.0  # elsewhere instead
    assert abs(float(moved.sum())) < 1e-9 * float(base.flow_north.sel(time=during).sum())
    np.testing.assert_allclose(crack.seized_north.sum("crossing").sel(time=during),
                               base.seized_north.sum("crossing").sel(time=during), rtol=1e-9)
    np.testing.assert_array_equal(crack.flow_north.sel(time=before).values,
                                  base.flow_north.sel(time=before).values)
    deaths = (crack.state_deaths - base.state_deaths).sel(time=during).isel(run=0)
    assert float(np.abs(deaths).sum()) > 0.0  # violence follows the new routes
    assert abs(float(deaths.sum())) < 1e-9 * float(base.state_deaths.sel(time=during).sum())


def test_segments_are_named_by_their_nodes_in_either_order() -> None:
    network = load_network()
    e = segment_index(ROAD)
    assert {network.node_ids[int(i)] for i in network.edges[e]} == {"monterrey",
                                                                     "nuevo_laredo"}
    assert segment_index("nuevo_laredo-monterrey") == e


@pytest.mark.parametrize(("segment", "message"), [
    ("monterey-nuevo_laredo", "did you mean 'monterrey'"),
    ("monterrey-tijuana", "the roads from monterrey: "),
    ("monterrey", "joined by '-'"),
])
def test_a_bad_segment_in_a_scenario_is_a_one_line_error(tmp_path, segment: str,
                                                         message: str) -> None:
    text = example_path("segment-crackdown").read_text(encoding="utf-8")
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(f'segment = "{ROAD}"', f'segment = "{segment}"'),
                    encoding="utf-8")
    with pytest.raises(CartelsimError) as info:
        load_scenario(path)
    text = str(info.value)
    assert "\n" not in text and "bad.toml" in text and message in text


def test_the_example_scenario_parses_with_its_road() -> None:
    scenario = load_scenario(example_path("segment-crackdown"))
    assert scenario.interventions[0].segment == ROAD
    assert scenario.mechanisms.territory
