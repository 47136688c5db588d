"""The world engine's contracts: invariants, determinism whatever the batch, chunking,
threads or capacity, growth of the group axis, the capacity status, and its draws."""

from __future__ import annotations

import numba
import numpy as np
import pytest
import xarray as xr
from scipy import stats

from cartelsim.errors import CartelsimError
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.params.catalogue import Params
from cartelsim.world import rng, step
from cartelsim.world.run import run_world

CAMPAIGN = [InterventionSpec(action="remove_leader", kind="killed", succession="contested",
                             start="2026-01-08", every_weeks=6, end="2028-01-01",
                             target={"largest": 4}),
            InterventionSpec(action="arrest_sweep", effect=0.2, start="2026-06-04",
                             target={"largest": 2}),
            InterventionSpec(action="us_pressure", effect=2.0, start="2026-03-05",
                             end="2027-06-01"),
            InterventionSpec(action="prevent_recruitment", effect=0.3, start="2026-04-02",
                             target={"largest": 3})]
WEEKS = 120


def world(system, engine: str, runs: int, **kwargs) -> xr.Dataset:
    return run_world(system, interventions=CAMPAIGN, weeks=WEEKS, runs=runs, engine=engine,
                     seed=11, start="2026-01-01", **kwargs)


def per_run_equal(batch: xr.Dataset, single: xr.Dataset, r: int) -> None:
    """Run r of a batch equals the same run made alone, on every variable (==)."""
    n = int(single.groups_ever.values[0])
    assert int(batch.groups_ever.values[r]) == n
    for name in single.data_vars:
        a, b = batch[name].isel(run=r), single[name].isel(run=0)
        if "group" in a.dims:
            a, b = a.isel(group=slice(0, n)), b.isel(group=slice(0, n))
        np.testing.assert_array_equal(a.values, b.values, err_msg=str(name))


@pytest.mark.parametrize("engine", ["deterministic", "stochastic"])
def test_members_change_by_exactly_the_flows(mexico, engine: str) -> None:
    ds = world(mexico, engine, 3)
    assert (ds.status.values == 0).all() and ds.splits.values.sum() > 0
    m = ds.members.values
    flows = (ds.recruits - ds.arrests - ds.deaths - ds.exits).values
    change = m[:, 1:] - m[:, :-1]
    expected = flows[:, 1:] + ds.split_transfers.values[:, 1:]
    if engine == "stochastic":
        np.testing.assert_array_equal(change, expected)
        assert (m == np.rint(m)).all()
    else:
        np.testing.assert_allclose(change, expected, rtol=0, atol=1e-9 * m.max())
    assert (m >= 0).all()
    for name in ("recruits", "arrests", "deaths", "exits"):
        assert (ds[name].values[:, 1:] >= 0).all()
        np.testing.assert_allclose(ds[name].values[:, 1:].sum(axis=2),
                                   ds[f"total_{name}"].values[:, 1:], rtol=1e-9)
    np.testing.assert_allclose(m.sum(axis=2), ds.total_members.values, rtol=1e-12)
    assert ds.hvt_removals.values.sum() > 0


@pytest.mark.parametrize("engine", ["deterministic", "stochastic"])
def test_batch_chunk_and_threads_change_nothing(mexico, engine: str) -> None:
    batch = world(mexico, engine, 4)
    chunked = world(mexico, engine, 4, chunk=3)
    for name in batch.data_vars:
        np.testing.assert_array_equal(batch[name].values, chunked[name].values, str(name))
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one_thread = world(mexico, engine, 4)
    finally:
        numba.set_num_threads(threads)
    for name in batch.data_vars:
        np.testing.assert_array_equal(batch[name].values, one_thread[name].values, str(name))
    for r in (0, 3):  # run r alone: first_run keys its streams
        alone = run_world(mexico, interventions=CAMPAIGN, weeks=WEEKS, runs=1, engine=engine,
                          seed=11, start="2026-01-01", first_run=r)
        per_run_equal(batch, alone, r)


@pytest.mark.parametrize("engine", ["deterministic", "stochastic"])
def test_growing_the_group_axis_is_bit_identical(mexico, engine: str) -> None:
    """Starting at the base groups' width forces several doublings; the results equal a run
    that had room for every splinter from the start."""
    grown = world(mexico, engine, 3, capacity=mexico.n_groups)
    roomy = world(mexico, engine, 3, capacity=4 * mexico.n_groups)
    assert int(grown.groups_ever.max()) > mexico.n_groups  # it did grow
    for name in grown.data_vars:
        np.testing.assert_array_equal(grown[name].values, roomy[name].values, str(name))


def test_the_capacity_bound_is_a_status_not_a_wrong_number(mexico) -> None:
    params = Params.defaults().override({"group_capacity_max": mexico.n_groups + 1}, "test")
    ds = run_world(mexico, params, interventions=CAMPAIGN, weeks=WEEKS, runs=3,
                   engine="stochastic", seed=11, start="2026-01-01")
    free = world(mexico, "stochastic", 3)
    for r in range(3):
        splits = int(free.groups_ever.values[r]) - mexico.n_groups
        if splits <= 1:
            assert ds.status.values[r] == 0
            continue
        assert ds.status.values[r] == step.STATUS_CAPACITY
        stop = int(np.argmax(np.isnan(ds.total_members.values[r])))
        assert stop > 0 and (ds.active_groups.values[r, stop:] == -1).all()
        # up to the week it stopped, the run is the unbounded one
        np.testing.assert_array_equal(ds.total_members.values[r, :stop],
                                      free.total_members.values[r, :stop])
    assert (ds.status.values == step.STATUS_CAPACITY).any()
    assert "group_capacity_max" in ds.status.attrs["description"]


