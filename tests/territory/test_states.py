"""States inside the world step: presence rules, the allocation of conflict deaths to states,
state_homicides, and determinism whatever the batch or chunk."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from cartelsim.errors import CartelsimError
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.params.catalogue import Params
from cartelsim.scenarios.schema import parse_scenario
from cartelsim.system.embedded import mexico_2025
from cartelsim.system.model import System
from cartelsim.territory.kernel import (
    N_TERRITORY,
    TP_DISPERSION,
    TP_RESPONSE,
    territory_scratch,
    territory_week,
)
from cartelsim.territory.results import WEEKS_PER_YEAR
from cartelsim.territory.states import state_index, state_layout
from cartelsim.world.run import run_world

CAMPAIGN = [InterventionSpec(action="remove_leader", kind="killed", succession="contested",
                             start="2026-01-08", every_weeks=8, end="2027-06-01",
                             target={"largest": 3})]
WEEKS = 60


@pytest.fixture(scope="module")
def mexico() -> System:
    return mexico_2025()


def territorial(system: System, engine: str, runs: int, **kwargs):
    return run_world(system, interventions=CAMPAIGN, weeks=WEEKS, runs=runs, engine=engine,
                     seed=5, start="2026-01-01", territory=True, **kwargs)


def test_state_names_and_codes_resolve() -> None:
    layout = state_layout(mexico_2025())
    codes, names = layout.codes, layout.names
    assert state_index("14", codes, names) == codes.index("14")
    assert codes[state_index("Coahuila", codes, names)] == "05"
    assert codes[state_index("Michoacán", codes, names)] == "16"
    assert codes[state_index("Estado de México", codes, names)] == "15"
    assert codes[state_index("Ciudad de Mexico", codes, names)] == "09"
    assert state_index("Atlantis", codes, names) == -1


def test_presence_follows_the_stated_rules(mexico) -> None:
    params = Params.defaults()
    layout = state_layout(mexico, params)
    np.testing.assert_allclose(layout.presence.sum(axis=1), 1.0)
    cjng = mexico.group_ids.index("cjng")
    home = layout.codes.index("14")
    row = layout.presence[cjng]
    others = np.flatnonzero((row > 0) & (np.arange(row.size) != home))
    assert others.size == 17  # other_states_present of CJNG in major_groups.csv
    np.testing.assert_allclose(row[others] / row[home], params["territory_presence_other"])
    for g in np.flatnonzero(mexico.synthetic):  # the tail: its home state only
        assert layout.presence[g, layout.codes.index(mexico.home_states[g])] == 1.0
    ptr, cols = layout.ptr, layout.cols
    for g in range(mexico.n_groups):
        np.testing.assert_array_equal(cols[ptr[g]:ptr[g + 1]], np.flatnonzero(layout.presence[g]))


def test_an_unknown_home_state_spreads_by_population() -> None:
    system = System(name="toy", group_ids=("a", "b"), group_names=("a", "b"),
                    home_states=("Sinaloa", "Nowhere"), rivalry=sp.csr_array((2, 2)),
                    alliance=sp.csr_array((2, 2)))
    layout = state_layout(system)
    np.testing.assert_allclose(layout.presence[1], layout.population_share)
    assert layout.presence[0, layout.codes.index("25")] == 1.0


def allocate(members, deaths, rivalry, presence, ptr, cols) -> np.ndarray:
    """One call of the territory sub-step without routes: deaths per state."""
    n, n_states = presence.shape
    flows = np.zeros((4, n))
    flows[2] = deaths
    ints, floats = np.zeros(0, dtype=np.int64), np.zeros(0)
    out = np.zeros((1, 2, n_states))
    tp = np.zeros(N_TERRITORY)
    tp[TP_DISPERSION] = tp[TP_RESPONSE] = 1.0
    terr = (presence, np.asarray(ptr), np.asarray(cols), tp, ints, ints, ints, floats,
            np.zeros(1, dtype=np.int64), ints, np.ones((1, 0)), out, np.zeros((1, 2, 0, 0)),
            np.zeros((1, 2, 0, 0)), np.zeros((1, 2)), floats, floats, np.zeros((0, 0)),
            np.zeros((0, 0)), np.zeros((0, 0)), np.zeros((1, 0)))
    live = np.arange(n)
    territory_week(0, 1, np.asarray(members, dtype=float), live, n, live,
                   np.zeros(n, dtype=np.bool_), n, rivalry.indptr.astype(np.int64),
                   rivalry.indices.astype(np.int64), rivalry.data.astype(float), 0.0, 0.0,
                   flows, terr,
                   territory_scratch(n, n_states, len(cols), 0, 0, 0, 0))
    return out[0, 1]


def test_deaths_go_where_the_group_meets_its_rivals() -> None:
    """A in states 0 and 1, its rival B in state 1 only: all of A's deaths fall in state 1
    (alone in state 0, A meets nobody there); B's in state 1 too; state 2 gets nothing."""
    presence = np.array([[0.5, 0.5, 0.0], [0.0, 1.0, 0.0]])
    rivalry = sp.csr_array(np.array([[0.0, 3.0], [3.0, 0.0]]))
    out = allocate([100.0, 50.0], [4.0, 3.0], rivalry, presence, [0, 2, 3], [0, 1, 1])
    np.testing.assert_allclose(out, [0.0, 7.0, 0.0])


