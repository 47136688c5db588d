"""The quiet deterministic shortcut (`world.quiet`) against the full world step, bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cartelsim.engines.initial import zipf_sizes
from cartelsim.params.catalogue import Params
from cartelsim.world.quiet import is_quiet
from cartelsim.world.run import _simulate_chunk, base_structure
from cartelsim.world.schedule import compile_interventions
from cartelsim.world.state import WorldRecord, WorldState

# What a finished run carries into its results; the rest is the step's own bookkeeping
# (stream keys, restart memory of the multipliers), which the shortcut does not need.
_STATE = ("members", "integrity", "contested", "root", "parent", "birth", "end", "n_live",
          "n_used", "week", "status", "since", "hist_sums")


def _both(system, params: Params, members0: np.ndarray, keep: bool, weeks: int = 520):
    effects = compile_interventions(system, params, [], pd.Timestamp("2012-01-01"), weeks)
    base = base_structure(system)
    cap = system.n_groups + 8
    return [_simulate_chunk(system, params, effects, members0.copy(), weeks, False, keep, 1, 0,
                            cap, base=base, shortcut=shortcut) for shortcut in (True, False)]


def _assert_identical(fast: tuple[WorldState, WorldRecord],
                      full: tuple[WorldState, WorldRecord]) -> None:
    (s_fast, o_fast), (s_full, o_full) = fast, full
    assert not s_fast.keys_demo.any() and s_full.keys_demo.any()  # the shortcut was taken
    width = s_fast.capacity  # the shortcut needs no room for splinters
    assert width == s_full.n_used.max() < s_full.capacity

    def same(a: np.ndarray, b: np.ndarray, name: str, grouped: bool) -> None:
        np.testing.assert_array_equal(a, b[..., :width] if grouped else b, err_msg=name)

    for name in _STATE:
        same(getattr(s_fast, name), getattr(s_full, name), name, name != "hist_sums")
    for j in range(s_full.n_live.size):  # the live lists, up to each run's count
        n = s_full.n_live[j]
        np.testing.assert_array_equal(s_fast.live[j, :n], s_full.live[j, :n])
    for name in WorldRecord.__dataclass_fields__:
        a, b = getattr(o_fast, name), getattr(o_full, name)
        same(a, b, name, b.ndim > 2 and b.shape[-1] == s_full.capacity)


@pytest.mark.parametrize("keep", [True, False])
def test_published_model_on_bacrim(bacrim_system, keep: bool) -> None:
    params = Params.defaults()
    expected = zipf_sizes(bacrim_system, params["initial_members"])
    members0 = np.vstack([expected, np.random.default_rng(5).poisson(expected, (5, expected.size))])
    fast, full = _both(bacrim_system, params, members0.astype(float), keep)
    _assert_identical(fast, full)
    assert (full[0].status == 0).all()


@pytest.mark.parametrize("keep", [True, False])
def test_groups_that_end_restart_the_multistep_rule(mexico, keep: bool) -> None:
    """Groups fall below group_end_members and end: their remainder counts as exits and the
    multistep rule restarts, in both paths alike."""
    defaults = Params.defaults()
    params = defaults.override({"group_end_members": 30.0,
                                "recruitment_rate": 0.6 * defaults["recruitment_rate"]}, "test")
    members0 = np.random.default_rng(11).uniform(31.0, 240.0, (4, mexico.n_groups)).round()
    members0[:, :10] = 3000.0
    fast, full = _both(mexico, params, members0, keep, weeks=260)
    _assert_identical(fast, full)
    ends = full[0].end
    assert (ends > 0).sum() > 20 and len(np.unique(ends[ends > 0])) > 20  # many end weeks


def test_failed_runs_fail_alike(mexico) -> None:
    """Rates too fast for the weekly step stop a run with the same status and NaN tail."""
    params = Params.defaults().override({"conflict_lethality": 50 * Params.defaults()[
        "conflict_lethality"]}, "test")
    members0 = np.full((3, mexico.n_groups), 500.0)
    members0[1] = 5.0
    fast, full = _both(mexico, params, members0, True, weeks=104)
    _assert_identical(fast, full)
    assert (full[0].status != 0).any()


def test_only_quiet_worlds_take_the_shortcut() -> None:
    assert is_quiet(False, 0, False, False, False)
    assert not is_quiet(True, 0, False, False, False)
    assert not is_quiet(False, 1, False, False, False)
    assert not is_quiet(False, 0, True, False, False)
    assert not is_quiet(False, 0, False, True, False)
    assert not is_quiet(False, 0, False, False, True)


def test_a_world_with_entry_is_not_quiet(mexico) -> None:
    """New groups enter in deterministic worlds too (keyed draws), so entry_rate > 0 takes
    the full step: both paths give the same entrants."""
    assert not is_quiet(False, 0, False, False, False, 0.3)
    params = Params.defaults().override({"entry_rate": 0.3}, "test")
    members0 = np.full((2, mexico.n_groups), 400.0)
    fast, full = _both(mexico, params, members0, True, weeks=52)
    assert fast[0].keys_demo.any()  # the shortcut was not taken
    assert (full[0].n_used > mexico.n_groups).all()  # groups entered
    np.testing.assert_array_equal(fast[0].n_used, full[0].n_used)
    np.testing.assert_array_equal(fast[1].totals, full[1].totals)
