"""`cartelsim validate`: score the model out of sample against naive baselines, and check
how the shipped posterior covers the years it was fitted to.

A thin edge (STYLE.md 9): it checks the output folder before any work, calls
`cartelsim.calibration.forecast.validate` and `in_sample`, writes the tables and the figure,
and prints the summaries.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cartelsim.errors import CartelsimError

console = Console()
SCORES_NAME = "scores.csv"
SUMMARY_NAME = "summary.csv"
FIGURE_NAME = "forecast.png"
IN_SAMPLE_NAME = "in_sample.csv"


def validate_command(
    out: Annotated[Path, typer.Option(
        help=f"Folder for {SCORES_NAME}, {SUMMARY_NAME}, {FIGURE_NAME} and "
             f"{IN_SAMPLE_NAME}.")],
    posterior: Annotated[Path | None, typer.Option(
        help="A posterior fitted with --until (NAME.csv + NAME.json); default: the packaged "
             "fit to the record up to 2021.")] = None,
    in_sample_posterior: Annotated[Path | None, typer.Option(
        help="The posterior whose fitted years are checked in sample; default: the packaged "
             "fit to the record up to 2024 (the default world).")] = None,
    draws: Annotated[int, typer.Option(min=1, max=100_000,
                                       help="Posterior draws in the forecast.")] = 100,
    runs_per_draw: Annotated[int, typer.Option(min=1, max=1000,
                                               help="Replays per draw.")] = 2,
    seed: Annotated[int, typer.Option(min=0, help="Seed: same seed, same numbers.")] = 0,
    quiet: Annotated[bool, typer.Option(help="No progress bar or summary.")] = False,
) -> None:
    """Forecast the years after the posterior's cut-off and score them against INEGI's homicides, beside persistence and a linear trend; then check the default world's posterior against the years it was fitted to.

    scores.csv columns: forecaster, year, observed, p05, p25, p50, p75, p95 (forecast quantiles, homicides per year), crps (continuous ranked probability score, homicides; lower is better), in_50, in_90 (observed inside the central 50 % / 90 % interval). summary.csv: forecaster, mean_crps, coverage_50, coverage_90, years. in_sample.csv (2010 to the fit's last year): year, observed, model_p05, model_p25, model_p50, model_p75, model_p95, model_in_50, model_in_90 (the replays' bands: parameters and noise), p05, p25, p50, p75, p95, in_50, in_90 (the posterior predictive: with the fitted model discrepancy).
    """
    from cartelsim.calibration.forecast import in_sample, in_sample_years, validate
    from cartelsim.calibration.posterior import PACKAGED_2021, load_posterior
    from cartelsim.cli.progress import progress_bar

    folder = _check_folder(out)
    fitted = load_posterior(posterior, packaged=PACKAGED_2021)
    shipped = load_posterior(in_sample_posterior)
    in_sample_years(shipped)  # a posterior without fitted years fails here, before any run
    with progress_bar("forecast from posterior draws", quiet) as update:
        result = validate(fitted, draws=draws, runs_per_draw=runs_per_draw, seed=seed,
                          progress=update)
    with progress_bar("the fitted years, from posterior draws", quiet) as update:
        covered = in_sample(shipped, draws=draws, runs_per_draw=runs_per_draw, seed=seed,
                            progress=update)
    paths = _write(folder, result, covered)
    if quiet:
        return
    table = Table(title=f"Out of sample: fitted to {result.cutoff}, scored on "
                  f"{result.cutoff + 1}-{int(result.scores['year'].max())} (INEGI)",
                  title_justify="left")
    for column in ("forecaster", "mean CRPS", "in 50 %", "in 90 %"):
        table.add_column(column)
    for row in result.summary.itertuples():
        table.add_row(row.forecaster, f"{row.mean_crps:,.0f}", f"{row.coverage_50:.0%}",
                      f"{row.coverage_90:.0%}")
    console.print(table)
    years = f"{int(covered['year'].min())}-{int(covered['year'].max())}"
    console.print(f"In sample ({years}, {shipped.source or 'posterior'}): INEGI inside the "
                  f"replays' 90 % band in {int(covered['model_in_90'].sum())} of "
                  f"{len(covered)} years; inside the posterior predictive's 90 % band in "
                  f"{int(covered['in_90'].sum())}, its 50 % band in "
                  f"{int(covered['in_50'].sum())}", highlight=False)
    for path in paths:
        console.print(f"wrote {path}")


def _check_folder(out: Path) -> Path:
    """Refuse, before any work, an output folder that cannot be written."""
    if out.exists() and not out.is_dir():
        raise CartelsimError(f"--out {out} is a file: expected a folder for {SCORES_NAME}, "
                             f"{SUMMARY_NAME}, {FIGURE_NAME} and {IN_SAMPLE_NAME}")
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise CartelsimError(f"--out {out}: cannot write in {existing}")
    return out


def _write(folder: Path, result, covered) -> list[Path]:
    from cartelsim.analysis.figures import save_figure
    from cartelsim.calibration.forecast import validation_figure
    from cartelsim.io.export import write_csv

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CartelsimError(f"--out {folder}: cannot create the folder "
                             f"({exc.strerror or exc})") from None
    paths = [folder / SCORES_NAME, folder / SUMMARY_NAME, folder / FIGURE_NAME,
             folder / IN_SAMPLE_NAME]
    write_csv(result.scores, paths[0])
    write_csv(result.summary, paths[1])
    save_figure(validation_figure(result), paths[2])
    write_csv(covered, paths[3])
    return paths
