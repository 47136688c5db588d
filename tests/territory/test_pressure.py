"""U.S. pressure that reacts to the flow north, and the Mexican state's choice between
visible and structural answers (territory.pressure)."""

from __future__ import annotations

import numpy as np
import pytest

from cartelsim.interventions.spec import InterventionSpec
from cartelsim.params.catalogue import Params
from cartelsim.system.embedded import mexico_2025

START = "2026-01-01"
CROSSINGS = ("tijuana", "mexicali", "nogales", "ciudad_juarez", "piedras_negras",
             "nuevo_laredo", "reynosa", "matamoros")
EVERYWHERE = [InterventionSpec(action="crossing_crackdown", crossing=c, effect=3.0,
                               start="2026-03-05") for c in CROSSINGS]


@pytest.fixture(scope="module")
def mexico():
    return mexico_2025()


def run(system, params, interventions=(), weeks=60, engine="stochastic"):
    from cartelsim.world.run import run_world

    return run_world(system, params, interventions=list(interventions), weeks=weeks, runs=2,
                     engine=engine, seed=4, start=START, territory=True)


def with_(**values) -> Params:
    return Params.defaults().override(values, origin="test")


def test_at_the_defaults_pressure_does_not_react(mexico) -> None:
    ds = run(mexico, Params.defaults(), weeks=20)
    assert (ds.us_pressure_state == 0).all()
    assert float(ds.hvt_removals.sum()) == 0.0


def test_pressure_follows_the_flow_north_and_raids_ease_it(mexico) -> None:
    params = with_(us_pressure_flow_gain=1.0, us_pressure_response_weeks=10.0)
    calm = run(mexico, params)
    np.testing.assert_allclose(calm.us_pressure_state, 1.0, rtol=1e-9)  # flow at reference
    assert float(calm.hvt_removals.sum()) > 0  # pressure drives captures of visible groups
    raided = run(mexico, params, EVERYWHERE)
    seizure = params["territory_seizure_share"]
    level = (1 - 3 * seizure) / (1 - seizure)  # the flow north relative to the reference
    u = raided.us_pressure_state.isel(run=0).values
    assert (np.diff(u[10:]) < 0).all()  # falls week by week after the raids start
    assert u[-1] == pytest.approx(level + (1 - level) * (1 - 1 / 10) ** (60 - 9), rel=1e-6)


@pytest.mark.parametrize("engine", ["deterministic", "stochastic"])
def test_a_state_that_values_visible_wins_captures_the_other_prevents(mexico,
                                                                      engine: str) -> None:
    pressure = [InterventionSpec(action="us_pressure", effect=2.0, start=START)]
    visible = run(mexico, with_(state_visible_weight=1.0), pressure, engine=engine)
    structural = run(mexico, with_(state_visible_weight=0.0), pressure, engine=engine)
    assert float(visible.hvt_removals.sum()) > 0
    assert float(structural.hvt_removals.sum()) == 0
    assert float(structural.total_recruits.isel(time=slice(1, None)).sum()) < \
        float(visible.total_recruits.isel(time=slice(1, None)).sum())
    # visible arrests: the visible state arrests more
    assert float(visible.total_arrests.isel(time=slice(1, None)).sum()) > \
        float(structural.total_arrests.isel(time=slice(1, None)).sum())


def structural_run(mexico, **values):
    """Two years of u = 2 answered wholly structurally (v = 0), money and protection on."""
    from cartelsim.world.run import run_world

    pressure = [InterventionSpec(action="us_pressure", effect=2.0, start=START)]
    return run_world(mexico, with_(state_visible_weight=0.0, **values), interventions=pressure,
                     weeks=104, runs=2, engine="deterministic", seed=4, start=START,
                     territory=True, money=True, protection=True)


def test_the_structural_answer_freezes_money_and_destroys_protection_by_its_shares(
        mexico) -> None:
    """All of the structural effort on prevention, on finance, or on anti-corruption: each
    channel moves its own quantity (recruits, money seized, protection) and only it."""
    prevent = structural_run(mexico, state_structural_finance=0.0,
                             state_structural_corruption=0.0)
    finance = structural_run(mexico, state_structural_finance=1.0,
                             state_structural_corruption=0.0)
    corrupt = structural_run(mexico, state_structural_finance=0.0,
                             state_structural_corruption=1.0)
    weeks = slice(1, None)

    def recruits(ds):
        return float(ds.total_recruits.isel(time=weeks).sum())

    def seized(ds):
        return float(ds.seizures.isel(time=weeks).sum())

    def protection(ds):
        return float(ds.protection.isel(time=-1).sum())

    assert seized(prevent) == 0.0 and seized(corrupt) == 0.0
    assert seized(finance) > 0.0  # 0.1 x 2 = 20 % of every group's money frozen a year
    assert protection(corrupt) < protection(prevent)
    assert protection(finance) == pytest.approx(protection(prevent), rel=0.05)
    assert recruits(prevent) < recruits(finance) and recruits(prevent) < recruits(corrupt)


def test_structural_shares_that_add_up_to_more_than_all_are_refused(mexico) -> None:
    from cartelsim.errors import CartelsimError

    with pytest.raises(CartelsimError, match="state_structural_finance .* expected at most 1"):
        structural_run(mexico, state_structural_finance=0.7, state_structural_corruption=0.5)
