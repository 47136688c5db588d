"""The brief's first section: does the model reproduce the record?

The replay of 2007 to mid-2026 (`cartelsim.record.api.history`) against the national
homicides INEGI registered, on posterior draws when there is a posterior, and what
`cartelsim validate` wrote when given or packaged: the out-of-sample scores (summary.csv) and
the shipped posterior's coverage of its fitted years with and without the fitted model
discrepancy (in_sample.csv).
The replay runs as a job in a worker process while the claims' experiments run.
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

from cartelsim.calibration.posterior import Posterior
from cartelsim.errors import DataFileError
from cartelsim.record.result import COVERAGE_YEARS, coverage_rows, inside_band
from cartelsim.system.csvtable import read_table

# `cartelsim validate` writes these columns to summary.csv (cli/validate.py)
SUMMARY = ("forecaster", "mean_crps", "coverage_50", "coverage_90", "years")
SUMMARY_NAME = "summary.csv"
# `cartelsim validate` writes these columns (and the quantiles) to in_sample.csv
IN_SAMPLE = ("year", "model_in_90", "in_50", "in_90")
IN_SAMPLE_NAME = "in_sample.csv"
RUNS_PER_DRAW = 2  # replay runs per posterior draw (each draw is a replay of its own)


def job(runs: int, seed: int, posterior: Posterior | None,
        packaged_median: bool = False) -> tuple[str, tuple]:
    """The replay as a (key, (function, argument)) job for `world.Runner.prefetch`.

    With a posterior, the runs are shared among posterior draws (`history`'s
    `posterior_draws`, RUNS_PER_DRAW runs each), so the bands carry parameter uncertainty as
    the claims' intervals do; without one, every run is at the packaged posterior's median
    when the claims' scenarios start from it (`packaged_median`), else at the catalogue's
    defaults."""
    draws = max(1, runs // RUNS_PER_DRAW) if posterior is not None else 0
    chosen = posterior if posterior is not None else "packaged" if packaged_median else None
    args = {"runs": runs, "seed": seed, "posterior": chosen, "draws": draws}
    source = posterior.source if posterior is not None else str(chosen)
    return f"replay:{runs}:{seed}:{source}:{draws}", (run_replay, args)


def run_replay(args: dict) -> dict:
    """Replay the record and keep the yearly table and the figure (small, picklable)."""
    from cartelsim.record.api import history
    from cartelsim.report import figures

    result = history(runs=args["runs"], seed=args["seed"], posterior=args["posterior"],
                     posterior_draws=args["draws"])
    table = result.national_by_year()
    where = (f"{args['draws']} posterior draws" if args["draws"]
             else "the packaged posterior's median" if args["posterior"] == "packaged"
             else "the catalogue's default parameters")
    bands = ("median and 90 % of runs; lighter, the same with the fitted discrepancy"
             if "predictive_homicides_p05" in table else "median and 90 % of runs")
    figure = figures.embed(result.plot(), "The world of 2007 replayed with the dated events "
                           f"of the record at {where} ({bands}) against INEGI's registered "
                           "homicides and the published counts of groups.")
    return {"table": table, "figure": figure, "runs": args["runs"], "where": where}


def coverage(table) -> dict:
    """How the replay's yearly homicides compare with the record in `COVERAGE_YEARS`; with
    the posterior predictive in the table (a fitted discrepancy), its band too
    (``predictive_inside``, None without)."""
    scored = coverage_rows(table)
    inside = inside_band(scored)
    ratio = (scored["homicides_p50"] / scored["observed_homicides"]).median()
    predictive = "predictive_homicides_p05" in scored
    columns = ["year", "observed_homicides", "homicides_p05", "homicides_p50", "homicides_p95"]
    if predictive:
        columns += ["predictive_homicides_p05", "predictive_homicides_p95"]
    return {"years": len(scored), "inside": int(inside.sum()),
            "predictive_inside": (int(inside_band(scored, "predictive_homicides").sum())
                                  if predictive else None),
            "first": COVERAGE_YEARS[0], "last": COVERAGE_YEARS[1],
            "ratio": float(ratio) if len(scored) else math.nan,
            "rows": scored[columns].to_dict("records")}


def packaged_scores(name: str = SUMMARY_NAME) -> Path | None:
    """A file `cartelsim validate` wrote (summary.csv, in_sample.csv) shipped in the
    package, if this version has one."""
    path = resources.files("cartelsim") / "data" / "validation" / name
    return Path(str(path)) if path.is_file() else None


def in_sample(validation: Path | None) -> dict:
    """The shipped posterior's coverage of the years it was fitted to (`cartelsim
    validate`'s in_sample.csv, beside the given summary or in the given folder; else the
    packaged one): INEGI inside the replays' 90 % band, and inside the posterior
    predictive's 90 % and 50 % bands (with the fitted model discrepancy)."""
    if validation is None:
        path = packaged_scores(IN_SAMPLE_NAME)
    else:
        folder = Path(validation) if Path(validation).is_dir() else Path(validation).parent
        path = folder / IN_SAMPLE_NAME
    if path is None or not path.is_file():
        return {"available": False}
    rows = read_table(path, IN_SAMPLE)
    counts = {"model_in_90": 0, "in_90": 0, "in_50": 0}
    years = []
    for row in rows:
        years.append(row.text("year"))
        for column in counts:
            flag = row.text(column)
            if flag not in ("True", "False"):
                raise DataFileError(path, f"{column} is {flag!r}: expected True or False",
                                    row.line)
            counts[column] += flag == "True"
    if not years:
        return {"available": False}
    return {"available": True, "source": str(path), "years": len(years), "first": years[0],
            "last": years[-1], **counts}


def scores(path: Path | None) -> dict:
    """The out-of-sample summary (`cartelsim validate`'s summary.csv, or its folder)."""
    if path is None:
        path = packaged_scores()
        if path is None:
            return {"available": False,
                    "message": "The model has not been scored out of sample yet: no "
                               "`cartelsim validate` summary was given (--validation) or "
                               "packaged, so there is no CRPS or interval coverage against "
                               "naive baselines to show."}
    path = Path(path)
    if path.is_dir():
        path = path / SUMMARY_NAME
    rows = read_table(path, SUMMARY)
    out = []
    for row in rows:
        entry: dict[str, object] = {"forecaster": row.text("forecaster"),
                                    "years": row.text("years")}
        for column in ("mean_crps", "coverage_50", "coverage_90"):
            try:
                entry[column] = float(row.text(column))
            except ValueError:
                raise DataFileError(path, f"{column} is {row.text(column)!r}: expected a "
                                    "number", row.line) from None
        out.append(entry)
    return {"available": True, "source": str(path), "rows": out}
