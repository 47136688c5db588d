"""Interventions in real simulations: exact where the model allows it, paired by construction.

Conventions checked here: row t of a result holds members at week t and the flows of the
week ending at t, so an action starting at week W first shows in row W + 1; a sweep at week
W removes members at the start of the week W -> W + 1 and counts them as that week's arrests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cartelsim.engines import simulate as simulate_module
from cartelsim.engines.simulate import simulate
from cartelsim.interventions.plan import InterventionPlan
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.scenarios.runner import run_scenario
from cartelsim.scenarios.schema import parse_scenario

from .conftest import START

WEEKS = 20
W = 8  # the week most interventions here start
E = 14  # and stop
FLOWS = ("recruits", "arrests", "deaths", "exits")
CJNG = 0


def at(n: int):
    return (START + pd.Timedelta(weeks=n)).date()


def spec(action: str, effect: float, **kwargs) -> InterventionSpec:
    return InterventionSpec(action=action, effect=effect, **kwargs)


def run(system, params, *specs: InterventionSpec, weeks: int = WEEKS, **kwargs) -> xr.Dataset:
    plan = InterventionPlan(system, params, list(specs), START, weeks)
    return simulate(system, params, weeks=weeks, start=START, plan=plan, **kwargs)


def assert_same(a: xr.Dataset, b: xr.Dataset, rows: slice = slice(None),
                variables: list[str] | None = None) -> None:
    """Variables equal (==, NaN where NaN) over the given time rows; by default all of them,
    and both results must have the same ones."""
    if variables is None:
        assert set(a.data_vars) == set(b.data_vars)
        variables = list(a.data_vars)
    for var in variables:
        x, y = a[var], b[var]
        if "time" in x.dims:
            x, y = x.isel(time=rows), y.isel(time=rows)
        np.testing.assert_array_equal(x.values, y.values, err_msg=str(var))


def assert_bookkeeping(ds: xr.Dataset, exact: bool) -> None:
    """members[t] - members[t-1] == recruits - arrests - deaths - exits, every group and week."""
    members = ds.members.values
    change = np.diff(members, axis=1)
    net = (ds.recruits - ds.arrests - ds.deaths - ds.exits).values[:, 1:]
    if exact:
        np.testing.assert_array_equal(change, net)
    else:
        scale = np.maximum(members[:, 1:], 1.0)
        assert np.max(np.abs(change - net) / scale) < 1e-9
    np.testing.assert_allclose(ds.total_members.values, members.sum(axis=2), rtol=1e-12)
    for flow in FLOWS:
        np.testing.assert_allclose(ds[f"total_{flow}"].values[:, 1:],
                                   ds[flow].values[:, 1:].sum(axis=2), rtol=1e-12)


@pytest.fixture(scope="module")
def base(mexico, params) -> xr.Dataset:
    """The deterministic status quo on Mexico 2025 (one run, 20 weeks)."""
    return run(mexico, params)


# --------------------------------------------------------------------------- no intervention


def test_no_interventions_is_the_published_model_bit_for_bit(bacrim_system, params) -> None:
    start = pd.Timestamp("2012-01-01")
    published = simulate(bacrim_system, params, weeks=520, start=start)
    empty = InterventionPlan(bacrim_system, params, [], start, 520)
    assert empty.change_weeks(520) == []
    assert_same(published, simulate(bacrim_system, params, weeks=520, start=start, plan=empty))


def test_no_interventions_stochastic_is_the_published_model_bit_for_bit(bacrim_system,
                                                                       params) -> None:
    start = pd.Timestamp("2012-01-01")
    kwargs = {"weeks": 52, "start": start, "engine": "stochastic", "runs": 3, "seed": 11}
    empty = InterventionPlan(bacrim_system, params, [], start, 52)
    assert_same(simulate(bacrim_system, params, **kwargs),
                simulate(bacrim_system, params, plan=empty, **kwargs))


# --------------------------------------------------------------------------- paired worlds

POLICIES = {
    "prevent_recruitment": spec("prevent_recruitment", 0.5, start=at(W),
                                target={"groups": ["cjng"]}),
    "scale_arrests": spec("scale_arrests", 2.0, start=at(W)),
    "focus_arrests": spec("focus_arrests", 3.0, start=at(W), target={"largest": 3}),
    "scale_conflict": spec("scale_conflict", 0.5, start=at(W), target={"rivals_of": "cjng"}),
    "arrest_sweep": spec("arrest_sweep", 0.2, start=at(W), target={"groups": ["cjng"]}),
}


@pytest.mark.parametrize("engine", ["deterministic", "stochastic"])
@pytest.mark.parametrize("name", list(POLICIES))
def test_policy_and_status_quo_agree_until_the_policy_starts(mexico, params, engine: str,
                                                             name: str) -> None:
    kwargs = {"engine": engine, "runs": 1 if engine == "deterministic" else 4, "seed": 21}
    status_quo = run(mexico, params, **kwargs)
    policy = run(mexico, params, POLICIES[name], **kwargs)
    assert_same(status_quo, policy, rows=slice(0, W + 1))  # common random numbers
    for var in ("members", *FLOWS):
        before = status_quo[var].values[:, W + 1]
        after = policy[var].values[:, W + 1]
        if not np.array_equal(before, after):
            break
    else:
        pytest.fail(f"{name} changed nothing in the week after it started")
    assert not np.array_equal(status_quo.members.values[:, -1], policy.members.values[:, -1])


# --------------------------------------------------------------------------- prevent_recruitment


@pytest.mark.parametrize("engine", ["deterministic", "stochastic"])
def test_recruitment_fully_prevented_is_zero_recruits_from_the_start_week(mexico, params,
                                                                        engine: str) -> None:
    ds = run(mexico, params, spec("prevent_recruitment", 1.0, start=at(W), end=at(E),
                                  target={"groups": ["cjng"]}),
             engine=engine, runs=3, seed=4)
    recruits = ds.recruits.values[:, :, CJNG]
    assert (recruits[:, W + 1:E + 1] == 0.0).all()
    assert (recruits[:, 1:W + 1] > 0).all()  # before: recruits as usual
    assert (recruits[:, E + 1:] > 0).all()  # after the end: recruits again
    others = np.delete(ds.recruits.values[:, W + 1:E + 1], CJNG, axis=2)
    assert others.sum() > 0


def test_half_prevention_halves_the_instantaneous_recruitment_rate(mexico, params,
                                                                   base) -> None:
    ds = run(mexico, params, spec("prevent_recruitment", 0.5, start=at(W),
                                  target={"groups": ["cjng"]}))
    rho = params["recruitment_rate"]
    ratio = ds.recruits.values[0, W + 1, CJNG] / base.recruits.values[0, W + 1, CJNG]
    # Both runs start the week with the same members C; recruits are the week's integral of
    # rho_eff C(t). With prevention C grows more slowly, C_policy/C_base ~ exp(-rho t / 2),
    # so the ratio is 0.5 (1 - rho/4 + ...) ~ 0.5 (1 - 6e-4): within rho of 0.5, and below.
    assert ratio == pytest.approx(0.5, rel=rho)
    assert 0.5 * (1 - rho) < ratio < 0.5
    # the same, free of the base run: recruits per member-week (trapezoid of C over the
    # week, error ~ C''/12 ~ 1e-7 relative here) is rho before and rho / 2 after
    members = ds.members.values[0, :, CJNG]
    per_member = ds.recruits.values[0, 1:, CJNG] / (rho * (members[1:] + members[:-1]) / 2)
    np.testing.assert_allclose(per_member[:W], 1.0, rtol=1e-6)
    np.testing.assert_allclose(per_member[W:], 0.5, rtol=1e-6)


# --------------------------------------------------------------------------- arrests


@pytest.mark.parametrize("engine", ["deterministic", "stochastic"])
def test_arrests_focused_away_from_a_group_go_to_the_others(mexico, params, engine: str) -> None:
    eta = params["incapacitation"]
    ds = run(mexico, params, spec("focus_arrests", 0.0, start=at(W), end=at(E),
                                  target={"groups": ["cjng"]}),
             engine=engine, runs=2, seed=8)
    arrests = ds.arrests.values[:, :, CJNG]
    assert (arrests[:, W + 1:E + 1] == 0.0).all()
    assert (arrests[:, 1:W + 1] > 0).all() and (arrests[:, E + 1:] > 0).all()
    if engine == "deterministic":
        # the national total is still eta each week: arrests are redistributed, not dropped
        np.testing.assert_allclose(ds.total_arrests.values[:, 1:], eta, rtol=1e-9)


def test_focus_arrests_share_is_proportional_to_weight_times_size(mexico, params) -> None:
    """a_i = eta F_i C_i / sum_j F_j C_j at each instant; over a week only approximately,
    since members move by ~0.1 % a week; checked to 1e-3 against the week's mid members."""
    ds = run(mexico, params, spec("focus_arrests", 3.0, start=at(W),
                                  target={"groups": ["cjng", "cdn"]}))
    t = W + 3
    focus = np.ones(mexico.n_groups)
    focus[[CJNG, mexico.index_of("cdn")]] = 3.0
    mid = (ds.members.values[0, t - 1] + ds.members.values[0, t]) / 2
    expected = params["incapacitation"] * focus * mid / (focus * mid).sum()
    np.testing.assert_allclose(ds.arrests.values[0, t], expected, rtol=1e-3)