def test_money_actions_need_their_mechanism(mexico) -> None:
    freeze = InterventionSpec(action="freeze_assets", effect=0.5)
    with pytest.raises(CartelsimError, match="acts on money; switch it on"):
        run_world(mexico, interventions=[freeze], weeks=10)


def test_status_quo_shares_demography_with_a_policy_group_by_group(mexico) -> None:
    """Common random numbers: before the first intervention, a policy world and the status
    quo are the same, draw for draw."""
    quo = run_world(mexico, weeks=40, runs=2, engine="stochastic", seed=5, start="2026-01-01")
    policy = world(mexico, "stochastic", 2)  # the first removal is in week 1
    quo2 = run_world(mexico, weeks=40, runs=2, engine="stochastic", seed=5,
                     start="2026-01-01")
    np.testing.assert_array_equal(quo.members.values, quo2.members.values)
    late = run_world(mexico, weeks=40, runs=2, engine="stochastic", seed=5, start="2026-01-01",
                     interventions=[InterventionSpec(action="scale_conflict", effect=2.0,
                                                     start="2026-06-04",
                                                     target={"groups": ["cjng"]})])
    week = 22  # 2026-06-04
    np.testing.assert_array_equal(late.members.values[:, :week + 1],
                                  quo.members.values[:, :week + 1])
    assert not np.array_equal(late.members.values, quo.members.values)
    assert policy.sizes["run"] == 2


# ------------------------------------------------------------------ keyed draws
@numba.njit(cache=True)
def _draws(kind: int, a: float, b: float, n: int, key: np.uint64) -> np.ndarray:
    out = np.empty(n)
    state = np.zeros(1, dtype=np.uint64)
    for i in range(n):
        rng.start(key, i, 0, 1, state)
        if kind == 0:
            out[i] = rng.poisson(state, a)
        elif kind == 1:
            out[i] = rng.binomial(state, np.int64(a), b)
        else:
            out[i] = rng.uniform(state)
    return out


@pytest.mark.parametrize("mean", [0.3, 4.0, 9.9, 10.0, 37.5, 400.0])
def test_poisson_draws_follow_the_distribution(mean: float) -> None:
    x = _draws(0, mean, 0.0, 40_000, np.uint64(123))
    lo, hi = stats.poisson.ppf([1e-4, 1 - 1e-4], mean)
    edges = np.arange(lo, hi + 2) - 0.5
    observed, _ = np.histogram(x, bins=edges)
    expected = np.diff(stats.poisson.cdf(edges - 0.5, mean))
    expected = expected / expected.sum() * observed.sum()
    keep = expected > 5
    chi2 = ((observed[keep] - expected[keep]) ** 2 / expected[keep]).sum()
    assert chi2 < stats.chi2.ppf(0.9999, keep.sum() - 1), chi2


@pytest.mark.parametrize("mean", [0.05, 2.5, 9.99, 10.0, 83.0, 5_000.0])
def test_poisson_draws_have_the_mean_and_variance(mean: float) -> None:
    """Inversion (mean < 10) and transformed rejection (>= 10): sample mean and variance
    within 5 standard errors of scipy.stats.poisson's; the same key gives the same draws."""
    n = 100_000
    x = _draws(0, mean, 0.0, n, np.uint64(2026))
    reference = stats.poisson(mean)
    assert abs(x.mean() - reference.mean()) <= 5 * np.sqrt(reference.var() / n)
    # variance of the sample variance of a Poisson: (mu4 - sigma^4) / n, mu4 = m (1 + 3 m)
    se_var = np.sqrt((mean * (1 + 3 * mean) - mean**2) / n)
    assert abs(x.var(ddof=1) - reference.var()) <= 5 * se_var
    np.testing.assert_array_equal(x, _draws(0, mean, 0.0, n, np.uint64(2026)))
    assert not np.array_equal(x, _draws(0, mean, 0.0, n, np.uint64(2027)))


@pytest.mark.parametrize(("n", "p"), [(7, 0.3), (40, 0.1), (500, 0.2), (20_000, 0.7)])
def test_binomial_draws_follow_the_distribution(n: int, p: float) -> None:
    x = _draws(1, float(n), p, 40_000, np.uint64(99))
    assert x.min() >= 0 and x.max() <= n
    lo, hi = stats.binom.ppf([1e-4, 1 - 1e-4], n, p)
    edges = np.arange(lo, hi + 2) - 0.5
    observed, _ = np.histogram(x, bins=edges)
    expected = np.diff(stats.binom.cdf(edges - 0.5, n, p))
    expected = expected / expected.sum() * observed.sum()
    keep = expected > 5
    chi2 = ((observed[keep] - expected[keep]) ** 2 / expected[keep]).sum()
    assert chi2 < stats.chi2.ppf(0.9999, keep.sum() - 1), chi2


def test_uniform_draws_are_uniform_and_keyed() -> None:
    x = _draws(2, 0.0, 0.0, 100_000, np.uint64(7))
    assert stats.kstest(x, "uniform").pvalue > 1e-4
    y = _draws(2, 0.0, 0.0, 100_000, np.uint64(8))
    assert abs(np.corrcoef(x, y)[0, 1]) < 0.02
    np.testing.assert_array_equal(x, _draws(2, 0.0, 0.0, 100_000, np.uint64(7)))
