"""`cartelsim history`, run as a real subprocess: the files and columns of its contract, and
one-line errors that write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from cartelsim.io.export import load_results
from tests.cli.support import WORKERS, Job, assert_one_line_error, cartelsim, tree

PLAIN = ["year", "homicides_p05", "homicides_p50", "homicides_p95", "groups_p05",
         "groups_p50", "groups_p95", "members_p50", "observed_homicides"]
# the packaged posterior kept its fitted homicide discrepancy: its posterior predictive comes
COLUMNS = PLAIN[:4] + ["predictive_homicides_p05", "predictive_homicides_p50",
                       "predictive_homicides_p95"] + PLAIN[4:]
EXTRA = ["extra_homicides_p05", "extra_homicides_p50", "extra_homicides_p95"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BAD_EVENTS = ("date,date_precision,kind,group,other_group,person,detail,source_url,"
              "source_title\n2011-05-01,day,leader_killed,sinaloa,,Somebody,Killed.,"
              "https://example.org/a,A page\n2011-06-31,day,leader_killed,gulf,,Somebody else,"
              "Killed.,https://example.org/b,B page\n")

COMMANDS: dict[str, tuple[str, ...]] = {
    "replay": ("--out", "out", "--runs", "2", "--seed", "3"),
    "paired": ("--out", "out", "--runs", "2", "--seed", "3", "--drop-events",
               "kind=leader_*;group=sinaloa,gulf;from=2006-01-01;to=2010-12-31"),
    "catalogue": ("--out", "out", "--runs", "2", "--seed", "3", "--no-posterior"),
    "bad_filter": ("--out", "out", "--runs", "2", "--drop-events", "kind=leader_*;grup=gulf"),
    "empty_filter": ("--out", "out", "--runs", "2", "--drop-events",
                     "kind=leader_killed;group=colima"),
    "bad_events": ("--out", "out", "--runs", "2", "--events", "events.csv"),
    "missing_events": ("--out", "out", "--runs", "2", "--events", "nowhere.csv"),
    "out_is_file": ("--out", "taken", "--runs", "2"),
    "zero_runs": ("--out", "out", "--runs", "0"),
}


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Job]]:
    """Every command of this module started at once, each in its own folder."""
    with ThreadPoolExecutor(WORKERS) as pool:
        started = {}
        for name, args in COMMANDS.items():
            cwd = tmp_path_factory.mktemp(name)
            (cwd / "events.csv").write_text(BAD_EVENTS, encoding="utf-8")
            (cwd / "taken").write_text("a file\n", encoding="utf-8")
            started[name] = Job(cwd, tree(cwd), pool.submit(cartelsim, "history", *args, cwd=cwd))
        yield started


def test_a_replay_writes_the_three_files_with_the_contract_columns(jobs) -> None:
    job = jobs["replay"]
    job.ok()
    out = job.cwd / "out"
    assert sorted(p.name for p in out.iterdir()) == ["history.nc", "history.png",
                                                     "national_by_year.csv"]
    table = pd.read_csv(out / "national_by_year.csv")
    assert list(table.columns) == COLUMNS
    assert table["year"].tolist() == list(range(2007, 2027))
    assert table.loc[table["year"] == 2024, "observed_homicides"].item() == 33550
    assert table.loc[table["year"] >= 2025, "observed_homicides"].isna().all()
    assert (out / "history.png").read_bytes().startswith(PNG_MAGIC)
    ds = load_results(out / "history.nc")
    assert {"parent", "birth", "founded"} <= set(ds.variables)
    assert ds.sizes["run"] == 2 and ds.attrs["seed"] == "3"
    assert not list(out.glob("*.part")), "no temporary file is left behind"
    assert (table["predictive_homicides_p05"] <= table["predictive_homicides_p95"]).all()
    assert "with the fitted discrepancy (posterior predictive" in job.result.stdout


def test_at_the_catalogue_defaults_there_is_no_discrepancy_to_add(jobs) -> None:
    job = jobs["catalogue"]
    job.ok()
    assert list(pd.read_csv(job.cwd / "out" / "national_by_year.csv").columns) == PLAIN


def test_drop_events_adds_the_paired_extra_homicides(jobs) -> None:
    job = jobs["paired"]
    job.ok()
    table = pd.read_csv(job.cwd / "out" / "national_by_year.csv")
    assert list(table.columns) == COLUMNS + EXTRA
    assert (table["extra_homicides_p05"] <= table["extra_homicides_p50"]).all()
    assert (table["extra_homicides_p50"] <= table["extra_homicides_p95"]).all()
    assert (table[EXTRA].to_numpy() != 0).any()
    replay = pd.read_csv(jobs["replay"].cwd / "out" / "national_by_year.csv")
    pd.testing.assert_frame_equal(table[COLUMNS], replay, check_dtype=False)  # same worlds
    assert "counterfactual" in job.result.stdout


@pytest.mark.parametrize(("name", "fragments"), [
    ("bad_filter", ("--drop-events", "unknown key 'grup'", "did you mean 'group'")),
    ("empty_filter", ("matches no event",)),
    ("bad_events", ("events.csv, line 3", "2011-06-31", "YYYY-MM-DD")),
    ("missing_events", ("nowhere.csv", "file not found")),
    ("out_is_file", ("--out taken is a file",)),
    ("zero_runs", ("--runs",)),
])
def test_mistakes_are_one_line_errors_that_write_nothing(jobs, name: str, fragments) -> None:
    assert_one_line_error(jobs[name], *fragments)
