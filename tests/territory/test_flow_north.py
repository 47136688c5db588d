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
from cartelsim.territory.kernel import origin_supply, state_traffic
from cartelsim.territory.results import drug_supply, territory_vector
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


def test_each_drug_is_conserved_and_the_flow_north_is_their_sum(pair) -> None:
    base, crack = pair
    supply = drug_supply(Params.defaults())  # tonnes a week, market.DRUGS order
    assert list(base.drug.values) == ["fentanyl", "methamphetamine", "cocaine"]
    for ds in (base, crack):
        moved = (ds.flow_north_by_drug + ds.seized_north_by_drug).sum("crossing")
        np.testing.assert_allclose(moved.isel(time=slice(1, None)).transpose(..., "drug"),
                                   np.broadcast_to(supply, (1, WEEKS, 3)), rtol=1e-9)
        np.testing.assert_allclose(ds.flow_north_by_drug.sum("drug", skipna=False), ds.flow_north,
                                   rtol=1e-12)
    # the crackdown diverts each drug: less of every one at the crossing
    during = slice("2026-03-06", "2026-08-01")
    change = (crack.flow_north_by_drug - base.flow_north_by_drug).sel(
        time=during, crossing="nuevo_laredo")
    assert (change < 0).all()


def test_a_drug_leaves_only_from_the_origins_that_send_it() -> None:
    in_state = np.array([10.0, 0.0, 30.0])  # members present in three states
    origin_state = np.array([0, 1, 2])
    sends = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]])  # drug x origin
    supply, tonnes = np.zeros((2, 3)), np.zeros(3)
    origin_supply(in_state, np.array([5.0, 8.0]), sends, origin_state, supply, tonnes)
    np.testing.assert_array_equal(supply, [[5.0, 0.0, 0.0], [0.0, 0.0, 8.0]])
    np.testing.assert_array_equal(tonnes, [5.0, 0.0, 8.0])
    origin_supply(np.zeros(3), np.array([5.0, 8.0]), sends, origin_state, supply, tonnes)
    np.testing.assert_array_equal(supply, [[2.5, 2.5, 0.0], [0.0, 4.0, 4.0]])  # no one: equal


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
    lineage = base.members.isel(run=0, time=0).values[:mexico.n_groups]
    factor = np.ones(routes.n_crossings)
    factor[routes.crossing_ids.index("nuevo_laredo")] = 3.0
    args = (lineage, layout.presence, territory_vector(params), routes, drug_supply(params))
    traffic = state_traffic(*args, factor) - state_traffic(*args, np.ones(routes.n_crossings))
    gained = traffic > 1e-9
    assert gained.any()
    assert float(moved[gained].sum()) > 0.0  # the states on the new routes gain deaths
    assert float(moved[~gained].sum()) < 0.0  # at the expense of the others
    most = layout.codes[int(np.argmax(traffic))]  # the state the most traffic moves to
    assert float(moved.sel(state=most)) > 0.0


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
