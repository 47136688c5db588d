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
from cartelsim.calibration.record_fit import FITTED, RUNS_PER_POINT, plan_budget
from cartelsim.calibration.record_posterior import (
    calibrate_history,
    sampler_options,
    summary_lines,
)
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
        stem: Path, *, budget: int | None, seed: int, until: int, console: Console,
        progress_bar: Callable[[str, bool], AbstractContextManager],
        coordinates: str | None = None, sampler: str | None = None,
        particles: int | None = None, mcmc_steps: int | None = None,
        search_points: int | None = None, start: str | None = None) -> Posterior:
    """Check the options, fit with a progress bar, print the table, write the files."""
    record_targets(until)  # a bad --until fails here, before any simulation
    sampler, options = sampler_options(sampler, budget=budget, coordinates=coordinates,
                                       particles=particles, mcmc_steps=mcmc_steps,
                                       search_points=search_points, start=start)
    if sampler == "smc":
        begin = (f"a mode search ({options['search_points']} points)"
                 + (", slices through its mode" if options["start"] == "slices" else "")
                 + ", then " if options["search_points"] else "from the prior, ")
        label = (f"{begin}tempered SMC on the replay: {options['particles']} particles, "
                 f"{options['mcmc_steps']} Metropolis steps a stage, {RUNS_PER_POINT} replays "
                 f"a point, record to {until} (the bar: the search's points, then phi from 0 "
                 "to 1)")
    else:
        plan = plan_budget(int(options["budget"]), len(FITTED) + 2)
        label = (f"mode search ({plan.mode_search} points), then emcee on the replay: "
                 f"{plan.walkers} walkers x {plan.steps} steps, {RUNS_PER_POINT} "
                 f"replays a point, record to {until}"
                 + ("" if options["coordinates"] == "logit"
                    else f", walkers in {options['coordinates']} coordinates"))
    stem = posterior_stem(stem)
    with progress_bar(label, False, short="calibrate history") as bar:
        posterior, paths = calibrate_history(stem, seed=seed, until=until, progress=bar,
                                             sampler=sampler, **options)
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
    console.print(diagnostics_line(posterior), highlight=False)
    for what, path in paths.items():
        console.print(f"{what}: {path}")
    return posterior


def diagnostics_line(posterior: Posterior) -> str:
    """How far the sampler got, in its own terms."""
    diagnostics = posterior.meta["diagnostics"]
    if posterior.meta.get("sampler") == "smc":
        return (f"{diagnostics['stages']} tempering stages to phi = 1; the last stage's moves "
                f"changed {diagnostics['final_mutation_ratio']:.0%} of the particles; "
                f"{diagnostics['unique_particles']} distinct particles of "
                f"{posterior.meta['budget']['particles']}; "
                f"{posterior.meta['budget']['parameter_points']} parameter points simulated")
    ratio = diagnostics["kept_steps_per_autocorrelation"]
    return (f"mean acceptance {diagnostics['acceptance_mean']:.2f}; kept steps / longest "
            f"autocorrelation time {'undefined' if ratio is None else f'{ratio:.1f}'} (emcee "
            "asks for 50 or more)")
