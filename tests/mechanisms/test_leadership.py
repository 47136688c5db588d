"""Unit tests of `Leadership` (DESIGN.md §2 L2): removals, recovery, splits, factors and
the random streams, on small arrays.

Layout of the small world used here: groups 0, 1, 2 are ordinary and group 3 is the
splinter slot of group 0 (parent = [-1, -1, -1, 0]), so group 0 can split and 1, 2 cannot.
Statistical checks use many runs of one week (each run has its own events stream) and
accept the expected share within 4 standard errors (a false alarm about once in 16,000).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cartelsim.interventions.spec import InterventionSpec
from cartelsim.mechanisms.leadership import LOSS_PARAMETER, Leadership
from cartelsim.params.catalogue import Params
from cartelsim.scenarios.runner import run_scenario
from cartelsim.scenarios.schema import parse_scenario

PARENT = np.array([-1, -1, -1, 0])
SLOT = 3
WEEKS = 200
KINDS = ("killed", "captured", "extradited", "lieutenant")
# Distinct losses per kind, so a kind reading another kind's parameter is caught.
LOSSES = {"integrity_loss_killed": 0.7, "integrity_loss_captured": 0.5,
          "integrity_loss_extradited": 0.3, "integrity_loss_lieutenant": 0.1}


def make(params: Params, runs: int = 1, seed: int = 0, parent: np.ndarray = PARENT,
         weeks: int = WEEKS) -> Leadership:
    return Leadership(params, runs, parent, weeks, seed)


def removal(kind: str = "killed", succession: str | None = "contested",
            effect: float | None = None) -> InterventionSpec:
    return InterventionSpec(action="remove_leader", kind=kind, succession=succession,
                            effect=effect)


def mask(runs: int, *groups: int, n: int = PARENT.size) -> np.ndarray:
    m = np.zeros((runs, n), dtype=bool)
    m[:, list(groups)] = True
    return m


def within_4_se(hits: int, n: int, p: float) -> None:
    se = math.sqrt(p * (1 - p) / n)
    assert abs(hits / n - p) < 4 * se, f"share {hits / n:.4f}, expected {p:.4f} ± {4 * se:.4f}"


@pytest.fixture(scope="module")
def kinds_params(params) -> Params:
    return params.override(LOSSES, origin="test")


# --------------------------------------------------------------------------- removals


def test_every_kind_has_its_own_parameter() -> None:
    assert set(LOSS_PARAMETER) == set(KINDS)
    assert set(LOSS_PARAMETER.values()) == set(LOSSES)


@pytest.mark.parametrize("kind", KINDS)
def test_contested_removal_multiplies_integrity_by_one_minus_delta(kinds_params, kind) -> None:
    leadership = make(kinds_params, runs=2)
    leadership.integrity[:, 0] = 0.8  # multiplicative, not a reset: a second blow
    leadership.remove(mask(2, 0, 2), removal(kind, "contested"))
    delta = kinds_params[LOSS_PARAMETER[kind]]
    np.testing.assert_array_equal(leadership.integrity[:, 0], 0.8 * (1.0 - delta))
    np.testing.assert_array_equal(leadership.integrity[:, 2], 1.0 * (1.0 - delta))
    np.testing.assert_array_equal(leadership.integrity[:, [1, 3]], 1.0)  # not targeted
    np.testing.assert_array_equal(leadership.contested, mask(2, 0, 2))


@pytest.mark.parametrize("kind", KINDS)
def test_settled_removal_loses_only_a_share_of_delta(kinds_params, kind) -> None:
    leadership = make(kinds_params, runs=2)
    leadership.remove(mask(2, 0), removal(kind, "settled"))
    delta = kinds_params[LOSS_PARAMETER[kind]]
    factor = kinds_params["settled_loss_factor"]
    np.testing.assert_array_equal(leadership.integrity[:, 0], 1.0 - factor * delta)
    assert not leadership.contested.any()


@pytest.mark.parametrize("clarity", [0.3, 0.5, 0.8])
def test_uncertain_succession_is_contested_with_probability_one_minus_clarity(params,
                                                                               clarity) -> None:
    runs = 4000
    p = params.override({"succession_clarity": clarity}, origin="test")
    leadership = make(p, runs=runs, seed=1)
    leadership.remove(mask(runs, 0), removal("killed", "uncertain"))
    contested = leadership.contested[:, 0]
    within_4_se(int(contested.sum()), runs, 1.0 - clarity)
    # each outcome comes with its own loss
    delta = p["integrity_loss_killed"]
    np.testing.assert_array_equal(leadership.integrity[contested, 0], 1.0 - delta)
    np.testing.assert_array_equal(leadership.integrity[~contested, 0],
                                  1.0 - p["settled_loss_factor"] * delta)


def test_uncertain_is_the_default_succession(params) -> None:
    runs = 2000
    leadership = make(params, runs=runs, seed=4)
    leadership.remove(mask(runs, 0), removal("killed", None))
    within_4_se(int(leadership.contested[:, 0].sum()), runs, 1.0 - params["succession_clarity"])


def test_a_failed_operation_changes_nothing(params) -> None:
    leadership = make(params, runs=50)
    leadership.remove(mask(50, 0, 1, 2), removal("killed", "contested", effect=0.0))
    assert (leadership.integrity == 1.0).all()
    assert not leadership.contested.any()
    assert (leadership.removals == 0).all()


def test_operations_succeed_with_probability_effect(params) -> None:
    runs = 4000
    leadership = make(params, runs=runs, seed=2)
    leadership.remove(mask(runs, 0), removal("killed", "contested", effect=0.3))
    hit = leadership.integrity[:, 0] < 1.0
    within_4_se(int(hit.sum()), runs, 0.3)
    np.testing.assert_array_equal(leadership.removals[:, 0], hit)
    np.testing.assert_array_equal(leadership.contested[:, 0], hit)


def test_success_probability_is_effect_times_exposure(params) -> None:
    """Protection lowers the chance of an operation: P(success) = effect x (1 - P_i)."""
    runs = 4000
    leadership = make(params, runs=runs, seed=9)
    exposure = np.ones((runs, PARENT.size))
    exposure[:, 0] = 0.5
    exposure[:, 1] = 0.0  # fully protected
    leadership.remove(mask(runs, 0, 1), removal("killed", "contested", effect=0.8), exposure)
    within_4_se(int((leadership.integrity[:, 0] < 1.0).sum()), runs, 0.8 * 0.5)
    assert (leadership.integrity[:, 1] == 1.0).all() and not leadership.contested[:, 1].any()


def test_removals_are_counted_per_run_and_week(params) -> None:
    leadership = make(params, runs=3)
    hits = mask(3, 0, 2)
    hits[1] = False  # run 1: no target this week
    leadership.remove(hits, removal())
    leadership.advance_to(5)
    leadership.remove(mask(3, 1), removal("lieutenant"))
    expected = np.zeros((3, WEEKS + 1))
    expected[[0, 2], 0] = 2
    expected[:, 5] = 1
    np.testing.assert_array_equal(leadership.removals, expected)


# --------------------------------------------------------------------------- recovery


@pytest.mark.parametrize("gap", [1, 3, 17, 52])
def test_recovery_is_the_exact_exponential_over_any_gap(params, gap) -> None:
    lam = params["integrity_recovery"]
    leadership = make(params, runs=2)
    leadership.advance_to(3)
    leadership.remove(mask(2, 0, 1), removal("killed", "settled"))
    leadership.remove(mask(2, 0), removal("captured", "contested"))
    start = leadership.integrity.copy()
    leadership.advance_to(3 + gap)
    np.testing.assert_allclose(leadership.integrity, 1.0 - (1.0 - start) * np.exp(-lam * gap),
                               rtol=1e-15, atol=0)


def test_weekly_steps_and_one_jump_agree(params) -> None:
    one, many = make(params), make(params)
    for leadership in (one, many):
        leadership.remove(mask(1, 0), removal("killed", "settled"))
    one.advance_to(40)
    for week in range(1, 41):
        many.advance_to(week)
    np.testing.assert_allclose(one.integrity, many.integrity, rtol=1e-14)


@pytest.mark.parametrize("threshold", [None, 0.97])
def test_contest_ends_when_integrity_reaches_consolidation(params, threshold) -> None:
    """At the catalogue's `succession_consolidated` (default 0.9), or another value."""
    if threshold is not None:
        params = params.override({"succession_consolidated": threshold}, origin="test")
    lam, delta = params["integrity_recovery"], params["integrity_loss_killed"]
    CONSOLIDATED = params["succession_consolidated"]  # noqa: N806 (the catalogue's threshold)
    leadership = make(params)
    leadership.remove(mask(1, 1), removal("killed", "contested"))  # group 1: no slot, no split
    # 1 - delta exp(-lam t) >= c  <=>  t >= ln(delta / (1 - c)) / lam
    first = math.ceil(math.log(delta / (1.0 - CONSOLIDATED)) / lam)
    leadership.advance_to(first - 1)
    assert leadership.integrity[0, 1] < CONSOLIDATED and leadership.contested[0, 1]
    leadership.advance_to(first)
    assert leadership.integrity[0, 1] >= CONSOLIDATED and not leadership.contested[0, 1]


