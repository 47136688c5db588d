"""Conditional schedules inside the compiled world step: a condition is checked each week
on each run's own state, fires in the week the state first meets it, and keeps paired
worlds paired (the capped engine's checks of the same conditions are in
tests/interventions/test_conditions.py)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from cartelsim.engines.rates import ConflictStructure
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.params.catalogue import Params
from cartelsim.world.run import run_world

START = "2026-01-01"
WINDOW = {"start": "2026-01-29", "end": "2027-06-01"}  # weeks 4 to 73
FIRST = 4


def world(mexico, *interventions: InterventionSpec, engine: str = "deterministic",
          runs: int = 1, first_run: int = 0) -> xr.Dataset:
    ds = run_world(mexico, interventions=list(interventions), weeks=90, runs=runs,
                   engine=engine, seed=3, start=START, first_run=first_run)
    assert (ds.status.values == 0).all()
    return ds


def removal(**when: float) -> InterventionSpec:
    """A trigger: kill cjng's leader once, in the first week of the window `when` holds."""
    return InterventionSpec(action="remove_leader", kind="killed", succession="settled",
                            target={"groups": ["cjng"]}, when=when, **WINDOW)


def first_crossing(series: np.ndarray, level: float) -> int:
    above = np.flatnonzero(series[FIRST:] > level)
    assert above.size, "the level is never crossed in the window"
    return FIRST + int(above[0])


def test_a_group_size_condition_fires_in_the_week_the_group_first_exceeds_it(mexico) -> None:
    """Members at the start of week w are the results at date w: cjng grows in the status
    quo, so a level between two weeks' members fires exactly at the later week."""
    cjng = world(mexico).members.sel(group="cjng").values[0]
    week = 30
    assert cjng[week] > cjng[week - 1] and (np.diff(cjng[FIRST:week + 1]) > 0).all()
    level = 0.5 * (cjng[week - 1] + cjng[week])
    hvt = world(mexico, removal(group_members_above=level)).hvt_removals.values[0]
    assert first_crossing(cjng, level) == week
    assert np.flatnonzero(hvt).tolist() == [week]


def test_a_homicide_condition_fires_where_the_conflict_law_crosses_the_level(
        mexico, params: Params) -> None:
    """National homicides of the condition, computed here from the status quo's members by
    the conflict law (engines.rates), cross a level in a known week: the trigger fires then."""
    members = world(mexico).members.values[0]
    structure = ConflictStructure.from_system(mexico)
    deaths = (params["conflict_lethality"] * members
              * structure.pressure(members)).sum(axis=1)
    homicides = deaths / params["victim_member_share"] * params["homicide_share_of_victims"]
    assert (np.diff(homicides[FIRST:60]) > 0).all()  # rising while the groups grow
    week = 40
    level = 0.5 * (homicides[week - 1] + homicides[week])
    hvt = world(mexico, removal(national_homicides_above=level)).hvt_removals.values[0]
    assert np.flatnonzero(hvt).tolist() == [first_crossing(homicides, level)] == [week]


def test_paired_runs_stay_paired_until_the_condition_fires_in_each(mexico) -> None:
    """Stochastic runs cross a size level in different weeks; each run equals the status quo
    draw for draw before its own removal, and a run made alone equals it made in a batch."""
    runs = 6
    quo = world(mexico, engine="stochastic", runs=runs)
    level = float(np.median(quo.members.sel(group="cjng").values[:, 20]))
    policy = world(mexico, removal(group_members_above=level), engine="stochastic",
                   runs=runs)
    hvt = policy.hvt_removals.values
    fired = [int(np.flatnonzero(hvt[r])[0]) for r in range(runs) if hvt[r].any()]
    assert len(set(fired)) > 1  # runs differ in when the state met the condition
    for r in range(runs):
        if not hvt[r].any():
            np.testing.assert_array_equal(policy.members.values[r], quo.members.values[r])
            continue
        week = int(np.flatnonzero(hvt[r])[0])
        np.testing.assert_array_equal(policy.members.values[r, :week + 1],
                                      quo.members.values[r, :week + 1])
        crossed = quo.members.sel(group="cjng").values[r]
        assert week == first_crossing(crossed, level)
    alone = world(mexico, removal(group_members_above=level), engine="stochastic", runs=1,
                  first_run=2)
    n = int(alone.groups_ever.values[0])
    np.testing.assert_array_equal(alone.members.values[0, :, :n],
                                  policy.members.values[2, :, :n])


def test_a_lasting_action_acts_only_on_the_targets_above_the_size(mexico) -> None:
    """Prevention on every group while it has more than `level` members: nothing changes
    before the window; in it, a group's recruitment is cut in the weeks it starts above the
    level."""
    quo = world(mexico)
    level = 5000.0
    big = (quo.members.values[0] > level).any(axis=0)
    assert 0 < big.sum() < big.size
    policy = world(mexico, InterventionSpec(action="prevent_recruitment", effect=0.5,
                                            when={"group_members_above": level}, **WINDOW))
    np.testing.assert_array_equal(policy.recruits.values[0, :FIRST + 1],
                                  quo.recruits.values[0, :FIRST + 1])
    change = np.abs(policy.recruits.values[0] - quo.recruits.values[0])[1:].max(axis=0)
    big_after = (policy.members.values[0, FIRST:74] > level).any(axis=0)
    ratio = policy.recruits.values[0, 1:] / quo.recruits.values[0, 1:]
    assert change[big_after].min() > 0
    held = policy.members.values[0, FIRST:74] > level  # weeks 4..73, start of week
    acted = ratio[FIRST:74][held]  # recruits over week w are reported at date w + 1
    assert acted.max() < 0.75
