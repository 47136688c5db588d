"""Memory-bounded summaries and export: one paired block (one chunk per scenario) at a time.

A small ensemble (3 scenarios x 2 samples x 7 runs in chunks of 3) is summarised online and
compared with the in-memory path (gather, then analysis.compare.paired_differences and
numpy percentiles): equal bits when the values fit the memory budget; with a zero budget the
quantiles come from histograms and must lie within their stated resolution (half a bin),
while counts and P(lower) stay exact.
"""

from __future__ import annotations

import warnings
import weakref
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartelsim.analysis.compare import paired_differences
from cartelsim.ensembles.executors import SerialExecutor
from cartelsim.ensembles.online import FAN_VARIABLES, Quantiles, summarize_online
from cartelsim.ensembles.runner import build_design, run_ensemble
from cartelsim.ensembles.store import EnsembleStore
from cartelsim.errors import CartelsimError
from cartelsim.io.export import load_results, write_ensemble_netcdf

RUNS, CHUNK_RUNS, SAMPLES, WEEKS = 7, 3, 2, 52
MONTHS = (3, 6, 11)


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory, make_scenario) -> Path:
    folder = tmp_path_factory.mktemp("online")
    files = [make_scenario(folder, "a", weeks=WEEKS, seed=1),
             make_scenario(folder, "b", policy=True, weeks=WEEKS, seed=2),
             make_scenario(folder, "c", weeks=WEEKS, seed=3,
                           parameters="incapacitation = 160")]
    design, scenarios = build_design(files, runs=RUNS, samples=SAMPLES, seed=4, method="lhs",
                                     parameters=["recruitment_rate"], chunk_runs=CHUNK_RUNS)
    run_ensemble(design, scenarios, folder / "ens", SerialExecutor())
    return folder / "ens"


@pytest.fixture(scope="module")
def pooled(ensemble):
    """The in-memory reference: every world (sample x run) of every scenario."""
    ds = EnsembleStore.open(ensemble).gather()
    worlds = ds.stack(world=("sample", "run")).rename(world="run_index")
    return worlds.drop_vars(["run_index", "sample", "run"]).rename(run_index="run") \
        .transpose("scenario", "run", ...)


def _in_memory_fan(pooled, var: str) -> np.ndarray:
    series = [np.asarray(pooled.isel(scenario=s)[var].values, dtype=float)
              for s in range(pooled.sizes["scenario"])]
    series += [s - series[0] for s in series[1:]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.stack([np.nanpercentile(s, [5, 50, 95], axis=0) for s in series], axis=1)


def test_online_summary_equals_the_in_memory_summary_exactly(ensemble, pooled) -> None:
    summary = summarize_online(EnsembleStore.open(ensemble), MONTHS)
    assert summary.exact_table and summary.exact_fan and summary.passes == 1
    assert summary.worlds == SAMPLES * RUNS
    base = pooled.isel(scenario=0)
    for index, name in ((1, "b"), (2, "c")):
        expected = paired_differences(base, pooled.isel(scenario=index), MONTHS)
        got = summary.table[summary.table["scenario"] == name].drop(columns="scenario")
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expected, check_exact=True)
    for var in FAN_VARIABLES:
        assert np.array_equal(summary.fan[var], _in_memory_fan(pooled, var), equal_nan=True)


def test_binned_quantiles_stay_within_their_stated_resolution(ensemble, pooled) -> None:
    """With no memory budget every quantile comes from a 64-bin histogram per cell: each is
    within half a bin of numpy's exact value; runs and P(lower) are still exact."""
    exact = summarize_online(EnsembleStore.open(ensemble), MONTHS)
    binned = summarize_online(EnsembleStore.open(ensemble), MONTHS, budget_bytes=0, bins=64)
    assert not binned.exact_table and not binned.exact_fan and binned.passes == 2
    a, b = exact.table, binned.table
    assert a[["scenario", "variable", "horizon_months", "runs", "p_lower"]].equals(
        b[["scenario", "variable", "horizon_months", "runs", "p_lower"]])
    slack = b["resolution"].to_numpy() + 1e-9 * (1 + np.abs(a["difference"].to_numpy()))
    for column in ("difference", "low", "high"):
        assert (np.abs(a[column] - b[column]).to_numpy() <= slack).all(), column
    assert (b["resolution"] > 0).any()
    for var in FAN_VARIABLES:
        reference = _in_memory_fan(pooled, var)
        error = np.abs(binned.fan[var] - reference)
        assert np.nanmax(error) <= binned.fan_resolution[var] + 1e-9, var
        assert np.array_equal(np.isnan(binned.fan[var]), np.isnan(reference))