def test_recovered_integrity_comes_to_rest_at_exactly_one(params) -> None:
    leadership = make(params, weeks=2000)
    leadership.remove(mask(1, 0), removal("lieutenant", "settled"))
    assert leadership.dynamic()
    leadership.advance_to(2000)
    assert not leadership.dynamic()
    assert (leadership.integrity == 1.0).all()


def test_moving_backwards_raises(params) -> None:
    leadership = make(params)
    leadership.advance_to(10)
    leadership.advance_to(10)  # staying put is fine
    with pytest.raises(ValueError):
        leadership.advance_to(9)


# --------------------------------------------------------------------------- splits


def certain_split_params(params: Params, **extra: float) -> Params:
    """The largest hazard the catalogue allows, h0 = 1 at gamma = 0: P(split) = 1 - 1/e."""
    return params.override({"split_hazard": 1.0, "split_exponent": 0.0, **extra}, origin="test")


def test_no_split_without_a_contest_or_a_slot(params) -> None:
    runs = 300
    p = certain_split_params(params)
    leadership = make(p, runs=runs, seed=3)
    members = np.full((runs, 4), 10_000.0)
    members[:, SLOT] = 0.0
    leadership.remove(mask(runs, 1, 2), removal("killed", "contested"))  # no slot
    leadership.remove(mask(runs, 0), removal("killed", "settled"))  # has a slot, settled
    for week in range(10):
        leadership.advance_to(week)
        assert leadership.split(members) is None
    assert (leadership.splits == 0).all()


