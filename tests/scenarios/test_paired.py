"""The paired runner: the same worlds for both scenarios, slices equal to the whole."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from cartelsim.errors import CartelsimError
from cartelsim.scenarios.paired import check_same_world, run_paired, run_slices
from cartelsim.scenarios.runner import run_scenario
from cartelsim.scenarios.schema import parse_scenario

POLICY = [{"action": "remove_leader", "kind": "captured", "succession": "uncertain",
           "effect": 0.6, "start": "2026-02-01", "every_weeks": 6, "end": "2026-08-01",
           "target": {"largest": 3}},
          {"action": "prevent_recruitment", "effect": 0.4, "target": {"largest": 5}}]


@pytest.fixture(scope="module")
def pair():
    policy = parse_scenario({"name": "policy", "horizon": {"weeks": 40},
                             "run": {"engine": "stochastic", "runs": 5, "seed": 3},
                             "interventions": POLICY})
    return policy.without_interventions(), policy


def _equal(a: xr.Dataset, b: xr.Dataset) -> None:
    for name in ("total_members", "homicides", "hvt_removals", "status"):
        assert np.array_equal(a[name].values, b[name].values, equal_nan=True), name


def test_paired_runs_are_each_scenario_run_alone(pair) -> None:
    base, policy = pair
    shares: list[float] = []
    result = run_paired(base, policy, progress=shares.append)
    _equal(result.base, run_scenario(base))
    _equal(result.policy, run_scenario(policy))
    assert shares == sorted(shares) and shares[-1] == pytest.approx(1.0)
    # the worlds are shared: the same initial members, and the policy changes them later
    assert np.array_equal(result.base.total_members.isel(time=0).values,
                          result.policy.total_members.isel(time=0).values)
    assert not np.array_equal(result.base.total_members.values,
                              result.policy.total_members.values)


def test_slices_reduced_and_joined_are_the_whole(pair) -> None:
    _, policy = pair
    whole = run_scenario(policy)
    sliced = run_slices(policy, chunk_runs=2, keep=lambda ds: ds[["total_members", "homicides",
                                                                  "hvt_removals", "status"]])
    assert list(sliced.run.values) == list(range(5))
    _equal(sliced, whole)
    part = run_slices(policy, first_run=1, runs=3, chunk_runs=2)
    _equal(part, whole.isel(run=slice(1, 4)))


@pytest.mark.parametrize("change,field", [({"run": {"seed": 4}}, "seed"),
                                          ({"run": {"runs": 6}}, "runs"),
                                          ({"horizon": {"weeks": 41}}, "horizon"),
                                          ({"mechanisms": {"money": True}}, "mechanisms"),
                                          ({"system": {"groups": 40}}, "system")])
def test_scenarios_on_other_worlds_are_refused(pair, change: dict, field: str) -> None:
    base, policy = pair
    with pytest.raises(CartelsimError, match=f"differ in {field}"):
        run_paired(base, policy.derive(**change))
    with pytest.raises(CartelsimError, match=f"differ in {field}"):
        check_same_world(base, policy.derive(**change))


def test_world_params_run_each_world_with_its_own_parameters(pair) -> None:
    """Worlds sharing one Params object run as one slice and equal the whole; a world with
    other parameters equals that world of a whole run at those parameters."""
    base, _ = pair
    params = base.params()
    other = params.override({"incapacitation": 200.0}, "test draw")
    _equal(run_slices(base, world_params=[params] * 5), run_scenario(base))
    mixed = run_slices(base, world_params=[params, params, other, other, params])
    whole_other = run_scenario(base, params=other)
    _equal(mixed.isel(run=[0, 1, 4]), run_scenario(base).isel(run=[0, 1, 4]))
    _equal(mixed.isel(run=[2, 3]), whole_other.isel(run=[2, 3]))
    with pytest.raises(CartelsimError, match="parameter sets for 5 worlds"):
        run_slices(base, world_params=[params] * 3)
