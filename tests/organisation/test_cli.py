"""`cartelsim org simulate`, `cartelsim org derive` and `cartelsim params --layer L4`, run
as a user would (subprocesses), including the one-line errors for impossible input."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import xarray as xr

from cartelsim.cli.main import main
from cartelsim.scenarios.schema import read_parameter_file
from tests.cli.support import WORKERS, Job, assert_one_line_error, cartelsim, tree

BAD = {
    "lieutenants": (["--members", "10", "--lieutenants", "20"], ["20 lieutenants", "10 members"]),
    "structure": (["--members", "30", "--set", "enforcer_share=0.9", "--set",
                   "lieutenant_share=0.3"], ["impossible structure"]),
    "negative rate": (["--set", "arrest_rate=-0.5"], ["arrest_rate", "outside its bounds"]),
    "fraction": (["--sweep-fraction", "1.5", "--sweep-week", "3"], ["sweep_fraction", "[0, 1]"]),
    "date": (["--removal-date", "2040-01-01"], ["2040-01-01", "outside the horizon"]),
    "week": (["--removal-week", "400", "--weeks", "100"], ["removal week 400", "horizon"]),
    "strategy": (["--strategy", "bribes"], ["unknown removal strategy 'bribes'"]),
    "unknown parameter": (["--set", "lateral_tie=1"], ["did you mean 'lateral_ties'"]),
    "not a number": (["--set", "tie_exposure=high"], ["'high' is not a number"]),
    "succession": (["--succession", "maybe"], ["succession must be one of"]),
}


@pytest.fixture(scope="module")
def jobs(tmp_path_factory) -> dict[str, Job]:
    """Every command of this module started at once in its own folder."""
    started: dict[str, Job] = {}
    pool = ThreadPoolExecutor(WORKERS)

    def start(name: str, *args: str) -> None:
        folder = tmp_path_factory.mktemp(name.replace(" ", "-"))
        started[name] = Job(folder, tree(folder), pool.submit(cartelsim, *args, cwd=folder))

    start("simulate", "org", "simulate", "--members", "150", "--runs", "6", "--weeks", "60",
          "--removal-date", "2026-03-01", "--strategy", "betweenness", "--count", "2",
          "--seed", "3", "--out", "res/org.nc", "--quiet")
    start("derive", "org", "derive", "--members", "120", "--weeks", "40", "--runs", "4",
          "--samples", "2", "--out", "lead.toml")
    start("params", "params", "--layer", "L4", "--json")
    start("bad date", "org", "simulate", "--removal-date", "2040-01-01", "--out", "x.nc")
    yield started
    pool.shutdown()


def test_simulate_writes_results_and_figures(jobs):
    job = jobs["simulate"]
    result = job.ok()
    folder = Path(job.cwd) / "res"
    assert {p.name for p in folder.iterdir()} == {"org.nc", "org-reach.png", "org-network.png"}
    with xr.open_dataset(folder / "org.nc") as ds:
        assert ds.sizes == {"run": 6, "time": 61}
        assert ds.attrs["removal_week"] == 9 and ds.attrs["strategy"] == "betweenness"
        assert (ds.removed.isel(time=9) == 2).all()
    assert "weeks to recover 90 % of reach" in result.stdout


def test_derive_writes_a_parameter_file_scenarios_load(jobs):
    job = jobs["derive"]
    job.ok()
    path = Path(job.cwd) / "lead.toml"
    assert "derived from the organisation engine" in path.read_text(encoding="utf-8")
    values = read_parameter_file(path)
    assert "integrity_loss_killed" in values and "split_hazard" in values
    assert (Path(job.cwd) / "lead.csv").is_file()


def test_params_lists_the_organisation_catalogue(jobs):
    rows = json.loads(jobs["params"].ok().stdout)
    assert {row["layer"] for row in rows} == {"L4"}
    assert {"tie_exposure", "allegiance_rate", "contest_ratio"} <= {row["name"] for row in rows}
    assert all(row["source"] and row["low"] <= row["default"] <= row["high"] for row in rows)


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_is_a_one_line_error(name, tmp_path, monkeypatch, capsys):
    """In-process through the CLI entry point (main), to keep the suite fast; one
    subprocess check below shows the same holds from a shell."""
    args, fragments = BAD[name]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["cartelsim", "org", "simulate", "--runs", "2",
                                      "--out", "bad.nc", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("error:"), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    assert list(tmp_path.iterdir()) == []


def test_bad_input_from_a_shell(jobs):
    assert_one_line_error(jobs["bad date"], "2040-01-01", "outside the horizon")