def test_no_split_without_any_slot(params) -> None:
    runs = 100
    leadership = make(certain_split_params(params), runs=runs, parent=np.full(3, -1))
    leadership.remove(mask(runs, 0, 1, 2, n=3), removal("killed", "contested"))
    assert leadership.split(np.full((runs, 3), 10_000.0)) is None


@pytest.mark.parametrize("size, can_split", [(499.0, False), (500.0, True)])
def test_groups_below_the_minimum_size_do_not_split(params, size, can_split) -> None:
    runs = 200
    p = certain_split_params(params, split_min_members=500.0)
    leadership = make(p, runs=runs, seed=5)
    leadership.remove(mask(runs, 0), removal("killed", "contested"))
    members = np.array([[size, 1000.0, 1000.0, 0.0]] * runs)
    transfers = leadership.split(members)
    assert (transfers is not None) == can_split
    assert leadership.split_done[:, 0].any() == can_split


@pytest.mark.parametrize("members0, moved", [(1001.0, 300.0),  # integers: whole members
                                             (1234.5, 0.3 * 1234.5)])  # expected values
def test_a_split_moves_a_share_of_members_into_the_slot(params, members0, moved) -> None:
    runs = 200
    p = certain_split_params(params)
    leadership = make(p, runs=runs, seed=6)
    leadership.remove(mask(runs, 0), removal("killed", "contested"))
    members = np.array([[members0, 700.0, 900.0, 0.0]] * runs)
    transfers = leadership.split(members)
    assert transfers is not None
    split = leadership.split_done[:, 0]
    assert 0 < split.sum() < runs  # some runs split, some did not (P = 1 - 1/e)
    np.testing.assert_array_equal(transfers.sum(axis=1), 0.0)
    np.testing.assert_array_equal(transfers[split, 0], -moved)
    np.testing.assert_array_equal(transfers[split, SLOT], moved)
    np.testing.assert_array_equal(transfers[~split], 0.0)
    np.testing.assert_array_equal(transfers[:, [1, 2]], 0.0)
    np.testing.assert_array_equal(leadership.integrity[split, SLOT], p["splinter_integrity"])
    np.testing.assert_array_equal(leadership.integrity[~split, SLOT], 1.0)
    assert not leadership.contested[split, 0].any()  # the split ends the contest
    assert leadership.contested[~split, 0].all()
    np.testing.assert_array_equal(leadership.splits[:, 0], split)
    assert not leadership.split_done[:, 1:].any()


