"""`cartelsim calibrate territory`: fit the territory to the state record (stage 2), score
the ranking of states before and after against population alone, write the posterior file.

The posterior file has the format of `calibration.posterior` (NAME.csv + NAME.json); the
package ships one as ``data/posterior/territory-posterior`` (`PACKAGED_TERRITORY`), applied
when territory is on (`scenarios.schema.calibrated_defaults`, `record.api.history`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from rich.console import Console
from rich.table import Table
from scipy.stats import spearmanr

from cartelsim.calibration.history_command import posterior_stem
from cartelsim.calibration.posterior import Posterior
from cartelsim.calibration.record_fit import SIGMA_BOUNDS, Progress, plan_budget, world_seed
from cartelsim.calibration.record_posterior import code_revision
from cartelsim.calibration.territory_fit import (
    CROSSING_YEARS,
    FITTED,
    NOT_FITTED,
    NUISANCE,
    OFFICE_SHARES,
    RUNS_PER_POINT,
    TerritoryFit,
    TerritoryReplay,
    crossing_offices,
    fit_territory,
    inegi_point_shares,
    observed_state_years,
    office_shares,
    state_year_shares,
    territory_targets,
)
from cartelsim.params.catalogue import CATALOGUE
from cartelsim.territory.observed import FULL_YEARS, INEGI_YEARS
from cartelsim.territory.validation import rank_agreement

SCORE_RUNS = 20  # replays for the scores (before and after), seed as the fit's
DEFAULT_BUDGET = 2000


def _window(ds, years: tuple[int, ...]):
    """The dates of `years` plus the one before (rank_agreement drops the first date)."""
    year_of = ds["time"].dt.year.to_numpy()
    inside = np.flatnonzero(np.isin(year_of, years))
    return ds.isel(time=slice(max(inside[0] - 1, 0), inside[-1] + 1))


def territory_scores(values: Mapping[str, float], *, until: int, seed: int,
                     runs: int = SCORE_RUNS) -> dict[str, Any]:
    """How the replay with territory `values` ranks the states (Spearman rho against SESNSP,
    `territory.validation.rank_agreement`) over the fitted years and, when `until` < 2018,
    over the later years left out of the fit; with population alone beside it; the mean
    absolute error of the state shares (model and population); the field offices' shares,
    of all drugs and of each."""
    ds = TerritoryReplay(seed, runs)(values)
    observed = observed_state_years()
    out: dict[str, Any] = {}
    windows = {"fitted": tuple(y for y in FULL_YEARS if y <= until),
               "held_out": tuple(y for y in FULL_YEARS if y > until)}
    for label, years in windows.items():
        if not years:
            continue
        part = _window(ds, years)
        score = rank_agreement(part, observed[list(years)], seed)
        model = part["state_homicides"].isel(time=slice(1, None)).sum("time").mean("run")
        obs = observed[list(years)].sum(axis=1).reindex(list(part.state.values)).to_numpy()
        population = part["state_population"].to_numpy()
        share = obs / obs.sum()
        score["share_mae_model"] = float(np.mean(np.abs(model.values / float(model.sum())
                                                        - share)))
        score["share_mae_population_only"] = float(np.mean(np.abs(
            population / population.sum() - share)))
        score["years"] = [years[0], years[-1]]
        out[label] = score
    offices = tuple(sorted(set(_offices_present(ds))))
    shares = office_shares(ds, offices)
    out["office_shares"] = {o: {"median": float(np.median(shares[:, k])),
                                "observed_90": list(OFFICE_SHARES.get(o, (None, None)))}
                            for k, o in enumerate(offices)}
    by_drug = {str(d): office_shares(ds, offices, ds["flow_north_by_drug"].sel(drug=d))
               for d in ds["drug"].values}
    out["office_shares_by_drug"] = {d: {o: float(np.median(s[:, k]))
                                        for k, o in enumerate(offices)}
                                    for d, s in by_drug.items()}
    out["inegi_points"] = inegi_point_scores(ds)
    return out


def inegi_point_scores(ds: xr.Dataset) -> dict[str, dict[str, float]]:
    """The replay against every INEGI state-year point shipped (2015-2024, fitted or not):
    mean absolute error of the shares and Spearman rho over the points, the model (shares
    averaged over runs) beside population alone; all points, and those of 2019-2024, which
    SESNSP's state file does not reach."""
    points, log_observed = inegi_point_shares(INEGI_YEARS[-1])
    years = tuple(sorted({year for year, _ in points}))
    states = tuple(str(s) for s in ds["state"].values)
    shares = state_year_shares(ds, years, states).mean(axis=0)  # [year, state]
    model = np.array([shares[years.index(y), states.index(c)] for y, c in points])
    population = ds["state_population"].to_numpy()
    naive = np.array([population[states.index(c)] for _, c in points]) / population.sum()
    observed = np.exp(log_observed)
    late = np.array([y >= 2019 for y, _ in points])
    out = {}
    for label, keep in (("all", np.ones_like(late)), ("2019_2024", late)):
        out[label] = {
            "points": int(keep.sum()),
            "share_mae_model": float(np.mean(np.abs(model[keep] - observed[keep]))),
            "share_mae_population_only": float(np.mean(np.abs(naive[keep] - observed[keep]))),
            "rho_model": float(spearmanr(model[keep], observed[keep]).statistic),
            "rho_population_only": float(spearmanr(naive[keep], observed[keep]).statistic)}
    return out


