"""`cartelsim validate`: score the model out of sample against naive baselines.

A thin edge (STYLE.md 9): it checks the output folder before any work, calls
`cartelsim.calibration.forecast.validate`, writes the table, the summary and the figure, and
prints the summary.
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


def validate_command(
    out: Annotated[Path, typer.Option(
        help=f"Folder for {SCORES_NAME}, {SUMMARY_NAME} and {FIGURE_NAME}.")],
    posterior: Annotated[Path | None, typer.Option(
        help="A posterior fitted with --until (NAME.csv + NAME.json); default: the packaged "
             "fit to the record up to 2021.")] = None,
    draws: Annotated[int, typer.Option(min=1, max=100_000,
                                       help="Posterior draws in the forecast.")] = 100,
    runs_per_draw: Annotated[int, typer.Option(min=1, max=1000,
                                               help="Replays per draw.")] = 2,
    seed: Annotated[int, typer.Option(min=0, help="Seed: same seed, same numbers.")] = 0,
    quiet: Annotated[bool, typer.Option(help="No progress bar or summary.")] = False,
) -> None:
    """Forecast the years after the posterior's cut-off and score them against INEGI's homicides, beside persistence and a linear trend.

    scores.csv columns: forecaster, year, observed, p05, p25, p50, p75, p95 (forecast quantiles, homicides per year), crps (continuous ranked probability score, homicides; lower is better), in_50, in_90 (observed inside the central 50 % / 90 % interval). summary.csv: forecaster, mean_crps, coverage_50, coverage_90, years.
    """
    from cartelsim.calibration.forecast import validate
    from cartelsim.calibration.posterior import PACKAGED_2021, load_posterior
    from cartelsim.cli.progress import progress_bar

    folder = _check_folder(out)
    fitted = load_posterior(posterior, packaged=PACKAGED_2021)
    with progress_bar("forecast from posterior draws", quiet) as update:
        result = validate(fitted, draws=draws, runs_per_draw=runs_per_draw, seed=seed,
                          progress=update)
    paths = _write(folder, result)
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
    for path in paths:
        console.print(f"wrote {path}")


def _check_folder(out: Path) -> Path:
    """Refuse, before any work, an output folder that cannot be written."""
    if out.exists() and not out.is_dir():
        raise CartelsimError(f"--out {out} is a file: expected a folder for {SCORES_NAME}, "
                             f"{SUMMARY_NAME} and {FIGURE_NAME}")
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise CartelsimError(f"--out {out}: cannot write in {existing}")
    return out


def _write(folder: Path, result) -> list[Path]:
    from cartelsim.analysis.figures import save_figure
    from cartelsim.calibration.forecast import validation_figure
    from cartelsim.io.export import write_csv

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CartelsimError(f"--out {folder}: cannot create the folder "
                             f"({exc.strerror or exc})") from None
    paths = [folder / SCORES_NAME, folder / SUMMARY_NAME, folder / FIGURE_NAME]
    write_csv(result.scores, paths[0])
    write_csv(result.summary, paths[1])
    save_figure(validation_figure(result), paths[2])
    return paths
