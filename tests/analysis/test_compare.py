"""paired_differences: a policy minus the status quo, world by world (STYLE.md 5, 8)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cartelsim.analysis.compare import (
    COMPARED,
    FLOW_WINDOW_WEEKS,
    months_to_weeks,
    paired_differences,
)
from cartelsim.engines.simulate import simulate
from cartelsim.errors import CartelsimError
from cartelsim.interventions.plan import InterventionPlan
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.params.catalogue import Params

START = pd.Timestamp("2026-01-01")
WEEKS = 60
COLUMNS = ["variable", "horizon_months", "date", "base", "policy", "difference", "low", "high",
           "relative", "p_lower", "runs"]
LABEL = {label: var for var, label in COMPARED.items()}


@pytest.fixture(scope="module")
def system():
    import cartelsim

    return cartelsim.mexico_2025()


def simulated(system, *specs: InterventionSpec, **kwargs) -> xr.Dataset:
    params = Params.defaults()
    plan = InterventionPlan(system, params, list(specs), START, WEEKS)
    return simulate(system, params, weeks=WEEKS, start=START, plan=plan, **kwargs)


@pytest.fixture(scope="module")
def base(system) -> xr.Dataset:
    return simulated(system)


@pytest.fixture(scope="module")
def less_recruitment(system) -> xr.Dataset:
    return simulated(system, InterventionSpec(action="prevent_recruitment", effect=0.5))


@pytest.fixture(scope="module")
def stochastic_pair(system) -> tuple[xr.Dataset, xr.Dataset]:
    kwargs = {"engine": "stochastic", "runs": 12, "seed": 3}
    return simulated(system, **kwargs), simulated(
        system, InterventionSpec(action="scale_arrests", effect=3.0, start=dt.date(2026, 2, 1)),
        **kwargs)


def row(table: pd.DataFrame, variable: str, months: float) -> pd.Series:
    chosen = table[(table.variable == COMPARED[variable]) & (table.horizon_months == months)]
    assert len(chosen) == 1, (variable, months)
    return chosen.iloc[0]


def test_months_to_weeks() -> None:
    assert months_to_weeks(12) == 52
    assert months_to_weeks(3) == 13
    assert months_to_weeks(36) == 156
    assert months_to_weeks(0.5) == 2


def test_identical_results_differ_by_nothing(base) -> None:
    table = paired_differences(base, base.copy(deep=True), (3, 12))
    assert list(table.columns) == COLUMNS
    assert len(table) == 2 * len(COMPARED)
    assert set(table.variable) == set(COMPARED.values())
    for column in ("difference", "low", "high", "relative", "p_lower"):
        assert (table[column] == 0.0).all(), column
    assert (table.base == table.policy).all()
    assert (table.runs == 1).all()


def test_less_recruitment_means_fewer_members_in_every_world(base, less_recruitment) -> None:
    table = paired_differences(base, less_recruitment, (3, 12))
    members = row(table, "total_members", 12)
    assert members.difference < 0 and members.high < 0
    assert members.p_lower == 1.0
    assert members.date == dt.date(2026, 12, 31)  # 52 weeks after 2026-01-01
    at_52 = base.total_members.values[0, 52]
    assert members.base == at_52
    assert members.policy == less_recruitment.total_members.values[0, 52]
    assert members.difference == pytest.approx(members.policy - members.base, rel=1e-12)
    assert members.relative == pytest.approx(members.difference / at_52, rel=1e-12)
    # the effect grows with time
    assert row(table, "total_members", 12).difference < row(table, "total_members", 3).difference


def test_flows_are_averaged_over_the_four_weeks_ending_at_the_horizon(base,
                                                                     less_recruitment) -> None:
    table = paired_differences(base, less_recruitment, (12,))
    for variable in ("homicides", "total_deaths"):
        got = row(table, variable, 12)
        expected_base = base[variable].values[0, 49:53].mean()
        expected_policy = less_recruitment[variable].values[0, 49:53].mean()
        assert FLOW_WINDOW_WEEKS == 4
        assert got.base == pytest.approx(expected_base, rel=1e-12)
        assert got.policy == pytest.approx(expected_policy, rel=1e-12)
        assert got.difference == pytest.approx(expected_policy - expected_base, rel=1e-9)
        # one week alone would differ: the average is a real average
        assert got.base != pytest.approx(base[variable].values[0, 52], rel=1e-9)
    # stocks are taken at the horizon, not averaged
    assert row(table, "active_groups", 12).base == base.active_groups.values[0, 52]


def test_flow_window_starts_after_the_first_date(base) -> None:
    """Within the first four weeks the window cannot reach the NaN of the first date."""
    table = paired_differences(base, base, (0.5,))  # 2 weeks
    homicides = row(table, "homicides", 0.5)
    assert homicides.base == pytest.approx(base.homicides.values[0, 1:3].mean(), rel=1e-12)


def test_stochastic_pairs_give_an_interval_and_a_share_of_worlds(stochastic_pair) -> None:
    base, policy = stochastic_pair
    table = paired_differences(base, policy, (3, 12), level=0.8)
    step = months_to_weeks(12)
    diff = policy.total_members.values[:, step] - base.total_members.values[:, step]
    members = row(table, "total_members", 12)
    assert members.runs == 12
    assert members.difference == pytest.approx(np.median(diff))
    assert members.low == pytest.approx(np.quantile(diff, 0.1))
    assert members.high == pytest.approx(np.quantile(diff, 0.9))
    assert members.low <= members.difference <= members.high
    assert members.p_lower == np.mean(diff < 0)
    assert members.base == pytest.approx(np.median(base.total_members.values[:, step]))
    # three times the arrests: fewer members in every world
    assert members.p_lower == 1.0


def test_selected_variables_only(base, less_recruitment) -> None:
    table = paired_differences(base, less_recruitment, (3,),
                               variables={"total_recruits": "recruits / week"})
    assert table.variable.tolist() == ["recruits / week"]
    assert table.difference.iloc[0] < 0


def test_mismatched_runs_are_refused(stochastic_pair) -> None:
    base, policy = stochastic_pair
    with pytest.raises(CartelsimError, match="different numbers of runs"):
        paired_differences(base, policy.isel(run=slice(0, 5)), (3,))


def test_mismatched_dates_are_refused(base, less_recruitment) -> None:
    shifted = less_recruitment.assign_coords(time=less_recruitment.time
                                             + np.timedelta64(7, "D"))
    with pytest.raises(CartelsimError, match="different dates"):
        paired_differences(base, shifted, (3,))
    with pytest.raises(CartelsimError, match="different dates"):
        paired_differences(base, less_recruitment.isel(time=slice(0, 40)), (3,))


def test_horizon_beyond_the_results_is_refused(base) -> None:
    with pytest.raises(CartelsimError, match=f"beyond the simulated {WEEKS} weeks"):
        paired_differences(base, base, (3, 14))  # 14 months = 61 weeks > 60
    table = paired_differences(base, base, (WEEKS * 12 / 52,))  # exactly the last date
    assert (table.date == (START + pd.Timedelta(weeks=WEEKS)).date()).all()
