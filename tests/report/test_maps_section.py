"""The brief's maps section: observed homicides and control always, the contract's maps when
the results carry them, notes saying what is not drawn, and the outlines' attribution."""

from __future__ import annotations

import base64
from types import SimpleNamespace

import numpy as np
import pytest
import xarray as xr
from jinja2 import Environment, PackageLoader, StrictUndefined

from cartelsim.report.maps import ATTRIBUTION, section
from cartelsim.system.embedded import mexico_2025
from cartelsim.territory.network import load_network

CODES = [f"{k:02d}" for k in range(1, 33)]
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def system():
    return mexico_2025()


def territory(scale: float) -> xr.Dataset:
    network = load_network()
    crossings = [network.node_ids[i] for i in network.crossings]
    rng = np.random.default_rng(3)
    return xr.Dataset({
        "state_homicides": (("run", "time", "state"), scale * rng.gamma(2, 5, (4, 6, 32))),
        "flow_north": (("run", "time", "crossing"), rng.gamma(2, 1, (4, 6, len(crossings))))},
        coords={"state": CODES, "crossing": crossings})


def render(maps) -> str:
    environment = Environment(loader=PackageLoader("cartelsim.report", "templates"),
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return environment.get_template("maps.html.j2").render(brief=SimpleNamespace(maps=maps))


def test_without_territory_results_it_draws_the_observed_and_control_maps_and_says_why_not(
        system) -> None:
    maps = section(system, xr.Dataset({"homicides": (("run", "time"), np.ones((2, 3)))}))
    assert len(maps.figures) == 2
    assert all(base64.b64decode(f.png_base64).startswith(PNG) for f in maps.figures)
    assert "SESNSP" in maps.figures[0].caption and "contested" in maps.figures[1].caption
    assert any("no state dimension" in n for n in maps.notes)
    assert any("no crossing dimension" in n for n in maps.notes)
    html = render(maps)
    assert html.count("data:image/png;base64,") == 2 and ATTRIBUTION.split(":")[0] in html


def test_with_the_contract_it_adds_homicides_change_and_flows(system) -> None:
    maps = section(system, territory(1.0), territory(1.2))
    captions = [f.caption for f in maps.figures]
    assert len(captions) == 5
    assert any(c.startswith("Policy minus status quo") and "hatched" in c for c in captions)
    assert any("tonnes per week north by crossing" in c for c in captions)
    assert maps.notes == [ATTRIBUTION]