def _offices_present(ds) -> list[str]:
    office_of = crossing_offices()
    return [office_of[str(c)] for c in ds["crossing"].values]


def posterior_from_territory_fit(fit: TerritoryFit, revision: str,
                                 scores: dict[str, Any]) -> Posterior:
    """The chain's post-burn-in draws as a `Posterior` with its metadata and scores."""
    draws = fit.draws()
    steps = fit.run.chain.shape[0]
    meta = {
        "what": ("stage 2: the territory of the history replay (2007-2026, territory on) "
                 "fitted to the state record, the national posterior (record-posterior) "
                 "fixed at its median"),
        "command": (f"cartelsim calibrate territory --budget {fit.budget} --seed {fit.seed} "
                    f"--until {fit.targets.until}"),
        "data": fit.targets.describe(),
        "years_fitted": [fit.targets.years[0], fit.targets.until],
        "observed_values": fit.targets.count,
        "method": ("Bayesian synthetic likelihood (Wood 2010) on log shares, mean and "
                   "variance over paired replays with fixed seeds, fitted model discrepancies "
                   "per block; emcee's affine-invariant ensemble started around the mode a "
                   "bounded Nelder-Mead search finds (calibration.record_fit.sample_ensemble)"),
        "library": f"emcee {version('emcee')}",
        "priors": (f"uniform on each catalogue range; {', '.join(NUISANCE)} log-uniform on "
                   f"[{SIGMA_BOUNDS[0]}, {SIGMA_BOUNDS[1]}]"),
        "not_fitted": {name: "acts only through crossing crackdowns; the replay has none"
                       for name in NOT_FITTED},
        "replay": {"engine": "stochastic", "fragmentation": "open", "territory": True,
                   "runs_per_point": fit.runs_per_point, "world_seed": world_seed(fit.seed),
                   "national": "record-posterior median"},
        "budget": {"parameter_points": fit.run.evaluations,
                   "replays": fit.run.evaluations * fit.runs_per_point,
                   "walkers": fit.run.walkers, "steps": steps, "burn_in": fit.run.burn,
                   "starting_draws": 2 * fit.run.walkers,
                   "mode_search": plan_budget(fit.budget, fit.space.dim).mode_search},
        "diagnostics": {"acceptance_mean": float(np.mean(fit.run.acceptance))},
        "scores": scores,
        "seed": fit.seed,
        "revision": revision,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "nuisance_draws": {n: [float(v) for v in draws[n]] for n in NUISANCE},
    }
    return Posterior(draws[list(fit.space.names)], np.full(len(draws), 1.0 / len(draws)),
                     meta, "calibrate territory")


def calibrate_territory(stem: Path, *, budget: int, seed: int = 0,
                        until: int = INEGI_YEARS[-1], runs_per_point: int = RUNS_PER_POINT,
                        score_runs: int = SCORE_RUNS, progress: Progress | None = None
                        ) -> Posterior:
    """Fit, score before (catalogue values) and after (posterior median), write STEM.csv and
    STEM.json; returns the posterior."""
    revision = code_revision()
    fit = fit_territory(budget=budget, seed=seed, until=until, runs_per_point=runs_per_point,
                        progress=progress)
    posterior = posterior_from_territory_fit(fit, revision, {})
    before = {name: CATALOGUE[name].default for name in FITTED}
    posterior.meta["scores"] = {
        "before": territory_scores(before, until=until, seed=seed, runs=score_runs),
        "after": territory_scores(posterior.median(), until=until, seed=seed, runs=score_runs)}
    posterior.save(stem)
    return posterior