def test_scale_arrests_doubles_national_arrests_while_active(mexico, params) -> None:
    eta = params["incapacitation"]
    ds = run(mexico, params, spec("scale_arrests", 2.0, start=at(W), end=at(E)))
    arrests = ds.total_arrests.values[0]
    np.testing.assert_allclose(arrests[1:W + 1], eta, rtol=1e-9)
    np.testing.assert_allclose(arrests[W + 1:E + 1], 2 * eta, rtol=1e-9)
    np.testing.assert_allclose(arrests[E + 1:], eta, rtol=1e-9)


# --------------------------------------------------------------------------- conflict


@pytest.mark.parametrize("engine", ["deterministic", "stochastic"])
def test_a_truce_stops_the_targets_losses_to_conflict(mexico, params, engine: str) -> None:
    """d_i = theta THETA_MULT_i C_i (M C)_i: with factor 0 the targets lose nobody to conflict,
    while their rivals still do (the factor is on the targets' lethality only)."""
    rivals = mexico.rivalry.toarray()[CJNG] > 0
    ds = run(mexico, params, spec("scale_conflict", 0.0, start=at(W), end=at(E),
                                  target={"rivals_of": "cjng"}),
             engine=engine, runs=2, seed=12)
    deaths = ds.deaths.values
    assert (deaths[:, W + 1:E + 1][:, :, rivals] == 0.0).all()
    assert deaths[:, W + 1:E + 1, CJNG].sum() > 0
    assert deaths[:, E + 1:][:, :, rivals].sum() > 0


