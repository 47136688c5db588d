"""`cartelsim calibrate history`, `cartelsim validate` and the posterior options of
`cartelsim history`, run as subprocesses: one-line errors that write nothing, and the
columns of validate's table."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from tests.cli.support import WORKERS, Job, assert_one_line_error, cartelsim, tree

POSTERIOR = "split_hazard,baseline_homicides,weight\n0.2,7000,1\n0.3,9000,1\n"
META = {"years_fitted": [2007, 2021],
        "nuisance_draws": {"sigma_homicides": [0.1, 0.2], "sigma_groups": [1.0, 1.0]}}

COMMANDS: dict[str, tuple[str, ...]] = {
    "until_late": ("calibrate", "history", "--out", "fit", "--until", "2030"),
    "budget_small": ("calibrate", "history", "--out", "fit", "--budget", "10"),
    "unknown_target": ("calibrate", "everything"),
    "coordinates_bad": ("calibrate", "history", "--out", "fit", "--coordinates", "polar"),
    "coordinates_elsewhere": ("calibrate", "territory", "--out", "fit", "--coordinates",
                              "logit"),
    "sampler_bad": ("calibrate", "history", "--out", "fit", "--sampler", "nuts"),
    "smc_few_particles": ("calibrate", "history", "--out", "fit", "--sampler", "smc",
                          "--particles", "10"),
    "smc_no_moves": ("calibrate", "history", "--out", "fit", "--sampler", "smc",
                     "--mcmc-steps", "0"),
    "smc_with_budget": ("calibrate", "history", "--out", "fit", "--sampler", "smc",
                        "--budget", "4000"),
    # a budget chooses emcee when no sampler is named (the older recorded commands)
    "particles_with_emcee": ("calibrate", "history", "--out", "fit", "--budget", "4000",
                             "--particles", "300"),
    "sampler_elsewhere": ("calibrate", "territory", "--out", "fit", "--sampler", "smc"),
    "start_unknown": ("calibrate", "history", "--out", "fit", "--start", "prior"),
    "start_without_search": ("calibrate", "history", "--out", "fit", "--start", "slices",
                             "--search-points", "0"),
    "start_elsewhere": ("calibrate", "territory", "--out", "fit", "--start", "slices"),
    "validate_ok": ("validate", "--out", "val", "--posterior", "p", "--draws", "2",
                    "--runs-per-draw", "1", "--quiet"),
    "validate_file": ("validate", "--out", "taken", "--posterior", "p"),
    "validate_no_years": ("validate", "--out", "val", "--posterior", "bare"),
    "validate_missing": ("validate", "--out", "val", "--posterior", "nowhere"),
    "validate_in_sample_bare": ("validate", "--out", "val", "--posterior", "p",
                                "--in-sample-posterior", "bare"),
    "history_draws_without": ("history", "--out", "out", "--no-posterior",
                              "--posterior-draws", "2"),
    "history_missing": ("history", "--out", "out", "--posterior", "nowhere"),
}


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Job]]:
    with ThreadPoolExecutor(WORKERS) as pool:
        started = {}
        for name, args in COMMANDS.items():
            cwd = tmp_path_factory.mktemp(name)
            (cwd / "p.csv").write_text(POSTERIOR, encoding="utf-8")
            (cwd / "p.json").write_text(json.dumps(META), encoding="utf-8")
            (cwd / "bare.csv").write_text(POSTERIOR, encoding="utf-8")
            (cwd / "taken").write_text("a file\n", encoding="utf-8")
            started[name] = Job(cwd, tree(cwd), pool.submit(cartelsim, *args, cwd=cwd))
        yield started


@pytest.mark.parametrize("name, fragments", [
    ("until_late", ("--until must be a year", "2030")),
    ("budget_small", ("--budget must allow",)),
    ("unknown_target", ("unknown target 'everything'",)),
    ("coordinates_bad", ("--coordinates must be one of unit, logit", "polar")),
    ("coordinates_elsewhere", ("--coordinates applies to `calibrate history` only",)),
    ("sampler_bad", ("--sampler must be one of emcee, smc", "nuts")),
    ("smc_few_particles", ("--particles must be at least 36", "got 10")),
    ("smc_no_moves", ("--mcmc-steps must be at least 1", "got 0")),
    ("smc_with_budget", ("--budget and --coordinates apply to --sampler emcee",)),
    ("particles_with_emcee", ("--particles, --mcmc-steps, --search-points and --start "
                              "apply to --sampler smc",)),
    ("sampler_elsewhere", ("--sampler applies to `calibrate history` only",)),
    ("start_unknown", ("--start must be one of mode, slices", "prior")),
    ("start_without_search", ("needs the mode search",)),
    ("start_elsewhere", ("--start applies to `calibrate history` only",)),
    ("validate_file", ("--out taken is a file",)),
    ("validate_no_years", ("does not say which years",)),
    ("validate_missing", ("nowhere.csv", "no such posterior file")),
    ("validate_in_sample_bare", ("bare", "does not say which years")),
    ("history_draws_without", ("needs a posterior",)),
    ("history_missing", ("nowhere.csv",)),
])
def test_mistakes_are_one_line_errors_that_write_nothing(jobs, name, fragments):
    assert_one_line_error(jobs[name], *fragments)


def test_validate_writes_the_scores_with_their_columns(jobs):
    job = jobs["validate_ok"]
    job.ok()
    scores = pd.read_csv(job.cwd / "val" / "scores.csv")
    assert list(scores.columns) == ["forecaster", "year", "observed", "p05", "p25", "p50",
                                    "p75", "p95", "crps", "in_50", "in_90"]
    assert list(scores["forecaster"].unique()) == ["model", "persistence", "linear trend"]
    assert scores["year"].unique().tolist() == [2022, 2023, 2024]
    assert (scores["crps"] >= 0).all()
    summary = pd.read_csv(job.cwd / "val" / "summary.csv")
    assert list(summary.columns) == ["forecaster", "mean_crps", "coverage_50", "coverage_90",
                                     "years"]
    assert (job.cwd / "val" / "forecast.png").read_bytes().startswith(b"\x89PNG")
    covered = pd.read_csv(job.cwd / "val" / "in_sample.csv")  # the packaged fit to 2024
    assert list(covered.columns) == ["year", "observed", "model_p05", "model_p25",
                                     "model_p50", "model_p75", "model_p95", "model_in_50",
                                     "model_in_90", "p05", "p25", "p50", "p75", "p95", "in_50",
                                     "in_90"]
    assert covered["year"].tolist() == list(range(2010, 2025))
    assert (covered["model_p05"] <= covered["model_p95"]).all()
