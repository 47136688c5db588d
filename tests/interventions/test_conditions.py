"""Schedules that react to the state: `when = {...}` (issue 11, item 3).

Exact checks: a condition that never holds is no intervention, one that always holds is the
intervention without a condition; in between, the action acts exactly in the weeks (and
runs) in which the state meets the condition. Both engines are checked: the world engine
(fragmentation "open") evaluates the conditions inside its compiled step.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from cartelsim.errors import CartelsimError
from cartelsim.interventions.conditions import WhenSpec, holds
from cartelsim.scenarios.runner import run_scenario
from cartelsim.scenarios.schema import parse_scenario

WEEKS = 30


def scenario(*interventions: dict, engine: str = "stochastic", runs: int = 3,
             fragmentation: str = "capped", **sections: dict):
    return parse_scenario({"name": "when", "horizon": {"start": "2026-01-01", "weeks": WEEKS},
                           "system": {"groups": 40},
                           "run": {"engine": engine, "runs": runs, "seed": 7},
                           "mechanisms": {"fragmentation": fragmentation},
                           "interventions": list(interventions), **sections})


FRAGMENTATION = pytest.mark.parametrize("fragmentation", ["capped", "open"])


def same(a: xr.Dataset, b: xr.Dataset, names=("total_members", "total_arrests",
                                             "total_deaths", "hvt_removals")) -> None:
    for name in names:
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)


ARRESTS = {"action": "scale_arrests", "effect": 2.0, "start": "2026-02-01"}
PREVENTION = {"action": "prevent_recruitment", "effect": 0.8, "start": "2026-02-01",
              "target": {"largest": 5}}


@FRAGMENTATION
@pytest.mark.parametrize("engine", ["stochastic", "deterministic"])
@pytest.mark.parametrize("action,condition", [
    (ARRESTS, "national_homicides_above"), (ARRESTS, "group_members_above"),
    (PREVENTION, "national_homicides_above"), (PREVENTION, "group_members_above")])
def test_never_is_nothing_and_always_is_the_plain_action(engine, action, condition,
                                                         fragmentation) -> None:
    # With new groups (the calibrated entry rate, "open"): a group born in a calm week kept
    # "no last multipliers", so the first week a never-acting row made not calm restarted
    # the multistep rule and changed the last bits (fixed: a new column's last multipliers
    # start at 1, world.state).
    def run(*items: dict) -> xr.Dataset:
        return run_scenario(scenario(*items, engine=engine, fragmentation=fragmentation))

    plain = run(action)
    never = run({**action, "when": {condition: 1e9}})
    always = run({**action, "when": {condition: 0.0}})
    same(always, plain)
    same(never, run())
    assert not np.array_equal(plain.total_members.values, never.total_members.values)


@FRAGMENTATION
def test_arrests_double_only_in_the_weeks_homicides_are_high(fragmentation) -> None:
    """The level is the status quo's median weekly homicides over the window (deterministic,
    so the condition's homicides are the model's): the action switches on in some weeks and
    off in others, and never outside its window."""
    def run(*items: dict) -> xr.Dataset:
        return run_scenario(scenario(*items, engine="deterministic", runs=1,
                                     fragmentation=fragmentation))

    base = run()
    level = float(np.median(base.homicides.values[0, 5:]))
    conditional = run({**ARRESTS, "when": {"national_homicides_above": level}})
    ratio = conditional.total_arrests.values[0, 1:] / base.total_arrests.values[0, 1:]
    np.testing.assert_allclose(ratio[:4], 1.0, rtol=1e-6)  # before 2026-02-01 (week 4)
    assert (ratio[4:] > 1.8).sum() >= 2 and (np.abs(ratio[4:] - 1.0) < 0.05).sum() >= 2
    doubled = run(ARRESTS)
    assert conditional.total_members.values[0, -1] > doubled.total_members.values[0, -1]


@FRAGMENTATION
def test_a_trigger_happens_once_in_the_first_week_the_condition_holds(fragmentation) -> None:
    def run(*items: dict) -> xr.Dataset:
        return run_scenario(scenario(*items, fragmentation=fragmentation))

    removal = {"action": "remove_leader", "kind": "killed", "succession": "settled",
               "start": "2026-02-01", "end": "2026-06-01", "target": {"groups": ["cjng"]}}
    at_start = run({k: v for k, v in removal.items() if k != "end"})
    trigger = run({**removal, "when": {"group_members_above": 0.0}})
    same(trigger, at_start)
    assert int(trigger.hvt_removals.sum("time").values.max()) == 1
    never = run({**removal, "when": {"group_members_above": 1e9}})
    assert int(never.hvt_removals.sum()) == 0


@FRAGMENTATION
def test_us_pressure_above_follows_the_pressure_of_other_interventions(fragmentation) -> None:
    pressure = {"action": "us_pressure", "effect": 1.0, "start": "2026-03-01"}
    gated = {**ARRESTS, "start": "2026-01-08", "when": {"us_pressure_above": 0.5}}
    from_pressure = {**ARRESTS, "start": "2026-03-01"}
    same(run_scenario(scenario(pressure, gated, fragmentation=fragmentation)),
         run_scenario(scenario(pressure, from_pressure, fragmentation=fragmentation)))


def test_holds_combines_conditions_per_run_and_group() -> None:
    members = np.array([[10.0, 300.0], [500.0, 20.0]])
    when = WhenSpec(group_members_above=100.0, national_homicides_above=50.0)
    ok = holds(when, members, homicides=np.array([60.0, 40.0]), pressure=np.zeros(2))
    np.testing.assert_array_equal(ok, [[False, True], [False, False]])


@pytest.mark.parametrize("when,fragment", [
    ({}, "when needs a condition"),
    ({"homicides_above": 5}, "homicides_above"),
    ({"national_homicides_above": -1}, "greater than or equal to 0"),
    ({"us_pressure_above": True}, "us_pressure_above"),
])
def test_bad_conditions_are_one_line_errors(when, fragment) -> None:
    with pytest.raises(CartelsimError) as info:
        scenario({**ARRESTS, "when": when})
    message = str(info.value)
    assert fragment in message and "interventions[1].when" in message and "\n" not in message