# --------------------------------------------------------------------------- sweeps


def test_deterministic_sweep_removes_exactly_its_share(mexico, params, base) -> None:
    ds = run(mexico, params, spec("arrest_sweep", 0.2, start=at(W),
                                  target={"groups": ["cjng"]}))
    before = ds.members.values[0, W]
    removed = 0.2 * before[CJNG]
    # the week after the sweep is the status quo's week started from the swept state
    swept = before.copy()
    swept[CJNG] *= 0.8
    fresh = simulate(mexico, params, weeks=1, start=at(W), initial=swept)
    np.testing.assert_allclose(ds.members.values[0, W + 1], fresh.members.values[0, 1],
                               rtol=1e-12)
    for flow in ("recruits", "deaths", "exits"):
        np.testing.assert_allclose(ds[flow].values[0, W + 1], fresh[flow].values[0, 1],
                                   rtol=1e-12, err_msg=flow)
    # the removed members are counted as that week's arrests of the swept group only
    extra = ds.arrests.values[0, W + 1] - fresh.arrests.values[0, 1]
    assert extra[CJNG] == pytest.approx(removed, rel=1e-12)
    np.testing.assert_allclose(np.delete(extra, CJNG), 0.0, atol=1e-9)
    assert ds.total_arrests.values[0, W + 1] == pytest.approx(params["incapacitation"]
                                                              + removed, rel=1e-9)
    # members of the group fell by the removed share within the week (not a later drift)
    drop = base.members.values[0, W + 1, CJNG] - ds.members.values[0, W + 1, CJNG]
    assert drop == pytest.approx(removed, rel=1e-3)
    assert_bookkeeping(ds, exact=False)
    np.testing.assert_array_equal(ds.members.values[0, :W + 1], base.members.values[0, :W + 1])


def test_repeated_sweeps_keep_the_books(mexico, params) -> None:
    ds = run(mexico, params, spec("arrest_sweep", 0.1, start=at(2), end=at(18), every_weeks=5,
                                  target={"largest": 3}),
             spec("arrest_sweep", 0.3, start=at(W), target={"groups": ["cdn"]}))
    assert int(ds.status[0]) == 0
    assert_bookkeeping(ds, exact=False)
    assert (ds.members.values >= 0).all()