def test_background_conflict_counts_where_groups_share_a_state() -> None:
    """Without rivalry every pair still meets (the +1 of M_ij): A's deaths split between its
    two states in proportion to p_As x (members of others there)."""
    presence = np.array([[0.5, 0.5], [1.0, 0.0], [0.0, 1.0]])
    out = allocate([100.0, 30.0, 10.0], [4.0, 0.0, 0.0], sp.csr_array((3, 3)), presence,
                   [0, 2, 3, 4], [0, 1, 0, 1])
    np.testing.assert_allclose(out, [4.0 * 30 / 40, 4.0 * 10 / 40])


@pytest.mark.parametrize("engine", ["deterministic", "stochastic"])
@pytest.mark.parametrize("record", ["groups", "totals"])
def test_state_deaths_add_up_to_the_national_deaths(mexico, engine: str, record: str) -> None:
    ds = territorial(mexico, engine, 2, record=record)
    assert int(ds.splits.sum()) > 0  # splinters are placed too
    assert (ds.state_deaths.isel(time=slice(1, None)) >= 0).all()
    np.testing.assert_allclose(ds.state_deaths.sum("state").isel(time=slice(1, None)),
                               ds.total_deaths.isel(time=slice(1, None)), rtol=1e-9)
    params = Params.defaults()
    baseline = params["baseline_homicides"] / WEEKS_PER_YEAR
    np.testing.assert_allclose(ds.state_homicides.sum("state").isel(time=slice(1, None)),
                               ds.homicides.isel(time=slice(1, None)) + baseline, rtol=1e-9)
    assert list(ds.state.values) == [f"{k:02d}" for k in range(1, 33)]
    assert ds.state_homicides.dims == ("run", "time", "state")


@pytest.mark.parametrize("engine", ["deterministic", "stochastic"])
def test_territory_changes_no_other_number(mexico, engine: str) -> None:
    on = territorial(mexico, engine, 2)
    off = run_world(mexico, interventions=CAMPAIGN, weeks=WEEKS, runs=2, engine=engine, seed=5,
                    start="2026-01-01")
    for name in off.data_vars:
        np.testing.assert_array_equal(on[name].values, off[name].values, str(name))


@pytest.mark.parametrize("engine", ["deterministic", "stochastic"])
def test_same_seed_same_states_whatever_the_batch(mexico, engine: str) -> None:
    batch = territorial(mexico, engine, 4)
    chunked = territorial(mexico, engine, 4, chunk=3)
    np.testing.assert_array_equal(batch.state_deaths.values, chunked.state_deaths.values)
    single = run_world(mexico, interventions=CAMPAIGN, weeks=WEEKS, runs=1, engine=engine,
                       seed=5, start="2026-01-01", territory=True, first_run=2)
    np.testing.assert_array_equal(batch.state_deaths.isel(run=2).values,
                                  single.state_deaths.isel(run=0).values)


def test_territory_needs_the_open_world_engine() -> None:
    with pytest.raises(CartelsimError, match="territory runs in the world engine"):
        parse_scenario({"mechanisms": {"territory": True, "fragmentation": "capped"}},
                       "t.toml")
    scenario = parse_scenario({"mechanisms": {"territory": True}}, "t.toml")  # open: default
    assert scenario.mechanisms.territory


def test_an_ensemble_chunk_keeps_the_state_and_crossing_series_of_a_territorial_run(
        mexico) -> None:
    from cartelsim.ensembles.runner import kept_series

    ds = territorial(mexico, "stochastic", 1, record="totals")
    kept = kept_series(ds)
    assert set(kept.dims) == {"run", "time", "state", "crossing", "drug"}
    assert {"total_deaths", "state_homicides", "flow_north", "flow_north_by_drug",
            "seized_north", "us_pressure_state"} <= set(kept.data_vars)
    assert "state_deaths" not in kept and "group" not in kept.dims
    assert list(kept["state_name"].values) == list(ds["state_name"].values)
    np.testing.assert_array_equal(kept["flow_north"].values, ds["flow_north"].values)
