"""`calibrate_history`: fit the replay to the record and write the posterior file.

The posterior file (`calibration.posterior`) holds the draws of the fitted catalogue
parameters; its metadata names the data and years fitted, the library and method, the
simulation budget, the seed, the code revision and the date, and keeps the draws of the two
model discrepancies (not catalogue parameters) aligned row by row with the CSV, so a
forecast can add the same error the fit allowed for.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

from cartelsim.calibration.identifiability import (
    correlation_matrix,
    identifiability_figure,
    identifiability_table,
    strong_pairs,
)
from cartelsim.calibration.posterior import NUISANCE_KEY, Posterior
from cartelsim.calibration.record_fit import (
    COORDINATES,
    ENGINE,
    FITTED,
    FRAGMENTATION,
    NUISANCE,
    RUNS_PER_POINT,
    SIGMA_BOUNDS,
    Progress,
    RecordFit,
    Space,
    fit_record,
    plan_budget,
    world_seed,
)
from cartelsim.calibration.record_smc import (
    MCMC_STEPS,
    PARTICLES,
    SEARCH_POINTS,
    START_SCALE,
    STARTING_DRAWS,
    SmcFit,
    check_smc_options,
    check_start,
    fit_record_smc,
)
from cartelsim.calibration.slices import SLICES_KEY, likelihood_slices, slice_summary
from cartelsim.errors import CartelsimError

SAMPLERS = ("emcee", "smc")
DEFAULT_BUDGET = 16000  # emcee's points: the shipped emcee fits' budget
LIKELIHOOD = ("Bayesian synthetic likelihood (Wood 2010): Gaussian on the log scale per "
              "summary, mean and variance over paired replays with fixed seeds, plus fixed "
              "measurement errors and fitted model discrepancies")
SHIPPED_STEM = Path(__file__).resolve().parents[1] / "data" / "posterior" / "record-posterior"


def code_revision() -> str:
    """`git rev-parse HEAD` of the source tree (with " (uncommitted changes)" when tracked
    files differ from it), or the package version outside a checkout."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=Path(__file__).parent,
                                  capture_output=True, text=True, timeout=10, check=False)
        except OSError:
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    head = git("rev-parse", "HEAD")
    if not head:
        return f"cartelsim {version('cartelsim')} (no git checkout)"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"{head} (uncommitted changes)" if dirty else head


def _shared_meta(fit: RecordFit | SmcFit, revision: str, draws: pd.DataFrame) -> dict:
    """What every record posterior's metadata says, whichever sampler made it."""
    return {
        "what": "calibration of the history replay (2007-2026) to the record",
        "data": fit.targets.describe(),
        "years_fitted": [int(fit.targets.homicide_years[0]), int(fit.targets.until)],
        "observed_values": fit.targets.count,
        "priors": ("uniform on each catalogue range; model discrepancies "
                   f"{', '.join(NUISANCE)} log-uniform on [{SIGMA_BOUNDS[0]}, "
                   f"{SIGMA_BOUNDS[1]}]"),
        "replay": {"engine": ENGINE, "fragmentation": FRAGMENTATION,
                   "runs_per_point": fit.runs_per_point, "world_seed": world_seed(fit.seed)},
        "seed": fit.seed,
        "revision": revision,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        NUISANCE_KEY: {n: [float(v) for v in draws[n]] for n in NUISANCE},
    }


def _posterior(fit: RecordFit | SmcFit, draws: pd.DataFrame, meta: dict) -> Posterior:
    return Posterior(draws[list(fit.space.names)], np.full(len(draws), 1.0 / len(draws)),
                     meta, "calibrate history")


