"""The world of 2007 as a scenario system ("history2007"), sized by `members_2007`."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import CATALOGUE
from cartelsim.record.world import history_groups
from cartelsim.scenarios.schema import parse_scenario


def test_a_history2007_scenario_starts_in_2007_on_the_groups_of_2007_sized_by_the_catalogue() -> None:
    scenario = parse_scenario({"system": {"name": "history2007"},
                               "parameters": {"members_2007": 60_000.0}})
    assert scenario.start == dt.date(2007, 1, 1)
    system = scenario.build_system()
    founders = [g for g in history_groups() if g.active_in(2007)]
    assert system.group_ids == tuple(g.id for g in founders)
    assert system.size_hint is not None
    assert system.size_hint.sum() == pytest.approx(60_000.0)
    relative = np.array([g.relative_size for g in founders])
    np.testing.assert_allclose(system.size_hint, 60_000.0 * relative / relative.sum())


def test_the_default_total_is_the_catalogue_back_cast() -> None:
    system = parse_scenario({"system": {"name": "history2007"},
                             "defaults": "catalogue"}).build_system()
    assert system.size_hint.sum() == pytest.approx(CATALOGUE["members_2007"].default)
    assert "F18" in CATALOGUE["members_2007"].source


def test_mexico2025_settings_are_refused_on_the_history_world() -> None:
    with pytest.raises(CartelsimError, match="system.groups applies to mexico2025"):
        parse_scenario({"system": {"name": "history2007", "groups": 20}})
