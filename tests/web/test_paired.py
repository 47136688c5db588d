"""A dashboard run is the library's paired comparison, whatever slices or workers run it."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient

from cartelsim.analysis.compare import first_intervention, origin_week, paired_differences
from cartelsim.scenarios.runner import run_scenario
from cartelsim.scenarios.schema import parse_scenario
from cartelsim.web import WebSettings, create_app
from cartelsim.web.paired import _reduce, horizons_months, run_paired, status_quo_of

from .conftest import LOCAL, tiny


def test_slices_of_runs_give_the_numbers_of_one_call() -> None:
    """run_paired simulates a few runs at a time (bounded memory); the result must equal
    run_scenario on all runs at once, and its table must be paired_differences of those."""
    scenario = parse_scenario(tiny(run={"engine": "stochastic", "runs": 5, "seed": 11}))
    sliced = run_paired(scenario, lambda share: None, chunk_runs=2)
    whole = {"status-quo": run_scenario(status_quo_of(scenario)), "policy": run_scenario(scenario)}
    for label, ds in whole.items():
        for var in ("homicides", "total_members", "active_groups", "total_deaths"):
            np.testing.assert_array_equal(sliced.national[label][var].values, ds[var].values)
        # splinters summed by lineage (world engine): the same from slices as from one call
        end = sliced.members[label].sel(moment="end")
        np.testing.assert_array_equal(end.values, _reduce(ds)["ends"].sel(moment="end").values)
        n = ds.sizes["group"] - int(sum(str(g).startswith("split-") for g in ds.group.values))
        np.testing.assert_array_equal(end.values[:, :n], ds["members"].isel(time=-1).values[:, :n])
    since = first_intervention(scenario)  # the leader killed on 2026-02-22: week 7
    assert origin_week(whole["policy"].time.values, since) == 7
    expected = paired_differences(whole["status-quo"], whole["policy"], horizons_months(30 - 7),
                                  since=since)
    assert sliced.differences.equals(expected)


def test_progress_is_reported_and_ends_at_one() -> None:
    scenario = parse_scenario(tiny(run={"engine": "stochastic", "runs": 3, "seed": 2}))
    shares: list[float] = []
    run_paired(scenario, shares.append, chunk_runs=1)
    # at least once per slice of each scenario (the world engine reports once per compiled
    # call of a slice; the capped engines also within it)
    assert shares == sorted(shares) and shares[-1] == 1.0 and len(shares) >= 6


def test_concurrent_jobs_never_mix(tmp_path: Path) -> None:
    """Two workers: the same scenario three times gives identical results; another seed
    differs. (Two workers writing NetCDF at once once crashed the process: HDF5 is not
    thread-safe, so store.py serialises those writes.)"""
    settings = WebSettings(results_dir=tmp_path, workers=2, max_queued_jobs=2)
    bodies = [tiny(), tiny(), tiny(), tiny(run={"engine": "stochastic", "runs": 3, "seed": 6})]
    with TestClient(create_app(settings), base_url=LOCAL) as client:
        ids = [client.post("/api/runs", json=body).json()["id"] for body in bodies]
        results = []
        for job in ids:
            deadline = time.monotonic() + 90
            while client.get(f"/api/runs/{job}").json()["state"] not in ("done", "failed"):
                assert time.monotonic() < deadline
                time.sleep(0.05)
            results.append(client.get(f"/api/runs/{job}/results").json())
    same = [{k: r[k] for k in ("fans", "differences", "network")} for r in results]
    assert same[0] == same[1] == same[2] and same[0]["fans"] != same[3]["fans"]
    assert [r["id"] for r in results] == ids


def test_table_rows_count_from_the_killing_and_say_how_to_show_them() -> None:
    """Every row is dated after the first intervention; each carries the decimals its
    interval supports and a direction only when the interval excludes zero."""
    import datetime as dt

    from cartelsim.analysis.rounding import interval_decimals
    from cartelsim.web.paired import difference_rows

    scenario = parse_scenario(tiny(run={"engine": "stochastic", "runs": 6, "seed": 3}))
    rows = difference_rows(run_paired(scenario, lambda share: None).differences)
    assert rows and all(dt.date.fromisoformat(r["date"]) > dt.date(2026, 2, 22) for r in rows)
    assert {r["horizon_months"] for r in rows} == {3, round(23 * 12 / 52, 6)}
    for r in rows:
        assert r["decimals"] == interval_decimals(r["low"], r["high"], r["difference"])
        assert 0 <= r["level_decimals"] <= r["decimals"]
        expected = "lower" if r["high"] < 0 else "higher" if r["low"] > 0 else None
        assert r["direction"] == expected
