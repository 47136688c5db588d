"""Maps: all 32 states are drawn, values land on the right state, diverging maps centre on 0."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from cartelsim.errors import CartelsimError  # noqa: E402
from cartelsim.territory.geometry import read_states, to_geojson  # noqa: E402
from cartelsim.territory.maps import (  # noqa: E402
    MISSING_COLOR,
    route_map,
    state_map,
    state_polygons,
)
from cartelsim.territory.maps_web import state_map as state_map_plotly  # noqa: E402
from cartelsim.territory.network import load_network  # noqa: E402
from cartelsim.territory.routing import least_cost_routes, segment_flows  # noqa: E402

CODES = [f"{k:02d}" for k in range(1, 33)]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _states_collection(fig):
    return next(c for ax in fig.axes for c in ax.collections if c.get_gid() == "states")


def test_the_outlines_hold_32_states_within_mexico() -> None:
    states = read_states()
    assert [s.code for s in states] == CODES
    points = np.vstack([r for s in states for r in s.rings])
    assert points[:, 0].min() > -118 and points[:, 0].max() < -86
    assert points[:, 1].min() > 14 and points[:, 1].max() < 33
    names = {s.code: s.name for s in states}
    assert names["09"] == "Ciudad de México" and names["25"] == "Sinaloa"


def test_all_32_states_are_drawn_and_values_map_to_their_state() -> None:
    values = pd.Series({code: float(k) for k, code in enumerate(CODES, start=1)})
    fig = state_map(values, title="test")
    collection = _states_collection(fig)
    codes, _ = state_polygons()
    data = collection.get_array()
    assert set(codes) == set(CODES)
    assert len(data) == len(codes)
    for code in ("02", "25", "32"):  # Baja California, Sinaloa, Zacatecas
        for k, c in enumerate(codes):
            if c == code:
                assert data[k] == values[code]


def test_a_diverging_map_is_centred_on_zero() -> None:
    fig = state_map({"01": -5.0, "14": 20.0, "19": 3.0}, diverging=True)
    norm = _states_collection(fig).norm
    assert norm.vcenter == 0.0
    assert norm.vmin == -20.0 and norm.vmax == 20.0
    assert norm(0.0) == pytest.approx(0.5)


def test_missing_states_are_grey_not_dropped() -> None:
    fig = state_map({"14": 1.0, "25": 2.0})
    data = _states_collection(fig).get_array()
    codes, _ = state_polygons()
    masked = np.ma.getmaskarray(data)
    assert masked.sum() == sum(c not in ("14", "25") for c in codes)


@pytest.mark.parametrize(("values", "message"), [
    ({"33": 1.0}, "unknown state code"),
    ({"1": 1.0}, "unknown state code"),
    ({"01": "many"}, "expected numbers"),
])
def test_bad_values_are_refused_with_a_clear_message(values: dict, message: str) -> None:
    with pytest.raises(CartelsimError, match=message):
        state_map(values)


def test_the_plotly_map_draws_all_32_and_colours_states_by_code() -> None:
    from plotly.colors import get_colorscale, sample_colorscale

    values = pd.Series({"08": 2935.0, "11": 3974.0, "31": 46.0})
    fig = state_map_plotly(values)
    by_code = {t.name: t for t in fig.data if t.hoverinfo != "skip"}  # not the scale or keys
    assert sorted(by_code) == CODES
    scale = get_colorscale("Viridis")
    assert by_code["11"].fillcolor == sample_colorscale(scale, [1.0])[0]  # the largest
    assert by_code["31"].fillcolor == sample_colorscale(scale, [0.0])[0]  # the smallest
    assert by_code["14"].fillcolor == MISSING_COLOR
    assert "Guanajuato" in by_code["11"].text and "3,974" in by_code["11"].text
    # offline: no geo subplot (plotly.js would fetch a world map from its CDN), no tiles
    assert not any(t.type in ("choropleth", "choroplethmapbox", "choroplethmap") for t in fig.data)
    json.dumps(fig.to_plotly_json(), default=str)


def test_a_diverging_plotly_map_is_centred_on_zero() -> None:
    fig = state_map_plotly({"01": -1.0, "02": 4.0, "03": 0.0}, diverging=True)
    scale = next(t for t in fig.data if t.name == "scale").marker
    assert scale.cmid == 0.0 and scale.cmin == -4.0 and scale.cmax == 4.0
    by_code = {t.name: t.fillcolor for t in fig.data}
    from plotly.colors import get_colorscale, sample_colorscale

    assert by_code["03"] == sample_colorscale(get_colorscale("RdBu_r"), [0.5])[0]


def test_geojson_rings_are_closed_and_counter_clockwise() -> None:
    for feature in to_geojson()["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            ring = np.asarray(polygon[0])
            assert np.array_equal(ring[0], ring[-1])
            x, y = ring[:, 0], ring[:, 1]
            assert np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y) > 0


def test_route_map_draws_every_segment_with_width_growing_with_flow() -> None:
    network = load_network()
    flows = segment_flows(network, least_cost_routes(network), np.ones(len(network.origins)))
    fig = route_map(network, flows)
    lines = fig.axes[0].collections[1]
    assert len(lines.get_segments()) == network.n_edges
    widths = np.asarray(lines.get_linewidths())
    order = np.argsort(flows)
    assert np.all(np.diff(widths[order]) >= 0)
    assert widths[np.argmax(flows)] > widths[np.argmin(flows)]
    with pytest.raises(CartelsimError, match="segment_flow"):
        route_map(network, flows[:-1])
