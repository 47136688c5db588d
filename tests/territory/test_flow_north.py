"""Routes and the flow north inside the world step: tonnes are conserved, a crackdown on one
crossing diverts flow to the others (F7, F17) and moves violence to the states the diverted
traffic crosses (F7, F8); the example scenario does the same."""

from __future__ import annotations

import numpy as np
import pytest

from cartelsim.interventions.spec import InterventionSpec
from cartelsim.params.catalogue import Params
from cartelsim.scenarios.examples import example_path
from cartelsim.scenarios.schema import load_scenario
from cartelsim.system.embedded import mexico_2025
from cartelsim.territory.corridors import route_table
from cartelsim.territory.kernel import route_traffic
from cartelsim.territory.results import territory_vector
from cartelsim.territory.states import state_layout
from cartelsim.world.run import run_world, run_world_scenario

WEEKS = 40
START, CRACK, STOP = "2026-01-01", "2026-03-05", "2026-08-06"
CRACKDOWN = [InterventionSpec(action="crossing_crackdown", crossing="nuevo_laredo",
                              effect=3.0, start=CRACK, end=STOP)]


@pytest.fixture(scope="module")
def mexico():
    return mexico_2025()


@pytest.fixture(scope="module")
def pair(mexico):
    """Status quo and crackdown, deterministic (L1 is the same in both)."""
    kwargs = dict(weeks=WEEKS, runs=1, engine="deterministic", seed=3, start=START,
                  territory=True)
    return run_world(mexico, **kwargs), run_world(mexico, interventions=CRACKDOWN, **kwargs)


def test_tonnes_are_conserved_each_week(pair) -> None:
    base, _ = pair
    supply = territory_vector(Params.defaults())[0]
    moved = (base.flow_north + base.seized_north).sum("crossing").isel(time=slice(1, None))
    np.testing.assert_allclose(moved, supply, rtol=1e-9)
    share = base.seized_north.sum("crossing") / (base.flow_north + base.seized_north).sum(
        "crossing")
    np.testing.assert_allclose(share.isel(time=slice(1, None)),
                               Params.defaults()["territory_seizure_share"], rtol=1e-9)
    assert list(base.crossing.values)[0] == "tijuana" and base.flow_north.sizes["crossing"] == 8


def test_a_crackdown_diverts_flow_to_every_other_crossing(pair) -> None:
    base, crack = pair
    during = slice("2026-03-06", "2026-08-01")  # weeks ending after the start
    before = base.flow_north.sel(time=slice("2026-01-08", "2026-03-01"))
    np.testing.assert_array_equal(
        before.values, crack.flow_north.sel(time=slice("2026-01-08", "2026-03-01")).values)
    change = (crack.flow_north - base.flow_north).sel(time=during).isel(run=0)
    hit = change.sel(crossing="nuevo_laredo")
    assert (hit < 0).all()
    others = change.drop_sel(crossing="nuevo_laredo")
    assert (others > 0).all()
    seized_share = (crack.seized_north / (crack.flow_north + crack.seized_north)).sel(
        time=during, crossing="nuevo_laredo")
    np.testing.assert_allclose(seized_share, 3 * Params.defaults()["territory_seizure_share"])
    assert float(crack.crackdown_factor.sel(crossing="nuevo_laredo",
                                            time="2026-05-07")) == 3.0


def test_violence_moves_to_the_states_the_diverted_traffic_crosses(pair, mexico) -> None:
    base, crack = pair
    np.testing.assert_array_equal(base.total_deaths.values, crack.total_deaths.values)
    during = slice("2026-03-06", "2026-08-01")  # weeks ending after the start
    moved = (crack.state_deaths - base.state_deaths).sel(time=during).sum("time").isel(run=0)
    assert abs(float(moved.sum())) < 1e-9 * float(base.state_deaths.sel(time=during).sum())
    # where the traffic goes: the kernel's routing on the states' members at the start
    params = Params.defaults()
    layout = state_layout(mexico, params)
    routes = route_table(params, layout.codes)
    in_state = base.members.isel(run=0, time=0).values[:mexico.n_groups] @ layout.presence
    factor = np.ones(routes.n_crossings)
    factor[routes.crossing_ids.index("nuevo_laredo")] = 3.0
    traffic = np.zeros(layout.n_states)
    per_origin = np.zeros((3, routes.origin_state.size))
    flow = np.zeros(routes.cand_km.size)
    args = (in_state, territory_vector(params), routes.origin_state, routes.cand_origin,
            routes.cand_crossing, routes.cand_km, routes.state_ptr, routes.state_idx)
    for sign, factors in ((1.0, factor), (-1.0, np.ones(routes.n_crossings))):
        route_traffic(*args, factors, per_origin, flow, sign, traffic, np.zeros(0),
                      np.zeros(flow.size), np.full(routes.n_crossings, -1.0))
    gained = traffic > 1e-9
    assert gained.any()
    assert float(moved[gained].sum()) > 0.0  # the states on the new routes gain deaths
    assert float(moved[~gained].sum()) < 0.0  # at the expense of the others
    sonora = layout.codes.index("26")  # Nogales route: Sonora gains
    assert gained[sonora] and float(moved.sel(state="26")) > 0.0


def test_a_crackdown_changes_no_rate_of_the_group_model(mexico) -> None:
    """Crackdowns act on routes only: in a week whose rates are rebuilt (a lasting action
    that changes nothing keeps the week from being calm), members and deaths are those
    without the crackdown."""
    inert = [InterventionSpec(action="prevent_recruitment", effect=0.0, start=START)]
    kwargs = dict(weeks=20, runs=1, engine="deterministic", seed=3, start=START,
                  territory=True)
    base = run_world(mexico, interventions=inert, **kwargs)
    crack = run_world(mexico, interventions=inert + CRACKDOWN, **kwargs)
    np.testing.assert_array_equal(base.total_deaths.values, crack.total_deaths.values)
    np.testing.assert_array_equal(base.members.values, crack.members.values)


def test_the_example_scenario_diverts_flow(monkeypatch) -> None:
    scenario = load_scenario(example_path("crossing-crackdown"))
    assert scenario.mechanisms.territory
    small = scenario.derive(run={"runs": 2}, horizon={"weeks": 60})
    crack = run_world_scenario(small)
    calm = run_world_scenario(small.derive(interventions=[]))
    during = slice("2026-08-01", "2027-02-01")
    change = (crack.flow_north - calm.flow_north).sel(time=during).mean(["run", "time"])
    assert float(change.sel(crossing="nuevo_laredo")) < 0
    assert (change.drop_sel(crossing="nuevo_laredo") > 0).all()
    assert crack.state_homicides.dims == ("run", "time", "state")