def test_a_group_splits_at_most_once(params) -> None:
    runs = 100
    p = certain_split_params(params)
    leadership = make(p, runs=runs, seed=7)
    members = np.array([[10_000.0, 700.0, 900.0, 0.0]] * runs)
    leadership.remove(mask(runs, 0), removal("killed", "contested"))
    for week in range(1, 30):  # P(no split in 30 weeks) = e^-30
        transfers = leadership.split(members)
        if transfers is not None:
            members += transfers
        leadership.advance_to(week)
    assert leadership.split_done[:, 0].all()
    # a second contested removal starts a new contest but cannot split the group again
    leadership.remove(mask(runs, 0), removal("killed", "contested"))
    assert leadership.contested[:, 0].all()
    for week in range(30, 60):
        leadership.advance_to(week)
        assert leadership.split(members) is None
    np.testing.assert_array_equal(leadership.splits.sum(axis=1), 1)


@pytest.mark.parametrize("integrity, h0, gamma", [(0.4, 0.25, 2.0), (0.6, 0.25, 2.0),
                                                  (0.2, 0.5, 3.0), (0.5, 0.1, 1.0)])
def test_split_hazard_is_h0_times_lost_integrity_to_the_gamma(params, integrity, h0,
                                                             gamma) -> None:
    runs = 5000
    p = params.override({"split_hazard": h0, "split_exponent": gamma}, origin="test")
    leadership = make(p, runs=runs, seed=8)
    leadership.contested[:, 0] = True
    leadership.integrity[:, 0] = integrity
    members = np.array([[10_000.0, 700.0, 900.0, 0.0]] * runs)
    leadership.split(members)
    hazard = h0 * (1.0 - integrity) ** gamma
    within_4_se(int(leadership.split_done[:, 0].sum()), runs, 1.0 - math.exp(-hazard))


# --------------------------------------------------------------------------- factors


def test_factors_follow_the_lost_integrity(params) -> None:
    p = params.override({"conflict_sensitivity": 1.7, "recruitment_coordination": 0.4},
                        origin="test")
    leadership = make(p, runs=2)
    leadership.integrity[:] = [[1.0, 0.0, 0.37, 0.9], [0.5, 1.0, 1.0, 0.25]]
    theta, rho = leadership.factors()
    lost = 1.0 - leadership.integrity
    np.testing.assert_allclose(theta, 1.0 + 1.7 * lost, rtol=1e-15)
    np.testing.assert_allclose(rho, 1.0 - 0.4 * lost, rtol=1e-15)
    intact = leadership.integrity == 1.0
    assert (theta[intact] == 1.0).all() and (rho[intact] == 1.0).all()  # exactly


