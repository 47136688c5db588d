"""`cartelsim calibrate history`: fit the replay to the record, print what was learnt, write
the posterior file and the identifiability report.

Kept apart from cli/main.py so the shared command stays a thin switch between targets.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from rich.console import Console
from rich.table import Table

from cartelsim.calibration.identifiability import identifiability_table
from cartelsim.calibration.posterior import Posterior
from cartelsim.calibration.record_fit import COORDINATES, FITTED, RUNS_PER_POINT, plan_budget
from cartelsim.calibration.record_posterior import calibrate_history, summary_lines
from cartelsim.calibration.record_targets import record_targets
from cartelsim.errors import CartelsimError
from cartelsim.io.atomic import check_target


def posterior_stem(stem: Path) -> Path:
    """The stem of a posterior's files (NAME for NAME.csv and NAME.json), checked before
    any simulation: both files writable, the folder not a file."""
    if stem.suffix in (".csv", ".json"):
        stem = stem.with_suffix("")
    for suffix in (".csv", ".json"):
        check_target(stem.with_suffix(suffix), "posterior")
    if stem.parent.exists() and not stem.parent.is_dir():
        raise CartelsimError(f"{stem.parent} is a file, not a folder for the posterior")
    return stem


def run_history_calibration(
        stem: Path, *, budget: int, seed: int, until: int, console: Console,
        progress_bar: Callable[[str, bool], AbstractContextManager],
        coordinates: str = "logit") -> Posterior:
    """Check the options, fit with a progress bar, print the table, write the files."""
    record_targets(until)  # a bad --until fails here, before any simulation
    if coordinates not in COORDINATES:
        raise CartelsimError(f"--coordinates must be one of {', '.join(COORDINATES)}, got "
                             f"{coordinates!r}")
    plan = plan_budget(budget, len(FITTED) + 2)
    stem = posterior_stem(stem)
    label = (f"mode search ({plan.mode_search} points), then emcee on the replay: "
             f"{plan.walkers} walkers x {plan.steps} steps, {RUNS_PER_POINT} "
             f"replays a point, record to {until}"
             + ("" if coordinates == "logit" else f", walkers in {coordinates} coordinates"))
    with progress_bar(label, False) as bar:
        posterior, paths = calibrate_history(stem, budget=budget, seed=seed, until=until,
                                             progress=bar, coordinates=coordinates)
    shown = Table(title=f"Posterior of the replay, record 2007-{until} "
                  f"({posterior.meta['observed_values']} observed values)",
                  title_justify="left")
    for column in ("parameter", "median", "90 % interval", "prior (catalogue range)",
                   "width / prior", "verdict"):
        shown.add_column(column)
    for row in identifiability_table(posterior).itertuples():
        shown.add_row(row.parameter, f"{row.median:.4g}", f"{row.low_5:.4g} - {row.high_95:.4g}",
                      f"{row.prior_low:.4g} - {row.prior_high:.4g}", f"{row.width_share:.2f}",
                      row.verdict + (f" (at the {row.edge} end)" if row.edge else ""))
    console.print(shown)
    for line in summary_lines(posterior):
        console.print(line, highlight=False)
    diagnostics = posterior.meta["diagnostics"]
    ratio = diagnostics["kept_steps_per_autocorrelation"]
    console.print(f"mean acceptance {diagnostics['acceptance_mean']:.2f}; kept steps / "
                  "longest autocorrelation time "
                  f"{'undefined' if ratio is None else f'{ratio:.1f}'} (emcee asks for 50 or "
                  "more)", highlight=False)
    for what, path in paths.items():
        console.print(f"{what}: {path}")
    return posterior
