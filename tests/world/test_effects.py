"""The world engine reads the registry's effects by type, never an action's name: a new
action class, defined here and nowhere else, runs in the world engine (issue 11, item 3)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from cartelsim.errors import CartelsimError
from cartelsim.interventions.actions import Action, Amount, base
from cartelsim.interventions.effects import (
    Effect,
    RemoveLeader,
    RemoveMembers,
    ScaleRate,
)
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.params.catalogue import Params
from cartelsim.world.run import run_world


@pytest.fixture
def registry_restored() -> Iterator[None]:
    """Actions defined by a test leave the registry as it was (other tests list it)."""
    saved = dict(base._REGISTRY)
    yield
    base._REGISTRY.clear()
    base._REGISTRY.update(saved)


def define_actions() -> None:
    """Two actions the package does not have: a one-off raid that removes the leader and
    a share of members at once, and a national curfew that cuts every group's recruitment."""

    class JointRaid(Action):
        name = "test_joint_raid"
        meaning = "A raid removes the targets' leader and arrests a share of their members."
        amount = Amount("share of the targets' members arrested in the raid", 0.0, 1.0,
                        "share of members")
        lasting = False

        def effects(self, amount: float, params: Params) -> tuple[Effect, ...]:
            return (RemoveLeader(1.0), RemoveMembers(amount))

    class Curfew(Action):
        name = "test_curfew"
        meaning = "A national curfew keeps part of every group's recruits from joining."
        amount = Amount("share of recruitment prevented nationally", 0.0, 1.0,
                        "share of recruits")
        national = True

        def effects(self, amount: float, params: Params) -> tuple[Effect, ...]:
            return (ScaleRate("rho", 1.0 - amount),)

    class Omega(Action):
        name = "test_scale_exits"
        meaning = "Scales the saturation rate omega (the world step has no multiplier for it)."
        amount = Amount("factor on omega", 0.0, 10.0, "factor")
        national = True

        def effects(self, amount: float, params: Params) -> tuple[Effect, ...]:
            return (ScaleRate("omega", amount),)


def simulate(mexico, interventions: list[dict]) -> np.ndarray:
    specs = [InterventionSpec(**item) for item in interventions]
    ds = run_world(mexico, interventions=specs, weeks=60, runs=3, engine="stochastic",
                   seed=4, start="2026-01-01")
    assert (ds.status.values == 0).all()
    return ds.members.values


@pytest.mark.usefixtures("registry_restored")
def test_a_new_action_class_runs_in_the_world_engine(mexico) -> None:
    """The new actions give, draw for draw, what the existing actions with the same effects
    give: remove_leader + arrest_sweep, and prevent_recruitment on every group."""
    define_actions()
    when = {"start": "2026-03-05", "target": {"groups": ["cjng"]}}
    new = simulate(mexico, [{"action": "test_joint_raid", "effect": 0.2, **when},
                            {"action": "test_curfew", "effect": 0.3, "start": "2026-05-07"}])
    old = simulate(mexico, [{"action": "remove_leader", "kind": "killed", **when},
                            {"action": "arrest_sweep", "effect": 0.2, **when},
                            {"action": "prevent_recruitment", "effect": 0.3,
                             "start": "2026-05-07"}])
    quo = simulate(mexico, [])
    np.testing.assert_array_equal(new, old)
    assert not np.array_equal(new, quo)


@pytest.mark.usefixtures("registry_restored")
def test_an_effect_the_step_cannot_apply_is_a_one_line_error(mexico) -> None:
    define_actions()
    with pytest.raises(CartelsimError, match=r"interventions\[1\] \(test_scale_exits\).*"
                                             "cannot scale the national rate 'omega'"):
        simulate(mexico, [{"action": "test_scale_exits", "effect": 2.0}])
