"""`cartelsim compare`, run as a real subprocess: the paired table, and one-line errors.

All commands of this module start at once on a small thread pool (most of their time is
Python importing numpy and xarray); each test waits for the one it checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from .support import WORKERS, Job, assert_one_line_error, cartelsim, tree

CSV_COLUMNS = ["variable", "horizon_months", "date", "base", "policy", "difference", "low",
               "high", "relative", "p_lower", "runs"]
RUNS, SEED = 20, 3


def scenario(name: str, *, weeks: int = 104, system: str = "", interventions: str = "") -> str:
    """A small stochastic scenario on Mexico 2025 as TOML text."""
    return (f'name = "{name}"\n'
            f'[system]\nname = "mexico2025"\n{system}'
            f"[horizon]\nstart = 2026-01-01\nweeks = {weeks}\n"
            f'[run]\nengine = "stochastic"\nruns = 4\nseed = 0\n'
            f"{interventions}")


PREVENTION = ('[[interventions]]\naction = "prevent_recruitment"\neffect = 0.5\n'
              'start = 2026-02-01\ntarget = { groups = ["cjng"] }\n')
FILES = {
    "base.toml": scenario("status-quo"),
    "policy.toml": scenario("prevention", interventions=PREVENTION),
    "other-system.toml": scenario("smaller-world", system="groups = 100\n",
                                  interventions=PREVENTION),
    "shorter.toml": scenario("shorter", weeks=52, interventions=PREVENTION),
    "typo.toml": scenario("typo", interventions=PREVENTION.replace('"cjng"', '"cjn"')),
}
OK_ARGS = ("compare", "base.toml", "policy.toml", "--runs", str(RUNS), "--seed", str(SEED),
           "--horizons", "3,12", "--out", "t.csv")


@dataclass(frozen=True)
class Failing:
    id: str
    args: tuple[str, ...]
    expect: tuple[str, ...]  # fragments the single error line must contain


FAILING = [
    Failing("different-systems", ("compare", "base.toml", "other-system.toml"),
            ("base.toml", "other-system.toml", "differ in system")),
    Failing("different-horizons", ("compare", "base.toml", "shorter.toml"),
            ("differ in horizon", "104 vs 52")),
    Failing("horizons-not-numbers", ("compare", "base.toml", "policy.toml", "--horizons", "abc"),
            ("--horizons", "'abc'")),
    Failing("horizons-negative", ("compare", "base.toml", "policy.toml", "--horizons", "-3"),
            ("--horizons", "positive", "'-3'")),
    Failing("horizons-zero", ("compare", "base.toml", "policy.toml", "--horizons", "3,0"),
            ("--horizons", "positive")),
    Failing("horizons-empty", ("compare", "base.toml", "policy.toml", "--horizons", ","),
            ("--horizons",)),
    Failing("horizons-nan", ("compare", "base.toml", "policy.toml", "--horizons", "nan"),
            ("--horizons", "'nan'")),
    Failing("horizons-infinite", ("compare", "base.toml", "policy.toml", "--horizons", "inf"),
            ("--horizons", "'inf'")),
    Failing("unknown-group", ("compare", "base.toml", "typo.toml", "--runs", "2"),
            ("typo.toml", "interventions[1]", "unknown group 'cjn'", "did you mean 'cjng'?")),
    Failing("missing-file", ("compare", "base.toml", "nowhere.toml"),
            ("nowhere.toml", "not found")),
]








@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Job]]:
    started: dict[str, Job] = {}
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for key, args in [("ok", OK_ARGS), *[(case.id, case.args) for case in FAILING]]:
            cwd = tmp_path_factory.mktemp(key)
            for name, text in FILES.items():
                (cwd / name).write_text(text, encoding="utf-8")
            started[key] = Job(cwd, tree(cwd), pool.submit(cartelsim, *args, cwd=cwd))
        yield started


# --------------------------------------------------------------------------- success


@pytest.fixture(scope="module")
def table(jobs) -> pd.DataFrame:
    job = jobs["ok"]
    result = job.result
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return pd.read_csv(job.cwd / "t.csv")


def test_compare_writes_the_paired_table(jobs, table) -> None:
    assert list(table.columns) == CSV_COLUMNS
    assert sorted(set(table.horizon_months)) == [3, 12]
    assert len(table) == 2 * table.variable.nunique()
    assert {"members", "homicides / week"} <= set(table.variable)
    assert (table.runs == RUNS).all()
    # months after the first intervention (2026-02-01, week 4): weeks 4 + 13 and 4 + 52
    assert set(table.date) == {"2026-04-30", "2027-01-28"}
    assert ((table.low <= table.difference) & (table.difference <= table.high)).all()
    assert table.p_lower.between(0, 1).all()
    stdout = jobs["ok"].result.stdout
    assert "prevention minus status-quo" in stdout and f"over {RUNS} stochastic" in stdout
    assert "t.csv" in stdout


def test_compare_table_is_the_library_result(table) -> None:
    """The CLI only parses, calls the library and renders (STYLE.md 9)."""
    import datetime as dt
    import tomllib

    from cartelsim.analysis.compare import paired_differences
    from cartelsim.scenarios.runner import run_scenario
    from cartelsim.scenarios.schema import parse_scenario

    results = []
    for name in ("base.toml", "policy.toml"):
        data = tomllib.loads(FILES[name])
        data["run"].update(runs=RUNS, seed=SEED)
        results.append(run_scenario(parse_scenario(data, source=name)))
    expected = paired_differences(results[0], results[1], (3, 12),
                                  since=dt.date(2026, 2, 1))
    assert table.variable.tolist() == expected.variable.tolist()
    for column in ("base", "policy", "difference", "low", "high", "p_lower"):
        np.testing.assert_allclose(table[column], expected[column], rtol=1e-9, atol=1e-9,
                                   err_msg=column)
    members = table[(table.variable == "members") & (table.horizon_months == 12)].iloc[0]
    assert members.difference < 0  # less recruitment in CJNG: fewer members a year on


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize("case", FAILING, ids=lambda c: c.id)
def test_mistakes_are_one_line_and_exit_2(jobs, case: Failing) -> None:
    assert_one_line_error(jobs[case.id], *case.expect)