def posterior_from_fit(fit: RecordFit, revision: str) -> Posterior:
    """The emcee chain's post-burn-in draws as a `Posterior` with its metadata."""
    draws = fit.draws()
    steps = fit.chain.shape[0]
    tau = fit.autocorrelation()
    meta = _shared_meta(fit, revision, draws) | {
        "command": (f"cartelsim calibrate history --sampler emcee --budget {fit.budget} "
                    f"--seed {fit.seed} --until {fit.targets.until} "
                    f"--coordinates {fit.coordinates}"),
        "method": (f"{LIKELIHOOD}; sampled with emcee's affine-invariant ensemble started in "
                   "a small ball around the mode a bounded Nelder-Mead search (scipy) finds "
                   "from the best prior draw"),
        "library": f"emcee {version('emcee')}",
        "sampler": "emcee",
        "coordinates": fit.coordinates,  # where the walkers moved (record_fit.COORDINATES)
        "budget": {"parameter_points": fit.evaluations, "replays": fit.evaluations *
                   fit.runs_per_point, "walkers": fit.walkers, "steps": steps,
                   "burn_in": fit.burn, "starting_draws": 2 * fit.walkers,
                   "mode_search": plan_budget(fit.budget, fit.space.dim).mode_search},
        "mode": _mode(fit.space, fit.mode, fit.mode_log_prob),
        "diagnostics": {"acceptance_mean": float(np.mean(fit.acceptance)),
                        "autocorrelation_steps": dict(zip(
                            [*fit.space.names, *NUISANCE], map(_number, tau), strict=True)),
                        "kept_steps_per_autocorrelation": _number(
                            (steps - fit.burn) / np.max(tau))
                        if np.all(np.isfinite(tau)) and np.max(tau) > 0
                        else None},
    }
    return _posterior(fit, draws, meta)


def posterior_from_smc(fit: SmcFit, revision: str) -> Posterior:
    """The SMC's final particles as a `Posterior` with its metadata."""
    draws = fit.draws()
    run = fit.run
    start = ("drawn from the prior" if fit.mode is None else
             f"drawn around the mode a bounded Nelder-Mead search (scipy, {fit.search_points} "
             "points from the best prior draw) finds, from independent normals truncated to "
             f"the box with sd {START_SCALE:g} of each range"
             + ("" if fit.start == "mode" else
                ", uniform along the parameters whose likelihood slice through the mode is "
                f"flat ({', '.join(fit.flat) or 'none'})"))
    meta = _shared_meta(fit, revision, draws) | {
        "command": (f"cartelsim calibrate history --sampler smc --particles {fit.particles} "
                    f"--mcmc-steps {fit.mcmc_steps} --search-points {fit.search_points} "
                    + ("" if fit.start == "mode" else f"--start {fit.start} ")
                    + f"--seed {fit.seed} --until {fit.targets.until}"),
        "method": (f"{LIKELIHOOD}; sampled by adaptive tempered sequential Monte Carlo: "
                   f"particles {start}, the path tempered to the posterior with each "
                   "increment chosen to keep the effective sample size at "
                   f"{fit.target_ess:g} of the particles, then resampling and "
                   f"{fit.mcmc_steps} random-walk Metropolis steps with the particles' "
                   "covariance at each stage, until the posterior is reached (phi = 1)"),
        "library": f"smcpy {version('smcpy')}",
        "sampler": "smc",
        "budget": {"parameter_points": fit.evaluations,
                   "replays": fit.evaluations * fit.runs_per_point,
                   "particles": fit.particles, "mcmc_steps": fit.mcmc_steps,
                   "target_ess": fit.target_ess,
                   "mode_search": fit.search_points,
                   "starting_draws": STARTING_DRAWS if fit.search_points else 0},
        "diagnostics": {"stages": len(run.phi) - 1,
                        "phi": [float(p) for p in run.phi],
                        "mutation_ratio": [float(m) for m in run.mutation_ratio],
                        "final_mutation_ratio": float(run.mutation_ratio[-1]),
                        "unique_particles": run.unique,
                        "log_evidence": _number(run.log_evidence)},
    }
    if fit.mode is not None:
        meta["mode"] = _mode(fit.space, fit.mode, fit.mode_log_prob)
    return _posterior(fit, draws, meta)


