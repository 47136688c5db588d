"""Maps from results (the issue-14 contract): values land in their state, units in the legend,
change maps centred on 0 and hatched where the interval holds 0, control and flow maps."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
import xarray as xr

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from cartelsim.errors import CartelsimError  # noqa: E402
from cartelsim.system.embedded import mexico_2025, states_table  # noqa: E402
from cartelsim.territory import maps, maps_web  # noqa: E402
from cartelsim.territory.mapdata import (  # noqa: E402
    annual_homicides,
    dominant_groups,
    embedded_presence,
    paired_change,
    segments_from_crossings,
)
from cartelsim.territory.maps import state_polygons  # noqa: E402
from cartelsim.territory.network import load_network  # noqa: E402
from cartelsim.territory.observed import (  # noqa: E402
    observed_rate,
    read_state_year,
    sesnsp_state_year,
)

CODES = [f"{k:02d}" for k in range(1, 33)]
SHARED = "../shared/data/observed/sesnsp_state_month.csv"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def weekly(values: dict[str, float], runs: int = 3, weeks: int = 10) -> xr.DataArray:
    """state_homicides (run, time, state): `values` people per week in every run and week."""
    data = np.zeros((runs, weeks, 32))
    for code, value in values.items():
        data[:, :, CODES.index(code)] = value
    return xr.DataArray(data, dims=("run", "time", "state"), coords={"state": CODES})


def collection(fig, gid: str):
    return next(c for ax in fig.axes for c in ax.collections if c.get_gid() == gid)


def test_a_count_lands_in_its_state_per_year() -> None:
    fig = maps.homicide_map(weekly({"25": 7.0}), per="count")
    codes, _ = state_polygons()
    data = collection(fig, "states").get_array()
    for k, code in enumerate(codes):
        assert data[k] == pytest.approx(7.0 * 365.25 / 7 if code == "25" else 0.0)
    assert fig.axes[-1].get_ylabel() == "homicides per year"  # the colour bar's unit


def test_a_rate_divides_by_the_census_population() -> None:
    population = states_table()["population"]
    rate = annual_homicides(weekly({"14": 10.0}), per="rate").median("run")
    expected = 1e5 * 10.0 * 365.25 / 7 / population["14"]
    assert float(rate.sel(state="14")) == pytest.approx(expected)
    assert float(rate.sel(state="01")) == 0.0


def test_only_the_last_weeks_count() -> None:
    data = weekly({"02": 1.0}, weeks=20)
    data[:, -4:, CODES.index("02")] = 5.0
    assert float(annual_homicides(data, "count", weeks=4).sel(state="02").median()) == \
        pytest.approx(5.0 * 365.25 / 7)


def test_results_without_a_state_dimension_get_a_one_line_error() -> None:
    national = xr.DataArray(np.ones((2, 5)), dims=("run", "time"))
    with pytest.raises(CartelsimError, match="no 'state' dimension") as info:
        maps.homicide_map(national)
    assert "\n" not in str(info.value)


def test_negative_homicides_are_refused() -> None:
    with pytest.raises(CartelsimError, match="finite and >= 0"):
        maps.homicide_map(weekly({"01": -1.0}))


def test_change_is_paired_by_run_and_hatched_where_the_interval_holds_zero() -> None:
    runs = 20
    base = weekly({"08": 10.0, "16": 10.0}, runs=runs)
    policy = base.copy()
    policy[:, :, CODES.index("08")] += 2.0  # every run higher: the interval excludes 0
    policy[:, :, CODES.index("16")] += np.linspace(-1, 1, runs)[:, None]  # straddles 0
    change = paired_change(annual_homicides(base, "count"), annual_homicides(policy, "count"))
    assert not change.loc["08", "includes_zero"] and change.loc["16", "includes_zero"]
    assert change.loc["08", "median"] == pytest.approx(2.0 * 365.25 / 7)
    fig = maps.change_map(base, policy, per="count")
    assert collection(fig, "states").norm(0.0) == pytest.approx(0.5)
    hatched = collection(fig, "hatched")
    codes, _ = state_polygons()
    assert len(hatched.get_paths()) == sum(1 for c in codes if change.loc[c, "includes_zero"])
    legend = " ".join(t.get_text() for t in fig.axes[0].get_legend().get_texts())
    assert "90 % interval includes 0" in legend


def test_the_strongest_group_holds_a_state_and_a_close_second_contests_it() -> None:
    presence = xr.DataArray([[10.0, 10.0, 0.0], [4.0, 9.0, 0.0]], dims=("group", "state"),
                            coords={"group": ["a", "b"], "state": ["01", "02", "03"]})
    control = dominant_groups(presence, {"a": "Group A"}, contested_ratio=0.5)
    assert control.loc["01", "group"] == "a" and not control.loc["01", "contested"]
    assert control.loc["02", "name"] == "Group A" and control.loc["02", "contested"]
    assert "03" not in control.index  # nobody present: grey, not someone's
    with pytest.raises(CartelsimError, match="no group has members in any state"):
        dominant_groups(presence * 0.0)


def test_control_map_colours_each_state_by_its_group_and_lists_the_groups() -> None:
    system = mexico_2025()
    presence = embedded_presence(system)
    assert presence.sum() == pytest.approx(system.size_hint.sum())  # members are spread, not made
    names = dict(zip(system.group_ids, system.group_names, strict=True))
    fig = maps.control_map(presence, names)
    control = dominant_groups(presence, names)
    faces = collection(fig, "states").get_facecolors()
    codes, _ = state_polygons()
    jalisco = [k for k, c in enumerate(codes) if c == "14"]
    assert control.loc["14", "group"] == "cjng"
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert names["cjng"] in legend
    colours = {tuple(faces[k]) for k in jalisco}
    assert len(colours) == 1  # every polygon of Jalisco has the group's one colour


def test_flows_by_crossing_become_segment_widths_that_conserve_tonnes_at_each_crossing() -> None:
    network = load_network()
    ids = [network.node_ids[i] for i in network.crossings]
    tonnes = np.zeros(len(ids))
    tonnes[ids.index("nogales")] = 3.0
    on_edge = segments_from_crossings(network, tonnes)
    nogales = network.crossings[ids.index("nogales")]
    assert on_edge[network.edges_at(nogales)].sum() == pytest.approx(3.0)
    for k, node in enumerate(network.crossings):
        if k != ids.index("nogales"):
            assert on_edge[network.edges_at(node)].sum() == pytest.approx(0.0, abs=1e-12)
    flow = xr.DataArray(np.broadcast_to(tonnes, (2, 5, len(ids))).copy(),
                        dims=("run", "time", "crossing"), coords={"crossing": ids})
    fig = maps.flow_map(flow, network)
    widths = collection(fig, "segments").get_linewidths()
    assert widths.max() > widths.min()
    labels = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "3 t/week" in labels


def test_unknown_crossings_are_named() -> None:
    flow = xr.DataArray(np.ones((1, 2, 1)), dims=("run", "time", "crossing"),
                        coords={"crossing": ["el_paso"]})
    with pytest.raises(CartelsimError, match="unknown crossing.*el_paso"):
        maps.flow_map(flow)


def test_plotly_maps_have_one_trace_per_state_and_a_legend() -> None:
    base = weekly({"08": 10.0}, runs=5)
    policy = base.copy()
    policy[:, :, CODES.index("08")] += np.linspace(-1, 1, 5)[:, None]
    fig = maps_web.change_map(base, policy, per="count")
    states = [t for t in fig.data if t.name in CODES]
    assert len(states) == 32
    hatched = {t.name for t in states if t.fillpattern is not None and t.fillpattern.shape}
    assert hatched == set(CODES)  # every state straddles 0 here
    scale = next(t for t in fig.data if t.name == "scale")
    assert scale.marker.cmid == 0.0
    system = mexico_2025()
    control = maps_web.control_map(embedded_presence(system))
    assert sum(t.name in CODES for t in control.data) == 32
    assert any(t.showlegend and t.name == "cjng" for t in control.data)


def test_observed_rates_come_from_complete_state_years() -> None:
    table = read_state_year()
    assert len(table) == 32 * 4 and set(table["year"]) == {2015, 2016, 2017, 2018}
    rate = observed_rate((2018,))
    assert rate.idxmax() == "06"  # Colima, highest SESNSP rate in 2018
    assert "20" in observed_rate((2017,)).index and "20" not in observed_rate((2015,)).index
    with pytest.raises(CartelsimError, match="2019"):
        observed_rate((2019,))


def test_the_packaged_year_table_is_the_sum_of_the_shared_monthly_file() -> None:
    rebuilt = sesnsp_state_year(SHARED)
    pd.testing.assert_frame_equal(rebuilt.reset_index(drop=True),
                                  read_state_year().reset_index(drop=True), check_dtype=False)


def test_home_states_given_by_name_are_placed_as_bacrim_writes_them() -> None:
    from cartelsim.territory.mapdata import spread_over_states

    spread = spread_over_states(["a", "b", "c", "d"], ["Michoacán", "16", "México", "Atlantis"])
    assert spread.sel(group="a", state="16") == 1.0 and spread.sel(group="b", state="16") == 1.0
    assert spread.sel(group="c", state="15") == 1.0  # INEGI's name for Estado de México
    assert float(spread.sel(group="d").sum()) == 0.0  # unknown: placed nowhere, not guessed


def test_maps_and_the_record_convert_weeks_to_years_alike() -> None:
    from cartelsim.record.observation import WEEKS_PER_YEAR as RECORD
    from cartelsim.territory.mapdata import WEEKS_PER_YEAR

    assert WEEKS_PER_YEAR == RECORD