def test_an_intact_world_has_factors_of_exactly_one(params) -> None:
    theta, rho = make(params, runs=3).factors()
    assert (theta == 1.0).all() and (rho == 1.0).all()


# --------------------------------------------------------------------------- streams


def scripted_history(params: Params, runs: int, seed: int) -> dict[str, np.ndarray]:
    """Uncertain, half-successful removals, then weekly splits: every kind of event draw."""
    p = params.override({"split_hazard": 0.5}, origin="test")
    leadership = make(p, runs=runs, seed=seed, weeks=60)
    members = np.array([[10_000.0, 5_000.0, 2_000.0, 0.0]] * runs)
    for week in range(60):
        leadership.advance_to(week)
        if week in (2, 20):
            leadership.remove(mask(runs, 0, 1, 2), removal("killed", "uncertain", effect=0.6))
        transfers = leadership.split(members)
        if transfers is not None:
            members = members + transfers
        leadership.record()
    leadership.finish(61)
    return {"trace": leadership.trace, "contested": leadership.contested,
            "split_done": leadership.split_done, "splits": leadership.splits,
            "removals": leadership.removals, "members": members}


def test_same_seed_same_event_history(params) -> None:
    a, b = scripted_history(params, 40, 11), scripted_history(params, 40, 11)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    assert a["splits"].any() and (a["removals"][:, 2] < 3).any()  # events did happen, varied
    c = scripted_history(params, 40, 12)
    assert not np.array_equal(a["trace"], c["trace"])


def test_a_runs_events_do_not_depend_on_the_other_runs(params) -> None:
    """Run k draws from its own stream: the same history in a batch of 12 runs as in a
    batch of k + 1 runs (where it is the last)."""
    batch = scripted_history(params, 12, 11)
    for k in (0, 5):
        smaller = scripted_history(params, k + 1, 11)
        for name, value in smaller.items():
            np.testing.assert_array_equal(value[k], batch[name][k], err_msg=name)


def test_events_do_not_consume_the_demographic_draws(mexico) -> None:
    """Status quo and a removal share their demographic draws: identical (==) up to the
    week of the removal, stochastic engine, same seed; they differ right after it."""
    start = pd.Timestamp("2026-01-01")
    week = 10
    # entry off: the group axis then holds the base groups and CJNG's splinter only
    # (entrants are paired too: tests/world/test_entry.py)
    base = {"system": {"name": "mexico2025"}, "horizon": {"start": "2026-01-01", "weeks": 30},
            "run": {"engine": "stochastic", "runs": 4, "seed": 21},
            "parameters": {"entry_rate": 0.0}}
    status_quo = run_scenario(parse_scenario(base))
    policy = run_scenario(parse_scenario({**base, "interventions": [{
        "action": "remove_leader", "kind": "killed", "succession": "uncertain", "effect": 0.9,
        "start": (start + pd.Timedelta(weeks=week)).date(), "target": {"groups": ["cjng"]}}]}))
    n = mexico.n_groups
    assert policy.sizes["group"] == n + 1  # CJNG got its slot
    before = slice(0, week + 1)  # members at weeks 0..W and the flows of the weeks before
    for var in ("members", "recruits", "arrests", "deaths", "exits"):
        np.testing.assert_array_equal(policy[var].isel(time=before, group=slice(0, n)).values,
                                      status_quo[var].isel(time=before).values, err_msg=var)
    for var in ("total_members", "total_deaths", "homicides"):
        np.testing.assert_array_equal(policy[var].isel(time=before).values,
                                      status_quo[var].isel(time=before).values, err_msg=var)
    assert (policy.hvt_removals.isel(time=week).values > 0).any()
    later = slice(week + 1, None)
    assert not np.array_equal(policy.members.isel(time=later, group=slice(0, n)).values,
                              status_quo.members.isel(time=later).values)
