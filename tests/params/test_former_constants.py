"""Numbers that were constants in the code are catalogue entries that the model reads
(issue 11, item 5): their defaults keep the old values, other values change the model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cartelsim.interventions.plan import InterventionPlan
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.params.catalogue import CATALOGUE, Params
from cartelsim.scenarios.schema import parse_scenario
from cartelsim.system.embedded import load_embedded

FORMER = {"succession_consolidated": 0.9, "pressure_split_slots": 10.0,
          "split_slot_margin": 2.0, "embedded_total_members": 183_000.0}


@pytest.mark.parametrize("name,value", FORMER.items())
def test_the_default_is_the_old_constant_with_a_passport(name: str, value: float) -> None:
    spec = CATALOGUE[name]
    assert spec.default == value
    assert spec.low <= spec.default <= spec.high and spec.minimum <= spec.low
    assert spec.unit and spec.source and spec.description


def _targets(params: Params, *specs: InterventionSpec) -> int:
    system = load_embedded(None, n_groups=60)
    plan = InterventionPlan(system, params, list(specs), pd.Timestamp("2026-01-01"), 52)
    members0 = np.asarray(system.size_hint, dtype=float)[None, :]
    return int(plan.removal_targets(members0).sum())


def test_pressure_split_slots_and_the_slot_margin_size_the_splinter_slots() -> None:
    p = Params.defaults()
    pressure = InterventionSpec(action="us_pressure", effect=1.0)
    assert _targets(p, pressure) == 10
    assert _targets(p.override({"pressure_split_slots": 4}, origin="test"), pressure) == 4
    largest = InterventionSpec(action="remove_leader", kind="killed", target={"largest": 3})
    assert _targets(p, largest) == 6
    assert _targets(p.override({"split_slot_margin": 1.0}, origin="test"), largest) == 3


def test_the_embedded_world_starts_with_the_catalogue_total() -> None:
    base = parse_scenario({"system": {"groups": 40}})
    assert base.build_system().size_hint.sum() == pytest.approx(183_000.0)
    smaller = base.derive(parameters={"embedded_total_members": 170_000.0})
    assert smaller.build_system().size_hint.sum() == pytest.approx(170_000.0)
    assert smaller.params().chain("embedded_total_members")[-1][1] == 170_000.0
