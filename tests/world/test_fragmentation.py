"""Item 7 of issue 11: a six-group world under a sustained removal campaign fragments into
dozens of groups within five years, and every group that ever existed is labelled."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from cartelsim.scenarios.examples import example_path
from cartelsim.scenarios.runner import run_scenario
from cartelsim.scenarios.schema import load_scenario

SCENARIO = example_path("fragmentation-campaign")


@pytest.fixture(scope="module")
def campaign() -> xr.Dataset:
    scenario = load_scenario(SCENARIO)
    return run_scenario(scenario, runs=6)


def test_six_groups_become_dozens_within_five_years(campaign: xr.Dataset) -> None:
    assert (campaign.status.values == 0).all()
    assert (campaign.active_groups.values[:, 0] == 6).all()
    assert campaign.sizes["time"] == 261  # five years of weeks
    end = campaign.active_groups.values[:, -1]
    assert (end >= 24).all(), end  # "dozens": at least two dozen live groups in every run
    # splinters split again: some splinter is the parent of another
    parents = campaign.group_parent.values
    assert (parents >= 6).any()


def test_every_group_that_ever_existed_is_labelled(campaign: xr.Dataset) -> None:
    parent = campaign.group_parent.values
    root = campaign.group_root.values
    birth = campaign.group_birth_week.values
    end = campaign.group_end_week.values
    ever = campaign.groups_ever.values
    members = campaign.members.values
    entrant = campaign.group_entrant.values  # new local groups (entry_rate), no parent
    for r in range(campaign.sizes["run"]):
        n = ever[r]
        assert (birth[r, :6] == 0).all() and (parent[r, :6] == -1).all()
        assert (root[r, :6] == np.arange(6)).all()
        # a split needs a week with a contest; an entrant may come in the first week
        assert (birth[r, 6:n] > np.where(entrant[r, 6:n], -1, 0)).all()
        assert (birth[r, n:] == -1).all()
        for g in range(6, n):
            p = parent[r, g]
            if entrant[r, g]:
                assert p == -1 and 0 <= root[r, g] < 6
            else:
                assert 0 <= p < g and birth[r, p] <= birth[r, g] and root[r, g] == root[r, p]
            assert members[r, : birth[r, g] + 1, g].sum() == 0  # nothing before its birth
            assert members[r, birth[r, g] + 1, g] > 0
        splits = campaign.splits.values[r]
        assert splits.sum() == n - 6 - entrant[r, 6:n].sum()
        for g in np.flatnonzero(end[r] >= 0):
            assert (members[r, end[r, g]:, g] == 0).all()
            assert members[r, end[r, g] - 1, g] >= 1


def test_splits_conserve_members_and_flows_balance(campaign: xr.Dataset) -> None:
    """Each week and group: members change by recruits - arrests - deaths - exits plus the
    members a split moved; a split moves members without creating any."""
    m = campaign.members.values
    change = m[:, 1:] - m[:, :-1]
    flows = (campaign.recruits - campaign.arrests - campaign.deaths - campaign.exits).values
    moved = campaign.split_transfers.values
    np.testing.assert_array_equal(change, flows[:, 1:] + moved[:, 1:])
    np.testing.assert_array_equal(moved.sum(axis=2), 0.0)
    assert (m >= 0).all()