def run_territory_calibration(
        stem: Path, *, budget: int, seed: int, until: int, console: Console,
        progress_bar: Callable[[str, bool], AbstractContextManager]) -> Posterior:
    """Check the options, fit with a progress bar, print the posterior and the scores."""
    territory_targets(until)  # a bad --until fails here, before any simulation
    plan = plan_budget(budget, len(FITTED) + len(NUISANCE))
    stem = posterior_stem(stem)
    label = (f"mode search ({plan.mode_search} points), then emcee on the territory replay: "
             f"{plan.walkers} walkers x {plan.steps} steps, "
             f"{RUNS_PER_POINT} replays a point, state counts 2015-{until}")
    with progress_bar(label, False, short="calibrate territory") as bar:
        posterior = calibrate_territory(stem, budget=budget, seed=seed, until=until,
                                        progress=bar)
    shown = Table(title=f"Territory posterior (stage 2), SESNSP state shares 2015-"
                  f"{min(until, FULL_YEARS[-1])}, INEGI state points 2015-{until} and CBP "
                  f"field offices ({posterior.meta['observed_values']} observed values)",
                  title_justify="left")
    for column in ("parameter", "median", "90 % interval", "prior (catalogue range)"):
        shown.add_column(column)
    median = posterior.median()
    for name in posterior.parameters:
        low, high = posterior.interval(name)
        shown.add_row(name, f"{median[name]:.4g}", f"{low:.4g} - {high:.4g}",
                      f"{CATALOGUE[name].low:.4g} - {CATALOGUE[name].high:.4g}")
    console.print(shown)
    for line in score_lines(posterior.meta["scores"]):
        console.print(line, highlight=False)
    console.print(f"posterior: {stem.with_suffix('.csv')}, {stem.with_suffix('.json')}")
    return posterior


def score_lines(scores: dict[str, Any]) -> list[str]:
    """The scores in words: Spearman rho before/after against population alone."""
    lines = []
    for window in ("fitted", "held_out"):
        if window not in scores["after"]:
            continue
        b, a = scores["before"][window], scores["after"][window]
        years = f"{a['years'][0]}-{a['years'][1]}"
        lines.append(
            f"{window.replace('_', ' ')} {years}: Spearman rho {b['rho_ensemble_mean']:.2f} "
            f"before, {a['rho_ensemble_mean']:.2f} after (runs 5-95 % "
            f"{a['rho_runs_5_95'][0]:.2f}-{a['rho_runs_5_95'][1]:.2f}); population alone "
            f"{a['rho_population_only']:.2f}. Mean abs. error of state shares "
            f"{b['share_mae_model']:.4f} before, {a['share_mae_model']:.4f} after, population "
            f"alone {a['share_mae_population_only']:.4f}")
    for office, row in scores["after"]["office_shares"].items():
        low, high = row["observed_90"]
        observed = f"CBP {low:.0%}-{high:.0%}" if low is not None else "not targeted"
        before = scores["before"]["office_shares"][office]["median"]
        lines.append(f"{office}: share of the flow north {CROSSING_YEARS[0]}-"
                     f"{CROSSING_YEARS[1]} {before:.1%} before, {row['median']:.1%} after "
                     f"({observed})")
    for label, row in scores["after"].get("inegi_points", {}).items():
        lines.append(f"INEGI state-year points ({label.replace('_', '-')}, {row['points']}): "
                     f"mean abs. error of shares {row['share_mae_model']:.4f}, population "
                     f"alone {row['share_mae_population_only']:.4f}; Spearman rho "
                     f"{row['rho_model']:.2f}, population alone "
                     f"{row['rho_population_only']:.2f}")
    for drug, row in scores["after"].get("office_shares_by_drug", {}).items():
        lines.append(f"{drug}: " + ", ".join(f"{office} {share:.1%}"
                                             for office, share in row.items()))
    return lines
