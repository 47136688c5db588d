"""InterventionPlan: dates become weeks, names become masks, actions become engine settings."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cartelsim.engines.kernels import FOCUS, N_COEFFICIENTS, RHO_MULT, THETA_MULT
from cartelsim.engines.simulate import simulate
from cartelsim.errors import CartelsimError
from cartelsim.interventions.plan import InterventionPlan
from cartelsim.interventions.spec import InterventionSpec

from .conftest import START

WEEKS = 104
END = (START + pd.Timedelta(weeks=WEEKS)).date()


def week(n: int) -> dt.date:
    """The calendar date n weeks after the start of the horizon."""
    return (START + pd.Timedelta(weeks=n)).date()


def spec(action: str = "prevent_recruitment", effect: float = 0.5, **kwargs) -> InterventionSpec:
    return InterventionSpec(action=action, effect=effect, **kwargs)


def plan_of(system, params, *specs: InterventionSpec, weeks: int = WEEKS) -> InterventionPlan:
    return InterventionPlan(system, params, list(specs), START, weeks)


# --------------------------------------------------------------------------- dates -> weeks


def test_start_of_horizon_is_week_0_and_ten_weeks_later_is_week_10(mexico, params) -> None:
    plan = plan_of(mexico, params,
                   spec(start=START.date(), end=week(10)),
                   spec("scale_conflict", 0.5, start=week(10)),
                   spec("focus_arrests", 2.0))  # no start: the start of the horizon
    (a, b, c) = plan.scheduled
    assert (a.first, a.last) == (0, 10)
    assert (b.first, b.last) == (10, WEEKS)  # no end: the end of the horizon
    assert (c.first, c.last) == (0, WEEKS)
    assert [s.number for s in plan.scheduled] == [1, 2, 3]


def test_a_date_inside_a_week_goes_to_the_nearest_week(mexico, params) -> None:
    plan = plan_of(mexico, params, spec(start=week(10) + dt.timedelta(days=2),
                                        end=week(20) + dt.timedelta(days=4)))
    assert (plan.scheduled[0].first, plan.scheduled[0].last) == (10, 21)


def test_end_at_the_end_of_the_horizon_is_accepted(mexico, params) -> None:
    plan = plan_of(mexico, params, spec(start=week(3), end=END))
    assert plan.scheduled[0].last == WEEKS


def test_end_after_the_horizon_means_to_the_end(mexico, params) -> None:
    """So that a shorter run of the same scenario (--weeks) stays valid."""
    plan = plan_of(mexico, params, spec(start=week(3), end=END + dt.timedelta(days=365)),
                   spec("arrest_sweep", 0.1, start=week(90), end=END + dt.timedelta(days=70),
                        every_weeks=5))
    assert [(s.first, s.last) for s in plan.scheduled] == [(3, WEEKS), (90, WEEKS)]
    assert plan.scheduled[1].dates() == [90, 95, 100]


@pytest.mark.parametrize("field,kwargs", [
    ("start", {"start": START.date() - dt.timedelta(days=1)}),
    ("start", {"start": END + dt.timedelta(days=7)}),
    ("end", {"end": START.date() - dt.timedelta(days=7)}),
])
def test_dates_outside_the_horizon_are_refused_naming_the_field(mexico, params, field: str,
                                                               kwargs: dict) -> None:
    with pytest.raises(CartelsimError) as exc:
        plan_of(mexico, params, spec("scale_conflict", 0.5), spec(**kwargs))
    text = str(exc.value)
    assert f"interventions[2] (prevent_recruitment): {field}" in text
    assert "outside the horizon 2026-01-01 to" in text and str(END) in text


def test_sweep_at_the_end_of_the_horizon_is_refused(mexico, params) -> None:
    with pytest.raises(CartelsimError, match=r"interventions\[1\] \(arrest_sweep\).*"
                                             r"at the end of the horizon"):
        plan_of(mexico, params, spec("arrest_sweep", 0.2, start=END))


def test_start_at_the_end_of_the_horizon_is_refused(mexico, params) -> None:
    with pytest.raises(CartelsimError, match="at the end of the horizon"):
        plan_of(mexico, params, spec(start=END))


def test_end_in_the_same_week_as_start_is_refused(mexico, params) -> None:
    with pytest.raises(CartelsimError, match="same week as start"):
        plan_of(mexico, params, spec(start=week(5), end=week(5) + dt.timedelta(days=2)))


def test_source_names_the_scenario_in_messages(mexico, params) -> None:
    with pytest.raises(CartelsimError, match=r"^policy\.toml: interventions\[1\]"):
        InterventionPlan(mexico, params, [spec(start=END)], START, WEEKS,
                         source="policy.toml: interventions")


# --------------------------------------------------------------------------- targets


def test_unknown_group_suggests_the_closest_valid_name(mexico, params) -> None:
    with pytest.raises(CartelsimError) as exc:
        plan_of(mexico, params, spec(target={"groups": ["cjng", "cjn"]}))
    text = str(exc.value)
    assert "interventions[1] (prevent_recruitment): target" in text
    assert "unknown group 'cjn'" in text and "did you mean 'cjng'?" in text


def test_unknown_rivals_of_suggests_the_closest_valid_name(mexico, params) -> None:
    with pytest.raises(CartelsimError, match="did you mean 'cjng'"):
        plan_of(mexico, params, spec(target={"rivals_of": "cjn"}))


def test_group_by_id_by_name_or_any_case_is_the_same_mask(mexico, params) -> None:
    masks = [plan_of(mexico, params, spec(target={"groups": [label]})).scheduled[0].fixed_mask
             for label in ("cjng", "Cártel de Jalisco Nueva Generación", "CJNG")]
    expected = np.zeros(mexico.n_groups, dtype=bool)
    expected[mexico.index_of("cjng")] = True
    for mask in masks:
        np.testing.assert_array_equal(mask, expected)


def test_several_named_groups_and_everyone(mexico, params) -> None:
    plan = plan_of(mexico, params, spec(target={"groups": ["cjng", "cdn", "cjng"]}),
                   spec("scale_conflict", 0.5))
    named, everyone = plan.scheduled
    assert set(np.flatnonzero(named.fixed_mask)) == {mexico.index_of("cjng"),
                                                     mexico.index_of("cdn")}
    assert everyone.fixed_mask.all() and everyone.fixed_mask.shape == (mexico.n_groups,)


def test_largest_is_resolved_later(mexico, params) -> None:
    plan = plan_of(mexico, params, spec(target={"largest": 5}))
    assert plan.scheduled[0].fixed_mask is None


def test_rivals_of_are_exactly_the_groups_with_positive_rivalry(mexico, params) -> None:
    row = mexico.rivalry.toarray()[mexico.index_of("cjng")]
    mask = plan_of(mexico, params, spec(target={"rivals_of": "cjng"})).scheduled[0].fixed_mask
    np.testing.assert_array_equal(mask, row > 0)
    assert mask.sum() >= 2 and not mask[mexico.index_of("cjng")]


def test_rivals_of_on_a_tiny_system(four_groups, params) -> None:
    def rivals(name: str) -> set[int]:
        plan = plan_of(four_groups, params, spec(target={"rivals_of": name}))
        return set(np.flatnonzero(plan.scheduled[0].fixed_mask))

    assert rivals("G0") == {1, 2}  # weight 2 and 0.5, both > 0
    assert rivals("Group 1") == {0}  # an ally (G3) is not a rival
    assert rivals("G2") == {0}


def test_rivals_of_a_group_with_no_rivals_is_refused(mexico, four_groups, params) -> None:
    with pytest.raises(CartelsimError, match=r"interventions\[1\].*'G3' has no rivals"):
        plan_of(four_groups, params, spec(target={"rivals_of": "G3"}))
    lonely = [g for g, row in zip(mexico.group_ids, mexico.rivalry.toarray(), strict=True)
              if not row.any()]
    with pytest.raises(CartelsimError, match=f"'{lonely[0]}' has no rivals in system "
                                             "'mexico2025'"):
        plan_of(mexico, params, spec(target={"rivals_of": lonely[0]}))


# --------------------------------------------------------------------------- contradictions


def test_same_action_overlapping_on_overlapping_groups_is_refused(mexico, params) -> None:
    with pytest.raises(CartelsimError) as exc:
        plan_of(mexico, params,
                spec(start=week(0), end=week(20), target={"groups": ["cjng", "cdn"]}),
                spec("scale_conflict", 0.5, target={"groups": ["cjng"]}),
                spec(start=week(19), target={"groups": ["cdn"]}))
    text = str(exc.value)
    assert "interventions[1] and [3]" in text and "prevent_recruitment" in text


@pytest.mark.parametrize("first,second", [
    ({}, {"target": {"groups": ["cjng"]}}),  # everyone includes cjng
    ({"target": {"largest": 3}}, {"target": {"groups": ["blo"]}}),  # may be the same groups
    ({"target": {"rivals_of": "cjng"}}, {"target": {"groups": ["cds_mayiza"]}}),
])
def test_same_action_on_possibly_the_same_groups_is_refused(mexico, params, first: dict,
                                                            second: dict) -> None:
    with pytest.raises(CartelsimError, match=r"interventions\[1\] and \[2\] both apply"):
        plan_of(mexico, params, spec(**first), spec(**second))


def test_same_sweep_on_the_same_date_is_refused(mexico, params) -> None:
    with pytest.raises(CartelsimError, match=r"\[1\] and \[2\] both apply arrest_sweep"):
        plan_of(mexico, params,
                spec("arrest_sweep", 0.1, start=week(2), end=week(30), every_weeks=4),
                spec("arrest_sweep", 0.2, start=week(10), target={"groups": ["cjng"]}))


def test_same_action_on_disjoint_groups_or_periods_is_accepted(mexico, params) -> None:
    plan = plan_of(
        mexico, params,
        spec(start=week(0), end=week(10), target={"groups": ["cjng"]}),
        spec(start=week(10), end=week(20), target={"groups": ["cjng"]}),  # right after
        spec(start=week(0), target={"groups": ["cdn"]}),  # other group, same time
        spec("arrest_sweep", 0.1, start=week(2), end=week(30), every_weeks=4),
        spec("arrest_sweep", 0.2, start=week(4), end=week(30), every_weeks=4),  # between
    )
    assert len(plan.scheduled) == 5


def test_different_actions_on_the_same_group_are_accepted(mexico, params) -> None:
    target = {"groups": ["cjng"]}
    plan = plan_of(mexico, params, spec(target=target), spec("focus_arrests", 3.0, target=target),
                   spec("scale_conflict", 0.5, target=target),
                   spec("arrest_sweep", 0.2, start=week(5), target=target),
                   spec("scale_arrests", 2.0))
    assert [s.spec.action for s in plan.scheduled] == [
        "prevent_recruitment", "focus_arrests", "scale_conflict", "arrest_sweep",
        "scale_arrests"]


# --------------------------------------------------------------------------- change weeks


def test_change_weeks_hold_starts_ends_and_sweeps_inside_the_horizon(mexico, params) -> None:
    plan = plan_of(
        mexico, params,
        spec(start=week(0), end=week(12)),  # 0 is not a change, 12 is
        spec("scale_conflict", 0.5, start=week(30)),  # ends at the horizon: not a change
        spec("arrest_sweep", 0.2, start=week(40), end=week(50), every_weeks=4),  # 40, 44, 48
        spec("arrest_sweep", 0.2, start=week(WEEKS - 1), target={"groups": ["cjng"]}),
    )
    assert plan.scheduled[2].dates() == [40, 44, 48]
    assert plan.change_weeks(WEEKS) == [12, 30, 40, 41, 44, 45, 48, 49, WEEKS - 1]
    assert plan.change_weeks(45) == [12, 30, 40, 41, 44]  # a shorter run: inside it only


def test_no_interventions_means_no_change_weeks(mexico, params) -> None:
    assert plan_of(mexico, params).change_weeks(WEEKS) == []


# --------------------------------------------------------------------------- settings


def members_like(system, runs: int = 2) -> np.ndarray:
    """Members [run, group]: group i has 1000 (i + 1) in run 0, reversed in run 1."""
    base = 1000.0 * (np.arange(system.n_groups) + 1)
    return np.stack([base, base[::-1]] + [base] * (runs - 2))


def test_setting_without_interventions_is_the_published_model(four_groups, params) -> None:
    setting = plan_of(four_groups, params).setting(0, members_like(four_groups))
    assert setting.coef.shape == (2, N_COEFFICIENTS, 4)
    assert (setting.coef == 1.0).all() and (setting.removal == 0.0).all()
    for key, name in (("rho", "recruitment_rate"), ("eta", "incapacitation"),
                      ("theta", "conflict_lethality"), ("omega", "saturation")):
        np.testing.assert_array_equal(setting.rates[key], [params[name]] * 2)


@pytest.mark.parametrize("action,slot", [("prevent_recruitment", RHO_MULT),
                                         ("focus_arrests", FOCUS),
                                         ("scale_conflict", THETA_MULT)])
def test_lasting_actions_set_their_coefficient_on_the_targets_only(four_groups, params,
                                                                   action: str,
                                                                   slot: int) -> None:
    effect = 0.3
    plan = plan_of(four_groups, params,
                   spec(action, effect, start=week(4), end=week(9),
                        target={"groups": ["G1", "G3"]}))
    members = members_like(four_groups)
    expected_value = 1.0 - effect if action == "prevent_recruitment" else effect
    for w in (0, 3, 4, 8, 9, 20):
        coef = plan.setting(w, members).coef
        expected = np.ones((2, N_COEFFICIENTS, 4))
        if 4 <= w < 9:
            expected[:, slot, [1, 3]] = expected_value
        np.testing.assert_array_equal(coef, expected, err_msg=f"week {w}")


def test_prevent_recruitment_multiplies_by_one_minus_effect(four_groups, params) -> None:
    plan = plan_of(four_groups, params, spec(effect=1.0, target={"groups": ["G0"]}),
                   spec(effect=0.25, target={"groups": ["G2"]}))
    coef = plan.setting(0, members_like(four_groups)).coef
    np.testing.assert_array_equal(coef[:, RHO_MULT], [[0.0, 1.0, 0.75, 1.0]] * 2)
    np.testing.assert_array_equal(coef[:, [THETA_MULT, FOCUS]], 1.0)


def test_scale_arrests_multiplies_eta_while_active(four_groups, params) -> None:
    plan = plan_of(four_groups, params, spec("scale_arrests", 2.5, start=week(3), end=week(6)))
    members = members_like(four_groups, runs=3)
    for w, factor in ((0, 1.0), (3, 2.5), (5, 2.5), (6, 1.0)):
        setting = plan.setting(w, members)
        np.testing.assert_array_equal(setting.rates["eta"], [params["incapacitation"] * factor] * 3)
        np.testing.assert_array_equal(setting.rates["rho"], [params["recruitment_rate"]] * 3)
        assert (setting.coef == 1.0).all()


def test_arrest_sweep_removes_its_share_on_its_dates_only(four_groups, params) -> None:
    plan = plan_of(four_groups, params,
                   spec("arrest_sweep", 0.2, start=week(2), end=week(11), every_weeks=3,
                        target={"groups": ["G1"]}),
                   spec("arrest_sweep", 0.5, start=week(5), target={"groups": ["G2"]}))
    members = members_like(four_groups)
    for w in range(13):
        setting = plan.setting(w, members)
        expected = np.zeros((2, 4))
        if w in (2, 5, 8):
            expected[:, 1] = 0.2
        if w == 5:
            expected[:, 2] = 0.5
        # removals compose as 1 - (1 - r)(1 - e), which is 0.2 to within one rounding
        np.testing.assert_allclose(setting.removal, expected, rtol=1e-15, atol=0,
                                   err_msg=f"week {w}")
        assert (setting.coef == 1.0).all()


def test_largest_n_is_chosen_per_run_from_the_members_at_the_start(four_groups, params) -> None:
    plan = plan_of(four_groups, params, spec(effect=1.0, start=week(3), end=week(9),
                                             target={"largest": 2}))
    at_start = np.array([[5.0, 40.0, 30.0, 1.0],
                         [50.0, 4.0, 3.0, 10.0]])
    plan.setting(0, at_start)  # a new simulation starts at week 0
    assert (plan.setting(0, at_start).coef[:, RHO_MULT] == 1.0).all()  # not active yet
    chosen = plan.setting(3, at_start).coef[:, RHO_MULT] == 0.0
    np.testing.assert_array_equal(chosen, [[False, True, True, False],
                                           [True, False, False, True]])
    # sizes change while the action lasts: the choice made at its start holds
    later = at_start[:, ::-1].copy()
    np.testing.assert_array_equal(plan.setting(6, later).coef[:, RHO_MULT] == 0.0, chosen)
    assert (plan.setting(9, later).coef == 1.0).all()  # over


def test_largest_more_than_there_are_groups_is_everyone(four_groups, params) -> None:
    plan = plan_of(four_groups, params, spec(effect=1.0, target={"largest": 10}))
    assert (plan.setting(0, members_like(four_groups)).coef[:, RHO_MULT] == 0.0).all()


def test_largest_n_sweeps_are_chosen_again_at_each_date(four_groups, params) -> None:
    plan = plan_of(four_groups, params, spec("arrest_sweep", 0.5, start=week(1), end=week(8),
                                             every_weeks=3, target={"largest": 1}))
    members = np.array([[1.0, 9.0, 3.0, 4.0]])
    plan.setting(0, members)
    np.testing.assert_allclose(plan.setting(1, members).removal, [[0, 0.5, 0, 0]], rtol=1e-15)
    members = np.array([[1.0, 2.0, 3.0, 4.0]])
    np.testing.assert_allclose(plan.setting(4, members).removal, [[0, 0, 0, 0.5]], rtol=1e-15)


def test_a_plan_reused_for_a_second_simulation_chooses_again(four_groups, params) -> None:
    plan = plan_of(four_groups, params, spec(effect=1.0, start=week(2), target={"largest": 1}),
                   weeks=6)
    first = simulate(four_groups, params, weeks=6, start=START, plan=plan,
                     initial=np.array([4000.0, 1000.0, 2000.0, 3000.0]))
    second = simulate(four_groups, params, weeks=6, start=START, plan=plan,
                      initial=np.array([1000.0, 2000.0, 3000.0, 4000.0]))
    for ds, largest in ((first, 0), (second, 3)):
        recruits = ds.recruits.values[0]
        assert (recruits[3:, largest] == 0.0).all()
        assert (np.delete(recruits[3:], largest, axis=1) > 0).all()
        assert (recruits[1:3] > 0).all()  # before week 2 nobody is targeted