def test_stochastic_sweep_keeps_integers_and_exact_books(mexico, params) -> None:
    ds = run(mexico, params, spec("arrest_sweep", 0.2, start=at(2), end=at(18), every_weeks=5,
                                  target={"largest": 3}),
             engine="stochastic", runs=5, seed=3)
    members = ds.members.values
    assert (ds.status.values == 0).all()
    assert (members >= 0).all()
    np.testing.assert_array_equal(members, np.round(members))
    for flow in FLOWS:
        np.testing.assert_array_equal(ds[flow].values[:, 1:], np.round(ds[flow].values[:, 1:]))
    assert_bookkeeping(ds, exact=True)


def test_stochastic_sweep_removes_a_binomial_share(mexico, params) -> None:
    """With the group's ordinary arrests switched off (focus 0) from the sweep week, its
    arrests in the week after the sweep are exactly the members the sweep removed."""
    runs, share = 300, 0.2
    ds = run(mexico, params,
             spec("arrest_sweep", share, start=at(3), target={"groups": ["cdn"]}),
             spec("focus_arrests", 0.0, start=at(3), target={"groups": ["cdn"]}),
             weeks=4, engine="stochastic", runs=runs, seed=17)
    g = mexico.index_of("cdn")
    members = ds.members.values[:, 3, g]  # before the sweep; they vary from run to run
    removed = ds.arrests.values[:, 4, g]
    assert (members > 1000).all()
    np.testing.assert_array_equal(removed, np.round(removed))
    assert (removed <= members).all()
    # Binomial(C, 0.2) per run: standardised residuals have mean 0 and variance 1
    z = (removed - share * members) / np.sqrt(share * (1 - share) * members)
    standard_error = 1 / np.sqrt(runs)
    assert abs(z.mean()) < 4 * standard_error, z.mean()
    # not a rounded fixed share (variance 0) nor Poisson-like with extra noise; the sample
    # variance of 300 unit-variance draws is 1 +- 0.08 (1 SE), so 0.6 to 1.4 is ~5 SE
    assert 0.6 < z.var() < 1.4, z.var()
    # in total: the mean removed is 20 % of the mean members, within 4 SE
    total_se = np.sqrt((share * (1 - share) * members).sum()) / runs
    assert abs(removed.mean() - share * members.mean()) < 4 * total_se


# --------------------------------------------------------------------------- reproducible


def stochastic_policy(mexico, params, seed: int) -> xr.Dataset:
    return run(mexico, params,
               spec("prevent_recruitment", 0.5, start=at(2), target={"largest": 4}),
               spec("arrest_sweep", 0.2, start=at(4), end=at(16), every_weeks=3,
                    target={"rivals_of": "cjng"}),
               spec("scale_conflict", 2.0, start=at(6), end=at(12)),
               engine="stochastic", runs=6, seed=seed)


def test_same_seed_same_stochastic_results_with_interventions(mexico, params) -> None:
    a = stochastic_policy(mexico, params, seed=5)
    b = stochastic_policy(mexico, params, seed=5)
    xr.testing.assert_identical(a, b)
    c = stochastic_policy(mexico, params, seed=6)
    assert not np.array_equal(a.members.values, c.members.values)


def test_thread_count_does_not_matter_with_interventions(mexico, params, monkeypatch) -> None:
    monkeypatch.setattr(simulate_module.os, "cpu_count", lambda: 2)
    two = stochastic_policy(mexico, params, seed=9)
    monkeypatch.setattr(simulate_module.os, "cpu_count", lambda: 1)
    one = stochastic_policy(mexico, params, seed=9)
    xr.testing.assert_identical(one, two)


# --------------------------------------------------------------------------- scenarios


def test_a_scenario_runs_its_interventions(mexico, params) -> None:
    scenario = parse_scenario({
        "name": "half-recruitment-cjng",
        "horizon": {"start": START.date(), "weeks": WEEKS},
        "parameters": {"entry_rate": 0.0},  # the direct run below has no new groups
        "interventions": [{"action": "prevent_recruitment", "effect": 1.0, "start": at(W),
                           "target": {"groups": ["Cártel de Jalisco Nueva Generación"]}}],
    })
    ds = run_scenario(scenario)
    direct = run(mexico, scenario.params(), spec("prevent_recruitment", 1.0, start=at(W),
                                      target={"groups": ["cjng"]}))
    # the runner may add series of its own (mechanisms); the model's series are the same
    assert_same(ds, direct, variables=list(direct.data_vars))
    assert (ds.recruits.values[0, W + 1:, CJNG] == 0).all()
    assert ds.attrs["interventions"] == scenario.interventions[0].describe()
    assert "prevent_recruitment (effect 1)" in ds.attrs["interventions"]
    assert run_scenario(parse_scenario({"horizon": {"weeks": 4}})).attrs["interventions"] \
        == "none"
