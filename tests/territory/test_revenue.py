"""Drug revenue from the tonnes moved north: it adds up to flow x price, it goes to the
groups present where the routes start, and interdiction reaches money (and, where money
binds, members) through it."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from cartelsim.interventions.spec import InterventionSpec
from cartelsim.params.catalogue import Params
from cartelsim.system.embedded import mexico_2025
from cartelsim.territory.kernel import territory_income, territory_scratch
from cartelsim.territory.results import TerritoryInputs, kernel_arrays
from cartelsim.world.run import run_world

START = "2026-01-01"
CROSSINGS = ("tijuana", "mexicali", "nogales", "ciudad_juarez", "piedras_negras",
             "nuevo_laredo", "reynosa", "matamoros")
EVERYWHERE = [InterventionSpec(action="crossing_crackdown", crossing=c, effect=4.0,
                               start="2026-03-05") for c in CROSSINGS]


@pytest.fixture(scope="module")
def mexico():
    return mexico_2025()


def income(system, params, weeks: int, interventions=()) -> tuple[np.ndarray, TerritoryInputs]:
    out, inputs, _ = routed_income(system, params, weeks, interventions)
    return out, inputs


def routed_income(system, params, weeks: int, interventions=()):
    """(income, inputs, tonnes routed on each candidate route in the week)."""
    inputs = TerritoryInputs.make(system, params, list(interventions), pd.Timestamp(START),
                                  weeks, "test")
    empty = np.zeros((1, 2, 0, 0))
    terr = kernel_arrays(inputs, SimpleNamespace(state_deaths=np.zeros((1, 2, 0)),
                                                 drug_north=empty, drug_seized=empty,
                                                 us_pressure_state=np.zeros((1, 2))))
    n = system.n_groups
    members = system.size_hint.copy()
    live = np.arange(n)
    routes = inputs.routes
    scratch = territory_scratch(n, inputs.states.n_states, inputs.states.cols.size,
                                routes.origin_state.size, routes.cand_km.size,
                                routes.n_crossings, inputs.supply.size)
    out = np.zeros(n)
    territory_income(weeks - 1, members, live, n, live, np.zeros(n, dtype=np.bool_), n, terr,
                     scratch, out)
    return out, inputs, scratch[6].copy()


def test_revenue_is_the_tonnes_that_cross_times_the_price(mexico) -> None:
    params = Params.defaults()
    got, inputs = income(mexico, params, 4)
    seizure = params["territory_seizure_share"]
    # each drug's tonnes past the crossings x its own price, US$ million
    expected = float(inputs.supply @ inputs.prices) * (1 - seizure) / 1000.0
    assert got.sum() == pytest.approx(expected, rel=1e-9)
    senders = inputs.routes.origin_drugs.any(axis=0)  # origins that send a drug
    origins = inputs.routes.origin_state[senders]
    outside = inputs.states.presence[:, origins].sum(axis=1) == 0
    assert outside.any() and (got[outside] == 0).all()  # no production or port: no drugs
    assert (got[~outside] > 0).all()


def test_a_crackdown_everywhere_cuts_revenue_by_the_extra_seizures(mexico) -> None:
    params = Params.defaults()
    before, _ = income(mexico, params, 4)
    after, _ = income(mexico, params, 20, EVERYWHERE)
    seizure = params["territory_seizure_share"]
    assert after.sum() == pytest.approx(before.sum() * (1 - 4 * seizure) / (1 - seizure))


def test_interdiction_reaches_money_and_where_money_binds_members(mexico) -> None:
    kwargs = dict(weeks=104, runs=1, engine="deterministic", seed=1, start=START,
                  territory=True, money=True)
    base = run_world(mexico, **kwargs)
    crack = run_world(mexico, interventions=EVERYWHERE, **kwargs)
    end = dict(run=0, time=-1)
    assert float(crack.money.sel(group="cds_chapitos").isel(**end)) < \
        float(base.money.sel(group="cds_chapitos").isel(**end))
    # wages and payroll cover at the tops of their catalogue ranges: money binds
    tight = Params.defaults().override({"member_wage": 7.5e-4, "payroll_weeks": 26.0},
                                       origin="test")
    base = run_world(mexico, tight, **kwargs)
    crack = run_world(mexico, tight, interventions=EVERYWHERE, **kwargs)
    assert float(crack.total_members.isel(**end)) < float(base.total_members.isel(**end))


@pytest.mark.parametrize("engine", ["deterministic", "stochastic"])
def test_money_and_routes_give_the_same_numbers_whatever_the_batch(mexico, engine) -> None:
    crackdown = [InterventionSpec(action="crossing_crackdown", crossing="nogales", effect=2.0,
                                  start="2026-02-05", end="2026-05-07"),
                 InterventionSpec(action="remove_leader", kind="killed",
                                  succession="contested", start="2026-01-08", every_weeks=6,
                                  end="2026-08-01", target={"largest": 3})]
    kwargs = dict(interventions=crackdown, weeks=40, engine=engine, seed=9, start=START,
                  territory=True, money=True)
    batch = run_world(mexico, runs=3, chunk=2, **kwargs)
    single = run_world(mexico, runs=1, first_run=2, **kwargs)
    for name in ("flow_north", "state_deaths", "money", "us_pressure_state"):
        np.testing.assert_array_equal(batch[name].isel(run=2).values[..., :single[name].shape[-1]]
                                      if name == "money" else batch[name].isel(run=2).values,
                                      single[name].isel(run=0).values, name)


def test_a_crossing_crackdown_cuts_the_revenue_of_the_groups_whose_routes_use_it(
        mexico) -> None:
    """A crackdown at Nogales seizes more of the loads that cross there and diverts the rest:
    the groups present in an origin state that sends a real share (over 10 %) of its drugs
    through Nogales lose revenue; the others lose less than a tenth as much, none gains.
    With the U.S. side off (territory_us_km_weight = 0) routes differ sharply by origin,
    which is what this checks; the U.S. side spreads every origin over every crossing."""
    params = Params.defaults().override({"territory_us_km_weight": 0.0}, "test")
    nogales = [InterventionSpec(action="crossing_crackdown", crossing="nogales", effect=4.0,
                                start="2026-03-05")]
    before, inputs, flow = routed_income(mexico, params, 20)
    after, _, _ = routed_income(mexico, params, 20, nogales)
    routes, n_states = inputs.routes, inputs.states.n_states
    state = routes.origin_state[routes.cand_origin]
    at = routes.cand_crossing == routes.crossing_ids.index("nogales")
    through = np.bincount(state, weights=flow * at, minlength=n_states)
    total = np.bincount(state, weights=flow, minlength=n_states)
    uses = through > 0.1 * total
    exposed = inputs.states.presence[:, uses].sum(axis=1) > 0
    earning = before > 0
    loss = np.zeros_like(before)
    loss[earning] = 1.0 - after[earning] / before[earning]
    assert (exposed & earning).any() and (~exposed & earning).any()
    assert (loss >= -1e-12).all() and after.sum() < before.sum()
    assert loss[exposed & earning].min() > 10 * loss[~exposed & earning].max() > 0
