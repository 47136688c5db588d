"""Result.map and Comparison.map: the contract's variables become maps; results without a state
dimension get a one-line error naming what is missing."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
import xarray as xr

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cartelsim.analysis.results import Comparison, Result  # noqa: E402
from cartelsim.errors import CartelsimError  # noqa: E402
from cartelsim.territory.maps import state_polygons  # noqa: E402
from cartelsim.territory.network import load_network  # noqa: E402

CODES = [f"{k:02d}" for k in range(1, 33)]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def territory_result(scale: float = 1.0, runs: int = 4, weeks: int = 8) -> Result:
    """A synthetic result shaped as issue 14's contract: state_homicides, flow_north, members."""
    network = load_network()
    crossings = [network.node_ids[i] for i in network.crossings]
    time = pd.date_range("2026-01-01", periods=weeks, freq="7D")
    homicides = np.zeros((runs, weeks, 32))
    homicides[:, :, CODES.index("12")] = 20.0 * scale  # Guerrero
    flows = np.zeros((runs, weeks, len(crossings)))
    flows[:, :, crossings.index("tijuana")] = 2.0
    by_drug = np.zeros((runs, weeks, 3, len(crossings)))  # fentanyl, meth, cocaine
    by_drug[:, :, 0, crossings.index("nogales")] = 0.5
    by_drug[:, :, 1, crossings.index("tijuana")] = 2.0
    members = np.zeros((runs, weeks, 2))
    members[:, :, 0], members[:, :, 1] = 1000.0, 400.0
    data = xr.Dataset(
        {"state_homicides": (("run", "time", "state"), homicides),
         "flow_north": (("run", "time", "crossing"), flows),
         "flow_north_by_drug": (("run", "time", "drug", "crossing"), by_drug),
         "members": (("run", "time", "group"), members)},
        coords={"run": np.arange(runs), "time": time, "state": CODES, "crossing": crossings,
                "drug": ["fentanyl", "methamphetamine", "cocaine"],
                "group": ["cjng", "syn_001"], "group_name": ("group", ["CJNG", "Local"]),
                "home_state": ("group", ["14", "14"])},
        attrs={"scenario": "synthetic", "system": "mexico2025"})
    return Result(data)


def test_a_result_maps_homicides_with_the_value_in_its_state() -> None:
    fig = territory_result().map("homicides", per="count")
    assert isinstance(fig, Figure)
    states = next(c for c in fig.axes[0].collections if c.get_gid() == "states")
    codes, _ = state_polygons()
    data = states.get_array()
    assert {codes[k] for k in np.flatnonzero(data > 0)} == {"12"}


def test_a_result_maps_control_from_members_and_flows_by_crossing() -> None:
    result = territory_result()
    control = result.map("control")
    legend = [t.get_text() for t in control.axes[0].get_legend().get_texts()]
    assert "CJNG" in legend  # the named group holds Jalisco over the smaller local group
    plotly = result.map("flows", backend="plotly")
    labels = [t for t in plotly.data if t.mode == "markers+text"][0].text
    assert any(label.startswith("Tijuana 2 t") for label in labels)


def test_a_result_maps_one_drug_and_refuses_an_unknown_one() -> None:
    result = territory_result()
    fentanyl = result.map("flows", backend="plotly", drug="fentanyl")
    labels = [t for t in fentanyl.data if t.mode == "markers+text"][0].text
    assert any(label.startswith("Nogales 0.5 t") for label in labels)
    assert any(label.startswith("Tijuana 0 t") for label in labels)
    assert "fentanyl" in fentanyl.layout.title.text
    with pytest.raises(CartelsimError, match="drug = 'heroin': expected one of fentanyl"):
        result.map("flows", drug="heroin")
    with pytest.raises(CartelsimError, match="applies to the \"flows\" map only"):
        result.map("homicides", drug="fentanyl")


def test_a_comparison_maps_the_paired_change() -> None:
    base, policy = territory_result(), territory_result(scale=1.5)
    fig = Comparison(base, policy, pd.DataFrame()).map(per="count", backend="plotly")
    guerrero = next(t for t in fig.data if t.name == "12")
    assert guerrero.text.endswith(": 521.8")  # 10 a week more × 365.25 / 7 weeks a year
    assert next(t for t in fig.data if t.name == "scale").marker.cmid == 0.0


def test_results_without_territory_say_what_is_missing() -> None:
    national = Result(xr.Dataset({"homicides": (("run", "time"), np.ones((2, 3)))},
                                 coords={"time": pd.date_range("2026-01-01", periods=3)}))
    for what in ("homicides", "flows"):
        with pytest.raises(CartelsimError) as info:
            national.map(what)
        assert "not in these results" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(CartelsimError, match="record = \"groups\""):
        national.map("control")
    with pytest.raises(CartelsimError, match="expected one of homicides, control, flows"):
        territory_result().map("rivers")
    with pytest.raises(CartelsimError, match="backend 'bokeh'"):
        territory_result().map(backend="bokeh")
