"""Splinter slots: their wiring, and the nesting property (DESIGN.md §2 L1: with the
mechanisms switched off, results equal the published model exactly).

A slot is an empty group that a split can fill during a run. While it is empty it must
change nothing: every series of the real groups is == (not approximately equal) to the
same simulation on the system without slots.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cartelsim.engines.initial import zipf_sizes
from cartelsim.engines.simulate import initial_members, simulate
from cartelsim.mechanisms.splinters import with_splinter_slots
from cartelsim.scenarios.runner import run_scenario
from cartelsim.scenarios.schema import parse_scenario
from cartelsim.system.model import System

WEIGHT = 13.0  # splinter_rivalry default


def assert_nested(plain: xr.Dataset, slotted: xr.Dataset, n: int) -> None:
    """Every variable of `plain` equals (==, NaN where NaN) `slotted` on the first n groups;
    slot groups hold no members at any time."""
    for var in plain.data_vars:
        x, y = plain[var], slotted[var]
        if "group" in x.dims:
            y = y.isel(group=slice(0, n))
        np.testing.assert_array_equal(x.values, y.values, err_msg=str(var))
    assert (slotted.members.isel(group=slice(n, None)).values == 0.0).all()


def strongest(system: System, k: int) -> list[int]:
    """The k groups of highest rivalry + alliance strength (the most connected targets)."""
    return [int(g) for g in np.argsort(system.strength_rank())[:k]]


# --------------------------------------------------------------------------- wiring


def test_slots_grow_the_group_axis_by_the_number_of_parents(mexico) -> None:
    slotted = with_splinter_slots(mexico, [3, 0, 3], WEIGHT)  # duplicates count once
    n = mexico.n_groups
    assert slotted.n_groups == n + 2
    assert slotted.group_ids[:n] == mexico.group_ids
    assert slotted.group_ids[n:] == (f"{mexico.group_ids[0]}_splinter",
                                     f"{mexico.group_ids[3]}_splinter")
    assert slotted.group_ids[n] == "cjng_splinter"
    assert slotted.group_names[n:] == (f"{mexico.group_names[0]} (splinter)",
                                       f"{mexico.group_names[3]} (splinter)")
    assert slotted.home_states[n:] == (mexico.home_states[0], mexico.home_states[3])
    np.testing.assert_array_equal(slotted.synthetic,
                                  np.concatenate([mexico.synthetic, mexico.synthetic[[0, 3]]]))


def test_no_parents_gives_the_system_back(mexico) -> None:
    assert with_splinter_slots(mexico, [], WEIGHT) is mexico


def test_parent_array_and_is_slot(mexico) -> None:
    n = mexico.n_groups
    assert mexico.parent is None
    assert not mexico.is_slot.any() and mexico.is_slot.shape == (n,)
    slotted = with_splinter_slots(mexico, [5, 0], WEIGHT)
    np.testing.assert_array_equal(slotted.parent[:n], np.full(n, -1))
    np.testing.assert_array_equal(slotted.parent[n:], [0, 5])  # slots in order of parents
    np.testing.assert_array_equal(slotted.is_slot, np.arange(n + 2) >= n)


@pytest.mark.parametrize("parents", [[0], [0, 3], [0, 1, 2, 3, 4]])
def test_slot_rivalry_is_the_parents_row_plus_a_war_with_the_parent(mexico, parents) -> None:
    n, k = mexico.n_groups, len(parents)
    original = mexico.rivalry.toarray()
    rivalry = with_splinter_slots(mexico, parents, WEIGHT).rivalry.toarray()
    np.testing.assert_array_equal(rivalry, rivalry.T)  # symmetric
    for offset, p in enumerate(sorted(parents)):
        slot = n + offset
        expected = original[p].copy()
        expected[p] += WEIGHT
        np.testing.assert_array_equal(rivalry[slot, :n], expected)
        assert rivalry[p, slot] == WEIGHT
    # slots are not rivals of one another, and the real groups' mutual rivalries are kept
    np.testing.assert_array_equal(rivalry[n:, n:], np.zeros((k, k)))
    np.testing.assert_array_equal(rivalry[:n, :n], original)
    assert original[0].any()  # the test means something: CJNG has rivals to copy


def test_slots_have_no_alliances(mexico) -> None:
    n = mexico.n_groups
    slotted = with_splinter_slots(mexico, [0, 1, 2], WEIGHT)
    alliance = slotted.alliance.toarray()
    np.testing.assert_array_equal(alliance[n:], 0.0)
    np.testing.assert_array_equal(alliance[:, n:], 0.0)
    np.testing.assert_array_equal(alliance[:n, :n], mexico.alliance.toarray())
    np.testing.assert_array_equal(slotted.alliance_strength[:n], mexico.alliance_strength)


def test_size_hint_is_padded_with_zeros(mexico, bacrim_system) -> None:
    assert mexico.size_hint is not None
    slotted = with_splinter_slots(mexico, [0, 1], WEIGHT)
    np.testing.assert_array_equal(slotted.size_hint[: mexico.n_groups], mexico.size_hint)
    np.testing.assert_array_equal(slotted.size_hint[mexico.n_groups:], [0.0, 0.0])
    assert bacrim_system.size_hint is None
    assert with_splinter_slots(bacrim_system, [0], WEIGHT).size_hint is None


# --------------------------------------------------------------------------- nesting


@pytest.mark.parametrize("runs", [1, 3])  # the serial and the batched deterministic kernel
def test_empty_slots_change_nothing_deterministic_bacrim(bacrim_system, params, runs) -> None:
    """The published model on its data (BACRIM 2020, 520 weeks) with a slot for each of the
    five most connected groups, every slot empty: == the model without slots."""
    n = bacrim_system.n_groups
    parents = strongest(bacrim_system, 5)
    slotted = with_splinter_slots(bacrim_system, parents, WEIGHT)
    members0 = zipf_sizes(bacrim_system, params["initial_members"])
    plain = simulate(bacrim_system, params, weeks=520, runs=runs, initial=members0)
    with_slots = simulate(slotted, params, weeks=520, runs=runs,
                          initial=np.concatenate([members0, np.zeros(len(parents))]))
    assert_nested(plain, with_slots, n)


def test_empty_slots_change_nothing_stochastic_mexico(mexico, params) -> None:
    """Same seed, same draws: integer members on Mexico 2025 with slots for the five
    largest named groups, 104 weeks, three runs."""
    n, runs, seed = mexico.n_groups, 3, 17
    parents = [0, 1, 2, 3, 4]
    slotted = with_splinter_slots(mexico, parents, WEIGHT)
    members0 = initial_members(mexico, params, runs, "auto", seed, "stochastic")
    plain = simulate(mexico, params, weeks=104, runs=runs, engine="stochastic", seed=seed)
    with_slots = simulate(slotted, params, weeks=104, runs=runs, engine="stochastic", seed=seed,
                          initial=np.hstack([members0, np.zeros((runs, len(parents)))]))
    assert_nested(plain, with_slots, n)


@pytest.mark.parametrize("system_name", ["bacrim", "mexico"])
def test_zipf_initial_sizes_ignore_slots(bacrim_system, mexico, params, system_name) -> None:
    """Slots start empty and take no rank, so every real group gets exactly the members it
    gets without slots (the slot's copied rivalries must not shift the strength ranks)."""
    system = bacrim_system if system_name == "bacrim" else mexico
    n = system.n_groups
    slotted = with_splinter_slots(system, strongest(system, 3), WEIGHT)
    total = params["initial_members"]
    sizes = zipf_sizes(slotted, total)
    np.testing.assert_array_equal(sizes[n:], 0.0)
    np.testing.assert_array_equal(sizes[:n], zipf_sizes(system, total))
    for rule in ("zipf", "poisson"):
        with_slots = initial_members(slotted, params, 2, rule, 3, "stochastic")
        np.testing.assert_array_equal(with_slots[:, :n],
                                      initial_members(system, params, 2, rule, 3, "stochastic"),
                                      err_msg=rule)


@pytest.mark.parametrize("engine, runs, fragmentation", [
    ("deterministic", 1, "capped"), ("stochastic", 3, "capped"), ("deterministic", 1, "open")])
def test_a_scenario_without_interventions_is_the_published_model(mexico, params, engine,
                                                                  runs, fragmentation) -> None:
    """run_scenario goes through the WorldPlan (capped) or the world step (open, the
    default); with nothing to do it is the published model. (The world engine's stochastic
    draws are keyed per group, so they are its own: tests/world checks them.)"""
    scenario = parse_scenario({
        "system": {"name": "mexico2025"},
        "horizon": {"start": "2026-01-01", "weeks": 104},
        "run": {"engine": engine, "runs": runs, "seed": 9},
        "mechanisms": {"fragmentation": fragmentation},
        "parameters": {"entry_rate": 0.0},  # the published model has no new groups
    })
    ds = run_scenario(scenario)
    reference = simulate(mexico, scenario.params(), weeks=104, runs=runs, engine=engine, seed=9,
                         start=pd.Timestamp("2026-01-01"), initial="auto")
    assert ds.sizes["group"] == mexico.n_groups  # no removal, so no slot
    for var in reference.data_vars:
        np.testing.assert_array_equal(ds[var].values, reference[var].values, err_msg=str(var))
    np.testing.assert_array_equal(ds.time.values, reference.time.values)
    assert (ds.hvt_removals.values == 0).all()
    assert (ds.command_integrity.values[:, :, :mexico.n_groups] == 1.0).all()
    assert (ds.splits.values == 0).all()
