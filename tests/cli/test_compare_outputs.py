"""`cartelsim compare --group ... --out-dir ...`, run as a real subprocess: the files it
writes (both results, the table, the figure), the per-group rows, and one-line errors that
write nothing.

All commands start at once on a small thread pool (most of their time is Python importing
numpy and xarray); each test waits for the one it checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from .support import WORKERS, Job, assert_one_line_error, cartelsim, tree

RUNS, SEED = 4, 1
BASE, POLICY = "status-quo", "cjng-leader-killed"  # scenario names, not file names
REMOVAL_WEEK = 7  # 2026-02-22 in a horizon starting 2026-01-01
# horizons count from the first intervention (the removal), as `compare` reports them
HORIZON_WEEKS = {3: REMOVAL_WEEK + 13, 12: REMOVAL_WEEK + 52}


def scenario(name: str, *, mechanisms: str = "", interventions: str = "") -> str:
    """A small stochastic scenario on Mexico 2025 (104 weeks) as TOML text."""
    return (f'name = "{name}"\n'
            '[system]\nname = "mexico2025"\n'
            "[horizon]\nstart = 2026-01-01\nweeks = 104\n"
            '[run]\nengine = "stochastic"\nruns = 2\nseed = 0\n'
            f"{mechanisms}{interventions}")


REMOVAL = ('[[interventions]]\naction = "remove_leader"\nkind = "killed"\n'
           'succession = "contested"\nstart = 2026-02-22\ntarget = { groups = ["cjng"] }\n')
FILES = {
    "base.toml": scenario(BASE),
    "policy.toml": scenario(POLICY, interventions=REMOVAL),
    "money-base.toml": scenario("status-quo-money", mechanisms="[mechanisms]\nmoney = true\n"),
}
COMMON = ("--runs", str(RUNS), "--seed", str(SEED), "--horizons", "3,12", "--out-dir", "out")
COMMANDS = {
    "ok": ("compare", "base.toml", "policy.toml", "--group", "cjng", *COMMON),
    "nosuch": ("compare", "base.toml", "policy.toml", "--group", "nosuch", *COMMON),
    "typo": ("compare", "base.toml", "policy.toml", "--group", "cjnq", *COMMON),
    "upper-case": ("compare", "base.toml", "policy.toml", "--group", "CJNG", *COMMON),
    "mechanisms": ("compare", "money-base.toml", "policy.toml", "--group", "cjng", *COMMON),
}








@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Job]]:
    started: dict[str, Job] = {}
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for key, args in COMMANDS.items():
            cwd = tmp_path_factory.mktemp(key)
            for name, text in FILES.items():
                (cwd / name).write_text(text, encoding="utf-8")
            started[key] = Job(cwd, tree(cwd), pool.submit(cartelsim, *args, cwd=cwd))
        yield started


def succeeded(job: Job) -> Path:
    result = job.result
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return job.cwd / "out"


def assert_one_line_error_and_no_out(job: Job, *fragments: str) -> str:
    line = assert_one_line_error(job, *fragments)
    assert not (job.cwd / "out").exists() or not any((job.cwd / "out").iterdir())
    return line


# --------------------------------------------------------------------------- success


@pytest.fixture(scope="module")
def out(jobs) -> Path:
    return succeeded(jobs["ok"])


@pytest.fixture(scope="module")
def table(out) -> pd.DataFrame:
    return pd.read_csv(out / f"{POLICY}-vs-{BASE}.csv")


def test_out_dir_holds_both_results_the_table_and_the_figure(jobs, out) -> None:
    stem = f"{POLICY}-vs-{BASE}"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{BASE}.nc", f"{POLICY}.nc", f"{stem}.csv", f"{stem}.png"])
    assert (out / f"{stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    stdout = jobs["ok"].result.stdout
    assert "Written:" in stdout and f"{stem}.png" in stdout
    assert f"{POLICY} minus {BASE}" in stdout and f"over {RUNS} stochastic" in stdout
    assert "command integrity (cjng)" in stdout


def test_the_table_has_the_groups_rows_at_every_horizon(table) -> None:
    for variable in ("command integrity (cjng)", "members (cjng)",
                     "homicides / week", "members"):
        rows = table[table.variable == variable]
        assert sorted(rows.horizon_months) == [3, 12], variable
    assert (table.runs == RUNS).all()
    assert ((table.low <= table.difference) & (table.difference <= table.high)).all()


def test_the_removal_lowers_command_integrity_in_every_world(table) -> None:
    integrity = table[table.variable == "command integrity (cjng)"].set_index("horizon_months")
    assert integrity.loc[3, "high"] < 0  # every paired world: lower three months on
    assert integrity.loc[3, "p_lower"] == 1.0
    assert integrity.loc[3, "base"] == 1.0  # nobody removed CJNG's leader in the status quo
    # recovering: less lost at 12 months than at 3
    assert integrity.loc[3, "difference"] < integrity.loc[12, "difference"] < 0


def test_the_policy_results_hold_the_mechanisms_outputs(out, table) -> None:
    with xr.open_dataset(out / f"{POLICY}.nc") as policy, \
            xr.open_dataset(out / f"{BASE}.nc") as base:
        assert policy.command_integrity.dims == ("run", "time", "group")
        for var in ("hvt_removals", "splits", "seizures", "homicides"):
            assert var in policy.data_vars, var
            assert policy[var].sizes["run"] == RUNS
        assert policy.attrs["scenario"] == POLICY and base.attrs["scenario"] == BASE
        removals = policy.hvt_removals.values
        assert (removals.sum(axis=1) == 1).all() and (removals[:, REMOVAL_WEEK] == 1).all()
        assert (policy.seizures.values == 0).all()  # money is off
        assert (base.hvt_removals.values == 0).all()
        # the table's command-integrity medians are those of the written results
        for months, week in HORIZON_WEEKS.items():
            row = table[(table.variable == "command integrity (cjng)")
                        & (table.horizon_months == months)].iloc[0]
            values = policy.command_integrity.sel(group="cjng").isel(time=week).values
            assert row.policy == pytest.approx(float(np.median(values)), rel=1e-9)


# --------------------------------------------------------------------------- failures


def test_an_unknown_group_is_one_line_and_writes_nothing(jobs) -> None:
    assert_one_line_error_and_no_out(jobs["nosuch"], "unknown group 'nosuch'")


def test_a_mistyped_group_suggests_the_closest_name(jobs) -> None:
    assert_one_line_error_and_no_out(jobs["typo"], "unknown group 'cjnq'", "did you mean 'cjng'?")


def test_group_ids_are_accepted_in_any_case_as_in_scenario_targets(jobs) -> None:
    """Scenario targets accept 'CJNG' (System.index_of ignores case); so should --group."""
    out = succeeded(jobs["upper-case"])
    table = pd.read_csv(out / f"{POLICY}-vs-{BASE}.csv")
    assert "command integrity (cjng)" in set(table.variable)


def test_different_mechanisms_are_refused_before_running(jobs) -> None:
    assert_one_line_error_and_no_out(jobs["mechanisms"], "money-base.toml", "policy.toml",
                          "differ in mechanisms")