def _mode(space: Space, mode: np.ndarray, log_prob: float | None) -> dict:
    """The mode's log-likelihood and values, as the metadata keeps them."""
    return {"log_likelihood": None if log_prob is None else _number(log_prob),
            **dict(zip([*space.names, *NUISANCE], map(float, space.values(mode)[0]),
                       strict=True))}


def _number(value: float) -> float | None:
    """A float for JSON; None where it is not finite (JSON has no NaN)."""
    return float(value) if np.isfinite(value) else None


def nuisance_draws(posterior: Posterior, name: str) -> np.ndarray:
    """The draws of a model discrepancy kept in the metadata (aligned with the rows)."""
    return posterior.nuisance(name)


def choose_sampler(sampler: str | None, budget: int | None, coordinates: str | None) -> str:
    """The sampler asked for; if none, emcee when its options (a budget, coordinates) are
    given, as in the commands recorded by fits before SMC became the default, else SMC.

    Raises:
        CartelsimError: an unknown sampler, or SMC asked for with emcee's options.
    """
    emcee_options = budget is not None or coordinates is not None
    chosen = sampler or ("emcee" if emcee_options else "smc")
    if chosen not in SAMPLERS:
        raise CartelsimError(f"--sampler must be one of {', '.join(SAMPLERS)}, got "
                             f"{chosen!r}")
    if chosen == "smc" and emcee_options:
        raise CartelsimError("--budget and --coordinates apply to --sampler emcee; the "
                             "SMC's cost is set by --particles and --mcmc-steps")
    return chosen


def sampler_options(sampler: str | None = None, *, budget: int | None = None,
                    coordinates: str | None = None, particles: int | None = None,
                    mcmc_steps: int | None = None, search_points: int | None = None,
                    start: str | None = None,
                    dim: int = len(FITTED) + 2) -> tuple[str, dict[str, int | str]]:
    """The sampler `choose_sampler` picks and its options with the defaults filled in (smc:
    particles, mcmc_steps, search_points, start; emcee: budget, coordinates), checked before
    any simulation; `dim` counts the sampled coordinates (parameters and discrepancies).

    Raises:
        CartelsimError: an option of the other sampler, or one that cannot work.
    """
    chosen = choose_sampler(sampler, budget, coordinates)
    if chosen == "smc":
        options: dict[str, int | str] = {
            "particles": PARTICLES if particles is None else particles,
            "mcmc_steps": MCMC_STEPS if mcmc_steps is None else mcmc_steps,
            "search_points": SEARCH_POINTS if search_points is None else search_points,
            "start": start or "mode"}
        check_smc_options(dim, int(options["particles"]), int(options["mcmc_steps"]))
        check_start(str(options["start"]), int(options["search_points"]))
        return chosen, options
    if (particles is not None or mcmc_steps is not None or search_points is not None
            or start is not None):
        raise CartelsimError("--particles, --mcmc-steps, --search-points and --start apply "
                             "to --sampler smc")
    coordinates = coordinates or "logit"
    if coordinates not in COORDINATES:
        raise CartelsimError(f"--coordinates must be one of {', '.join(COORDINATES)}, "
                             f"got {coordinates!r}")
    return chosen, {"budget": DEFAULT_BUDGET if budget is None else budget,
                    "coordinates": coordinates}


