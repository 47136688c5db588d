"""Money binds (issue 14): at the catalogue's defaults groups hold a few months of wages, close
enough to the payroll they need that growth, freezes and lost revenue limit recruitment, so
the finance lever changes results (DESIGN.md §2 L2; EVIDENCE F23, F24, F26).

The equilibrium checked first is the one stated in `mechanisms.finance`:
K* / (w C) = reserve_weeks ((1 - c - bribe_share) market / (w sum C) - 1) weeks of wages.
Policy comparisons are paired (run k of both arms shares its draws); a difference is accepted
when its mean is more than 4 standard errors from zero, so a lever that does nothing fails.
"""

from __future__ import annotations

import numpy as np
import pytest

from cartelsim.api import scenario_of
from cartelsim.scenarios.runner import run_scenario

RUNS = 24
WEEKS = 261  # five years
FINANCE_ACTIONS = ("freeze_assets", "prosecute_corruption")


def settled_weeks_of_wages(params, members: float) -> float:
    """K* / (w C): the reserves money settles at, in weeks of wages (a = 1)."""
    spendable = (1.0 - params["operating_cost_share"] - params["bribe_share"]) \
        * params["drug_market_value"]
    margin = spendable / (params["member_wage"] * members)
    return params["reserve_weeks"] * (margin - 1.0)


@pytest.fixture(scope="module")
def policy():
    return scenario_of("hvt-plus-finance-protection", runs=RUNS, weeks=WEEKS)


@pytest.fixture(scope="module")
def without_finance(policy):
    kept = [i for i in policy.interventions if i.action not in FINANCE_ACTIONS]
    assert len(kept) == len(policy.interventions) - 2
    return policy.derive(name="hvt-money-protection", interventions=kept)


def members_at_end(scenario, **parameters) -> np.ndarray:
    if parameters:
        scenario = scenario.derive(parameters=parameters)
    return run_scenario(scenario)["total_members"].isel(time=-1).values


def paired_z(base: np.ndarray, policy: np.ndarray) -> float:
    """Mean paired difference (policy - base) over its standard error."""
    diff = policy - base
    se = diff.std(ddof=1) / np.sqrt(diff.size)
    return float(diff.mean() / se) if se > 0 else float(np.sign(diff.mean()) * np.inf)


def test_groups_start_with_a_few_months_of_wages_just_above_the_payroll_they_need(
        policy) -> None:
    """Issue 14: groups held 6-20x their payroll, so money never bound. Now they start at
    the settled reserves of the formula: between one and six months of wages, and above
    (not far above) the payroll_weeks that keep recruitment at its full rate."""
    params = policy.params()
    ds = run_scenario(policy.without_interventions().derive(run={"runs": 1},
                                                            horizon={"weeks": 1}))
    members = ds["members"].isel(run=0, time=0).values
    money = ds["money"].isel(run=0, time=0).values
    alive = members > 0
    held = money[alive] / (params["member_wage"] * members[alive])
    expected = settled_weeks_of_wages(params, members.sum())
    np.testing.assert_allclose(held, expected, rtol=1e-9)
    assert 4.0 < expected < 26.0
    assert 1.0 < expected / params["payroll_weeks"] < 3.0


def test_in_the_status_quo_growth_runs_into_the_money(policy) -> None:
    """With money on, members grow until the market cannot pay more: within five years most
    groups hold less than payroll_weeks of wages and the total grows less than without."""
    quo = policy.without_interventions()
    params = quo.params()
    on = run_scenario(quo)
    off = run_scenario(quo.derive(mechanisms={"money": False, "protection": False}))
    end = on.isel(time=-1)
    alive = end["members"].values > 1.0
    payroll = params["payroll_weeks"] * params["member_wage"] * end["members"].values
    short = (end["money"].values < payroll)[alive]
    assert short.mean() > 0.5
    assert paired_z(off["total_members"].isel(time=-1).values,
                    end["total_members"].values) < -4.0


def test_finance_and_protection_on_top_of_hvt_lower_members(policy, without_finance) -> None:
    """The finance lever acts through money: the same HVT campaign with asset freezes and
    anti-corruption prosecution ends with fewer members, run by paired run."""
    base = members_at_end(without_finance)
    full = members_at_end(policy)
    assert paired_z(base, full) < -4.0


def test_a_freeze_alone_lowers_members() -> None:
    quo = scenario_of("status-quo-money-protection", runs=RUNS, weeks=WEEKS)
    freeze = quo.derive(interventions=[{"action": "freeze_assets", "effect": 0.3,
                                        "start": "2026-01-01"}])
    assert paired_z(members_at_end(quo), members_at_end(freeze)) < -4.0


@pytest.mark.parametrize("parameter, low, high", [("freeze_reversal", 0.5, 0.95),
                                                  ("payroll_weeks", 4.0, 16.0)])
def test_finance_settings_change_what_finance_adds(policy, without_finance, parameter, low,
                                                   high) -> None:
    """The brief's C3 swings: finance + protection minus HVT only, with a finance parameter
    at two values, no longer gives the same number twice. Fewer freezes reversed, or more
    weeks of payroll needed, make the freeze bite harder."""
    added = {value: members_at_end(policy, **{parameter: value})
             - members_at_end(without_finance, **{parameter: value}) for value in (low, high)}
    stronger, weaker = (added[low], added[high]) if parameter == "freeze_reversal" \
        else (added[high], added[low])
    assert paired_z(weaker, stronger) < -4.0
