"""The `cartelsim` command line, run as a real subprocess so exit codes and stderr are real.

Every command runs in its own temporary folder (its cwd), so outputs never land in the
repository. Most of a command's time is Python importing numpy, xarray and matplotlib, so the
`cli` fixture starts all of this module's commands at once on a small thread pool and each test
waits for the one it checks; the module then takes about half its sequential time on two cores.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cartelsim.params.catalogue import CATALOGUE
from cartelsim.scenarios.examples import examples_dir

from .support import WORKERS, Job, cartelsim, tree

SCENARIOS = examples_dir()  # the packaged example scenarios
EXAMPLES = sorted(SCENARIOS.glob("*.toml"))
STATUS_QUO = SCENARIOS / "status-quo.toml"
NATIONAL_COLUMNS = ["run", "week", "date", "members", "recruits", "arrests", "deaths", "exits",
                    "active_groups", "homicides", "disappearances", "hvt_removals", "seizures",
                    "splits"]
REPRODUCE_COLUMNS = ["scenario", "week", "date", "members", "recruits", "arrests", "deaths",
                     "exits", "active_groups"]
CONTINUATIONS = ["unchanged", "zero_recruitment", "double_incapacitation", "half_recruitment"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"








# --------------------------------------------------------------------------- bad input


@dataclass(frozen=True)
class BadInput:
    id: str
    args: tuple[str, ...]
    expect: tuple[str, ...]  # fragments the single error line must contain
    files: tuple[tuple[str, str], ...] = ()
    folders: tuple[str, ...] = ()

    def prepare(self, cwd: Path) -> None:
        for name, text in self.files:
            (cwd / name).write_text(text, encoding="utf-8")
        for folder in self.folders:
            (cwd / folder).mkdir()


def _toml(name: str, text: str) -> tuple[tuple[str, str], ...]:
    return ((name, 'name = "bad"\n' + text),)


BAD_INPUTS = [
    BadInput("missing-scenario-file", ("run", "missing.toml", "--out", "x.nc"),
             ("missing.toml", "not found")),
    BadInput("toml-syntax-error", ("run", "syntax.toml", "--out", "x.nc"),
             ("syntax.toml", "TOML", "line 3"), _toml("syntax.toml", "[run]\nruns = \n")),
    BadInput("unknown-key", ("run", "key.toml", "--out", "x.nc"),
             ("key.toml", "'run.engin'", "did you mean 'engine'"),
             _toml("key.toml", '[run]\nengin = "stochastic"\n')),
    BadInput("unknown-parameter", ("run", "param.toml", "--out", "x.nc"),
             ("param.toml", "'incapacitaton'", "did you mean 'incapacitation'"),
             _toml("param.toml", "[parameters]\nincapacitaton = 200\n")),
    BadInput("wrong-type", ("run", "type.toml", "--out", "x.nc"),
             ("type.toml", "run.runs", "integer", "'ten'"),
             _toml("type.toml", '[run]\nruns = "ten"\n')),
    BadInput("negative-runs", ("run", "neg.toml", "--out", "x.nc"),
             ("neg.toml", "run.runs", "greater than or equal to 1", "-3"),
             _toml("neg.toml", "[run]\nruns = -3\n")),
    BadInput("unknown-engine", ("run", "engine.toml", "--out", "x.nc"),
             ("engine.toml", "run.engine", "'deterministic'", "'stochastic'", "quantum"),
             _toml("engine.toml", '[run]\nengine = "quantum"\n')),
    BadInput("runs-not-a-number", ("run", "--runs", "abc", "--out", "x.nc"),
             ("--runs", "integer")),
    BadInput("unknown-command", ("frobnicate",), ("frobnicate",)),
    BadInput("parameter-outside-hard-bounds", ("run", "bounds.toml", "--out", "x.nc"),
             ("bounds.toml", "recruitment_rate", "-1", "bounds"),
             _toml("bounds.toml", "[parameters]\nrecruitment_rate = -1\n")),
    BadInput("unknown-system", ("run", "mars.toml", "--out", "x.nc"),
             ("mars.toml", "system.name", "'mexico2025'", "'bacrim2020'", "mars"),
             _toml("mars.toml", '[system]\nname = "mars"\n')),
    BadInput("bacrim-data-folder-missing", ("run", "bacrim.toml", "--out", "x.nc"),
             ("no-such-folder", "cartelsim data fetch bacrim2020"),
             _toml("bacrim.toml", '[system]\nname = "bacrim2020"\ndata = "no-such-folder"\n')),
    BadInput("reproduce-unknown-paper", ("reproduce", "nopaper", "--out", "x.csv"),
             ("nopaper", "prieto2023")),
    BadInput("fetch-unknown-data-set", ("data", "fetch", "nodata", "--dest", "dl"),
             ("nodata", "bacrim2020")),
    BadInput("verify-empty-folder", ("data", "verify", "empty"),
             ("empty", "BACRIM2020_Nodes.csv"), folders=("empty",)),
]
BY_ID = {case.id: case for case in BAD_INPUTS}

# scenarios that fail at two stages: validating the file, and starting the run
FAILING_BODIES = {
    "validation": '[run]\nengin = "stochastic"\n',
    "run-start": "[parameters]\nrecruitment_rate = -1\n",
}
EARLIER = {name: f"earlier {name}\n".encode() for name in ("x.nc", "x.csv", "x.png")}


def _needs_bacrim(scenario: Path) -> bool:
    return tomllib.loads(scenario.read_text(encoding="utf-8"))["system"]["name"] == "bacrim2020"


def _with_bacrim(scenario: Path, copy: Path, bacrim_dir: Path) -> None:
    """A copy of a packaged BACRIM example that reads the test data (a user's copy would
    name their folder, or use the `cartelsim data fetch` cache)."""
    import tomli_w

    data = tomllib.loads(scenario.read_text(encoding="utf-8"))
    data["system"]["data"] = str(bacrim_dir)
    copy.write_text(tomli_w.dumps(data), encoding="utf-8")


# --------------------------------------------------------------------------- all commands


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory, bacrim_dir: Path) -> Iterator[dict[str, Job]]:
    """Every command of this module, started at once (slowest first), by name."""
    jobs: dict[str, Job] = {}
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:

        def launch(key: str, *args: str | Path, prepare: Callable[[Path], None] | None = None,
                   columns: int = 200) -> None:
            cwd = tmp_path_factory.mktemp(key.replace(":", "-"))
            if prepare is not None:
                prepare(cwd)
            jobs[key] = Job(cwd, tree(cwd), pool.submit(cartelsim, *args, cwd=cwd,
                                                        columns=columns))

        launch("bench", "bench", "--quick", "--json", "--data", bacrim_dir)
        launch("reproduce", "reproduce", "prieto2023", "--data", bacrim_dir, "--out", "x.csv")
        for scenario in EXAMPLES:  # the packaged files; BACRIM ones as a copy given the data
            if _needs_bacrim(scenario):
                copy = tmp_path_factory.mktemp("bacrim-example") / scenario.name
                _with_bacrim(scenario, copy, bacrim_dir)
                scenario = copy
            launch(f"example:{scenario.stem}", "run", scenario, "--weeks", "52", "--out",
                   "out.nc", "--quiet")
        for key, seed in (("seed-a", 5), ("seed-b", 5), ("seed-c", 6)):
            launch(key, "run", STATUS_QUO, "--runs", "3", "--engine", "stochastic", "--seed",
                   str(seed), "--weeks", "26", "--out", "x.nc", "--quiet")
        launch("default", "run", "--weeks", "52")
        for case in BAD_INPUTS:
            launch(f"bad:{case.id}", *case.args, prepare=case.prepare)
        unknown = BY_ID["unknown-parameter"]
        launch("narrow", *unknown.args, prepare=unknown.prepare, columns=40)
        for stage, body in FAILING_BODIES.items():
            def keep_earlier(cwd: Path, body: str = body) -> None:
                (cwd / "bad.toml").write_text(f'name = "bad"\n{body}', encoding="utf-8")
                for name, content in EARLIER.items():
                    (cwd / name).write_bytes(content)
            launch(f"earlier:{stage}", "run", "bad.toml", "--out", "x.nc", prepare=keep_earlier)
        launch("params", "params")
        launch("params-80", "params", columns=80)
        launch("params-json", "params", "--json")
        launch("verify", "data", "verify", bacrim_dir)
        yield jobs


# --------------------------------------------------------------------------- run, default


def test_run_without_scenario_writes_three_files_under_outputs(cli) -> None:
    job = cli["default"]
    stdout = job.ok().stdout
    for suffix in (".nc", ".csv", ".png"):
        path = job.cwd / "outputs" / f"status-quo{suffix}"
        assert path.is_file() and path.stat().st_size > 0, path
        assert f"outputs/status-quo{suffix}" in stdout
    assert (job.cwd / "outputs" / "status-quo.png").read_bytes()[:8] == PNG_MAGIC
    assert not list(job.cwd.rglob("*.part")), "temporary files left behind"


def test_run_without_scenario_netcdf_is_labelled(cli) -> None:
    job = cli["default"]
    job.ok()
    ds = xr.load_dataset(job.cwd / "outputs" / "status-quo.nc")
    assert {"run", "time", "group"} <= set(ds.dims)
    assert ds.sizes["run"] == 1 and ds.sizes["time"] == 53
    assert ds.attrs["scenario"] == "status-quo"
    assert ds.attrs["engine"] == "deterministic"
    assert ds.attrs["system"] == "mexico2025"
    assert pd.Timestamp(ds.time.values[0]) == pd.Timestamp("2026-01-01")
    assert int((ds["status"] != 0).sum()) == 0


def test_run_without_scenario_csv_is_the_national_series(cli) -> None:
    job = cli["default"]
    job.ok()
    frame = pd.read_csv(job.cwd / "outputs" / "status-quo.csv")
    assert list(frame.columns) == NATIONAL_COLUMNS
    assert len(frame) == 53
    assert frame["week"].tolist() == list(range(53))
    assert (frame["run"] == 0).all()
    assert frame["date"].iloc[0] == "2026-01-01"
    # the CSV says what the NetCDF says
    ds = xr.load_dataset(job.cwd / "outputs" / "status-quo.nc")
    np.testing.assert_allclose(frame["members"], ds["total_members"].isel(run=0), rtol=1e-9)
    np.testing.assert_array_equal(frame["active_groups"], ds["active_groups"].isel(run=0))


# --------------------------------------------------------------------------- seeds


def test_same_seed_same_results_other_seed_differs(cli) -> None:
    keys = ("seed-a", "seed-b", "seed-c")
    for key in keys:
        cli[key].ok()
    a, b, c = (xr.load_dataset(cli[key].cwd / "x.nc") for key in keys)
    assert a.sizes["run"] == 3 and a.sizes["time"] == 27
    assert a.attrs["engine"] == "stochastic" and a.attrs["seed"] == "5"
    assert set(a.data_vars) == set(b.data_vars)
    for var in a.data_vars:
        assert a[var].identical(b[var]), var
    assert c.attrs["seed"] == "6"
    assert not np.array_equal(a["total_members"].values, c["total_members"].values)
    # the three replicates differ from one another (one named stream per replicate)
    assert len(set(a["total_members"].isel(time=-1).values.tolist())) == 3


# --------------------------------------------------------------------------- examples


@pytest.mark.parametrize("scenario", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_scenario_runs(scenario: Path, cli) -> None:
    job = cli[f"example:{scenario.stem}"]
    assert "out.nc" in job.ok().stdout
    declared = tomllib.loads(scenario.read_text(encoding="utf-8"))
    ds = xr.load_dataset(job.cwd / "out.nc")
    assert ds.attrs["scenario"] == declared["name"]
    assert ds.attrs["system"] == declared.get("system", {}).get("name", "mexico2025")
    assert ds.attrs["engine"] == declared.get("run", {}).get("engine", "deterministic")
    assert ds.sizes["time"] == 53
    assert ds.sizes["run"] == declared.get("run", {}).get("runs", 1)
    assert int((ds["status"] != 0).sum()) == 0
    assert (ds["total_members"] > 0).all()
    assert (job.cwd / "out.csv").is_file() and (job.cwd / "out.png").is_file()
    assert not (job.cwd / "outputs").exists(), "--out was not honoured for some output"


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("case", BAD_INPUTS, ids=lambda c: c.id)
def test_bad_input_is_one_clear_line_and_exit_2(case: BadInput, cli) -> None:
    job = cli[f"bad:{case.id}"]
    result = job.result
    assert result.returncode == 2, f"exit {result.returncode}; stderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert tree(job.cwd) == job.before, "a failed command created or changed files"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    message = lines[0]
    assert message.startswith("error:"), message
    for fragment in case.expect:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert result.stderr.splitlines() == [message], (
        f"stderr must be exactly one line, got {result.stderr!r}")


def test_error_line_is_not_wrapped_on_a_narrow_terminal(cli) -> None:
    result = cli["narrow"].result
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "did you mean 'incapacitation'" in result.stderr


# --------------------------------------------------------------------------- no half files


@pytest.mark.parametrize("stage", FAILING_BODIES)
def test_failed_run_leaves_earlier_outputs_untouched(stage: str, cli) -> None:
    job = cli[f"earlier:{stage}"]
    assert job.result.returncode == 2
    for name, content in EARLIER.items():
        assert (job.cwd / name).read_bytes() == content, name
    assert tree(job.cwd) == job.before
    assert not [p for p in job.cwd.iterdir() if p.name.endswith(".part")]


# --------------------------------------------------------------------------- params


def test_params_lists_every_catalogue_name(cli) -> None:
    stdout = cli["params"].ok().stdout
    for name in CATALOGUE:
        assert name in stdout, name


def test_params_table_keeps_names_whole_in_80_columns(cli) -> None:
    """80 columns is the default width of a pipe and of many terminals; names must stay
    whole so they can be copied into a scenario file."""
    stdout = cli["params-80"].ok().stdout
    for name in CATALOGUE:
        assert name in stdout, f"{name!r} is broken across lines at 80 columns"


def test_params_json_has_a_passport_for_every_parameter(cli) -> None:
    rows = json.loads(cli["params-json"].ok().stdout)
    assert [row["name"] for row in rows] == list(CATALOGUE)
    for row in rows:
        spec = CATALOGUE[row["name"]]
        for key in ("default", "unit", "low", "high", "source"):
            assert key in row, (row["name"], key)
        assert row["default"] == spec.default
        assert (row["low"], row["high"]) == (spec.low, spec.high)
        assert isinstance(row["unit"], str) and row["unit"].strip()
        assert isinstance(row["source"], str) and row["source"].strip(), row["name"]


# --------------------------------------------------------------------------- reproduce


@pytest.fixture(scope="module")
def reproduced(cli) -> pd.DataFrame:
    job = cli["reproduce"]
    job.ok()
    return pd.read_csv(job.cwd / "x.csv", parse_dates=["date"])


def test_reproduce_csv_has_exactly_the_issue_columns(cli, reproduced) -> None:
    assert list(reproduced.columns) == REPRODUCE_COLUMNS
    assert (cli["reproduce"].cwd / "x.png").read_bytes()[:8] == PNG_MAGIC


def test_reproduce_csv_has_baseline_and_four_continuations(reproduced) -> None:
    frame = reproduced
    assert list(frame["scenario"].unique()) == ["baseline", *CONTINUATIONS]
    weeks = frame.groupby("scenario")["week"]
    assert weeks.get_group("baseline").tolist() == list(range(0, 521))
    for name in CONTINUATIONS:
        assert weeks.get_group(name).tolist() == list(range(520, 1041)), name
    baseline = frame[frame.scenario == "baseline"]
    assert baseline["date"].iloc[0] == pd.Timestamp("2012-01-01")
    assert baseline["members"].iloc[0] == pytest.approx(115_000)


def test_reproduce_continuations_start_from_the_baseline_state(reproduced) -> None:
    at520 = reproduced[reproduced.week == 520].set_index("scenario")
    assert len(at520) == 5
    for name in CONTINUATIONS:
        for column in ("date", "members", "active_groups"):
            assert at520.loc[name, column] == at520.loc["baseline", column], (name, column)


def test_reproduce_unchanged_continuation_equals_one_long_run(reproduced, bacrim_dir) -> None:
    import cartelsim

    full = cartelsim.simulate(cartelsim.load_bacrim(bacrim_dir), weeks=1040, initial="zipf")
    later = full.isel(run=0, time=slice(520, None))
    unchanged = reproduced[reproduced.scenario == "unchanged"].reset_index(drop=True)
    assert (unchanged["week"].to_numpy() == later["week"].values).all()
    assert (unchanged["date"].to_numpy() == later["time"].values).all()
    for column in ("members", "recruits", "arrests", "deaths", "exits"):
        np.testing.assert_allclose(unchanged[column], later[f"total_{column}"], rtol=1e-6,
                                   err_msg=column)
    np.testing.assert_array_equal(unchanged["active_groups"], later["active_groups"])


def test_reproduce_prints_the_comparison(cli) -> None:
    out = cli["reproduce"].ok().stdout
    assert "Prieto-Curiel" in out and "members in 2022" in out
    verdicts = re.findall(r"\b(agrees|disagrees)\b", out)
    assert len(verdicts) >= 10  # one verdict per checked claim
    assert "agrees" in verdicts
    if "disagrees" in verdicts:
        assert "disagree on:" in out
    else:
        assert "agrees with every published claim" in out


# --------------------------------------------------------------------------- bench, data


def test_bench_quick_json_is_one_line(cli) -> None:
    lines = cli["bench"].ok().stdout.strip().splitlines()
    assert len(lines) == 1, lines
    numbers = json.loads(lines[0])
    for key in ("l1_single_run_ms", "l1_ensemble_runs_per_s", "l1_stochastic_runs_per_s"):
        assert isinstance(numbers[key], int | float) and numbers[key] > 0, key


def test_data_verify_accepts_the_real_files(cli) -> None:
    assert "match" in cli["verify"].ok().stdout