def calibrate_history(stem: Path, *, seed: int = 0, until: int = 2024,
                      names: tuple[str, ...] = FITTED, runs_per_point: int = RUNS_PER_POINT,
                      progress: Progress | None = None, sampler: str | None = None,
                      budget: int | None = None, coordinates: str | None = None,
                      particles: int | None = None, mcmc_steps: int | None = None,
                      search_points: int | None = None,
                      start: str | None = None) -> tuple[Posterior, dict[str, Path]]:
    """Fit with the sampler and options `sampler_options` settles, slice the likelihood
    through the posterior's median (`slices`), then write STEM.csv/.json,
    STEM-identifiability.csv/.png, STEM-correlations.csv and STEM-slices.csv; returns the
    posterior and the paths written."""
    from cartelsim.analysis.figures import save_figure
    from cartelsim.io.atomic import write_atomically

    sampler, options = sampler_options(sampler, budget=budget, coordinates=coordinates,
                                       particles=particles, mcmc_steps=mcmc_steps,
                                       search_points=search_points, start=start,
                                       dim=len(names) + 2)
    revision = code_revision()  # the code that runs the fit, taken before it starts
    if sampler == "smc":
        smc = fit_record_smc(seed=seed, until=until, names=names,
                             runs_per_point=runs_per_point, progress=progress,
                             **options)  # type: ignore[arg-type]
        posterior = posterior_from_smc(smc, revision)
    else:
        fit = fit_record(seed=seed, until=until, names=names, runs_per_point=runs_per_point,
                         progress=progress, **options)  # type: ignore[arg-type]
        posterior = posterior_from_fit(fit, revision)
    slices = likelihood_slices(posterior, until=until, seed=seed,
                               runs_per_point=runs_per_point)
    posterior.meta[SLICES_KEY] = {row.parameter: {"loglik_range": _number(row.loglik_range),
                                                  "best_share": row.best_share,
                                                  "flat": bool(row.flat)}
                                  for row in slice_summary(slices).itertuples()}
    csv_path, json_path = posterior.save(stem)
    table = identifiability_table(posterior)
    corr = correlation_matrix(posterior)
    base = stem.with_name(stem.name + "-identifiability")
    paths = {"posterior": csv_path, "metadata": json_path,
             "identifiability": base.with_suffix(".csv"),
             "correlations": stem.with_name(stem.name + "-correlations.csv"),
             "slices": stem.with_name(stem.name + "-slices.csv"),
             "figure": base.with_suffix(".png")}
    write_atomically(paths["identifiability"], lambda p: table.to_csv(p, index=False,
                                                                      float_format="%.6g"))
    write_atomically(paths["correlations"], lambda p: corr.to_csv(p, float_format="%.3f"))
    write_atomically(paths["slices"], lambda p: slices.to_csv(p, index=False,
                                                              float_format="%.6g"))
    save_figure(identifiability_figure(table, corr), paths["figure"])
    return posterior, paths


def summary_lines(posterior: Posterior) -> list[str]:
    """Plain-text notes on the fit for the terminal."""
    table = identifiability_table(posterior)
    lines = []
    for a, b, r in strong_pairs(correlation_matrix(posterior)):
        lines.append(f"{a} and {b} trade off (r = {r:+.2f}): the record fixes a combination.")
    for name in NUISANCE:
        values = nuisance_draws(posterior, name)
        lines.append(f"{name} (model discrepancy, log scale): median {np.median(values):.2f}")
    edge = table[table["edge"] != ""]
    for row in edge.itertuples():
        lines.append(f"{row.parameter}: posterior median at the {row.edge} end of its range")
    slices = posterior.meta.get(SLICES_KEY, {})
    for row in table.itertuples():
        found = slices.get(row.parameter, {})
        if found.get("flat"):
            lines.append(f"{row.parameter}: the log-likelihood moves by "
                         f"{found['loglik_range']:.2f} over its whole range at the median; "
                         f"its interval ({row.width_share:.2f} of the range; a uniform's is "
                         "0.90) shows where the sampler started more than what the record "
                         "says")
    return lines


__all__ = ["DEFAULT_BUDGET", "SAMPLERS", "SHIPPED_STEM", "calibrate_history", "choose_sampler",
           "code_revision", "nuisance_draws", "posterior_from_fit", "posterior_from_smc",
           "sampler_options", "summary_lines"]
