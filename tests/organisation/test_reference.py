"""The compiled engine and the object-per-member reference (benchmarks/) follow the same
rules: on the same organisations, schedules and keyed draws they give the same histories."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from cartelsim.organisation import kernel as k
from cartelsim.organisation.experiment import (
    build_schedule,
    simulate_run,
    split_options,
)
from cartelsim.organisation.structure import generate

PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "l4_object_per_member.py"


@pytest.fixture(scope="module")
def reference():
    spec = importlib.util.spec_from_file_location("l4_object_per_member", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CASES = [
    ("leader", "uncertain", {"removal_week": 10, "exact_below": 500, "pressure": 10.0}),
    ("leader", "contested", {"removal_week": 5, "exact_below": 0, "efficiency_sources": 5,
                             "pressure": 5.0}),
    ("random", "settled", {"removal_week": 8, "removal_count": 15, "pressure": 20.0}),
    ("degree", "uncertain", {"removal_week": 6, "removal_count": 3, "sweep_fraction": 0.2,
                             "sweep_week": 30, "compartmentalised": True}),
]


@pytest.mark.parametrize("strategy, succession, options", CASES)
def test_reference_gives_the_engine_histories(reference, strategy, succession, options):
    weeks, seed = 60, 5
    opts, params, _ = split_options(150, strategy, succession, weeks, dict(options))
    org = generate(150, params, seed, 0, compartmentalised=opts.compartmentalised)
    engine = simulate_run(org, params, opts, build_schedule(opts, params), seed, 0).out
    slow = reference.simulate_reference(150, strategy, succession, weeks, seed, **options)
    exact = [k.O_REACH, k.O_LARGEST, k.O_SPLINTERS, k.O_MEMBERS, k.O_PARENT, k.O_ARRESTS,
             k.O_REMOVED, k.O_RECRUITS, k.O_LEADER]
    np.testing.assert_array_equal(engine[exact], slow[exact])
    np.testing.assert_allclose(engine[k.O_EFFICIENCY], slow[k.O_EFFICIENCY], rtol=1e-12)
    assert engine[k.O_ARRESTS].sum() > 0 and engine[k.O_RECRUITS].sum() > 0