def test_quantiles_from_histograms_on_many_values() -> None:
    """10^5 log-normal values in 13 blocks: every percentile within half a bin of numpy."""
    rng = np.random.default_rng(0)
    values = rng.lognormal(size=(100_000, 4))
    values[::97, 2] = np.nan
    q = Quantiles((4,), len(values), budget_bytes=0, bins=500)
    blocks = np.array_split(values, 13)
    for block in blocks:
        q.observe_range(block)
    for block in blocks:
        q.add(block)
    levels = (0.5, 5.0, 50.0, 95.0, 99.9)
    error = np.abs(q.percentiles(levels) - np.nanpercentile(values, levels, axis=0))
    assert (error <= q.resolution()[None, :] + 1e-12).all()
    # what is kept does not grow with the number of values
    assert q.state_bytes == Quantiles((4,), 10 ** 9, 0, 500).state_bytes


class Watched(EnsembleStore):
    """Counts chunks read and the most chunk Datasets alive at once."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.alive = 0
        self.most_alive = 0

    def read(self, chunk):
        ds = super().read(chunk)
        self.alive += 1
        self.most_alive = max(self.most_alive, self.alive)
        weakref.finalize(ds, self._gone)
        return ds

    def _gone(self) -> None:
        self.alive -= 1


def _watched(folder: Path) -> Watched:
    store = EnsembleStore.open(folder)
    return Watched(store.folder, store.design, store.finished)


@pytest.mark.parametrize("budget, passes", [(256 * 2**20, 1), (0, 2)])
def test_summarize_holds_one_paired_block_at_a_time(ensemble, budget, passes) -> None:
    """Memory bound: each chunk is read once per pass and at most one chunk per scenario
    (3 here, of 18 chunks) is ever in memory at once."""
    store = _watched(ensemble)
    summarize_online(store, MONTHS, budget_bytes=budget, bins=32)
    chunks = len(store.design.chunks())
    assert chunks == 3 * SAMPLES * 3
    assert store.reads == passes * chunks
    assert store.most_alive == 3


def test_export_writes_chunk_by_chunk_the_same_dataset_as_gather(ensemble, tmp_path) -> None:
    store = _watched(ensemble)
    out = write_ensemble_netcdf(store, tmp_path / "all.nc")
    assert store.reads == len(store.design.chunks()) and store.most_alive == 1
    expected = EnsembleStore.open(ensemble).gather()
    got = load_results(out)  # checks the content checksum written with the file
    assert dict(got.sizes) == dict(expected.sizes)
    assert got.attrs == expected.attrs
    for name in expected.variables:
        a, b = expected[name], got[name]
        assert a.dims == b.dims, name
        assert a.attrs == b.attrs, name
        assert np.array_equal(a.values, b.values, equal_nan=a.dtype.kind == "f"), name


def test_unfinished_ensembles_are_refused(ensemble, tmp_path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(ensemble, copy)
    next((copy / "chunks").glob("*.nc")).unlink()
    with pytest.raises(CartelsimError, match="1 chunk\\(s\\) not finished"):
        summarize_online(EnsembleStore.open(copy), MONTHS)
    with pytest.raises(CartelsimError, match="not finished"):
        write_ensemble_netcdf(EnsembleStore.open(copy), tmp_path / "x.nc")
    assert not (tmp_path / "x.nc").exists()
