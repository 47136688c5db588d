"""Out-of-sample forecasts of national homicides from a posterior fitted up to a cut-off.

The model's forecast for the years after the cut-off is its posterior predictive: replays
at posterior draws (each with `runs_per_draw` worlds of its own seed), the INEGI-comparable
homicides of each world multiplied by a log-normal draw of the model discrepancy the fit
estimated (``sigma_homicides``, kept with the draw in the posterior's metadata). Without the
discrepancy, the forecast would claim the precision of the simulated noise alone, which the
fit showed to be far too small.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from cartelsim.calibration.posterior import Posterior
from cartelsim.calibration.record_fit import ENGINE, FRAGMENTATION
from cartelsim.calibration.scoring import (
    Forecast,
    persistence_forecast,
    sample_forecast,
    summary,
    trend_forecast,
)
from cartelsim.errors import CartelsimError
from cartelsim.record.draws import parameter_worlds, predictive_factors
from cartelsim.record.events import load_events
from cartelsim.record.observation import annual
from cartelsim.record.observed import national_homicides
from cartelsim.record.replay import build_replay, run_replay
from cartelsim.record.result import COVERAGE_YEARS


def cutoff_year(posterior: Posterior) -> int:
    """The last year the posterior was fitted to (its metadata's ``years_fitted``)."""
    years = posterior.meta.get("years_fitted")
    if not isinstance(years, list) or len(years) != 2:
        raise CartelsimError(f"{posterior.source}: the metadata does not say which years were "
                             "fitted ('years_fitted'); it cannot be scored out of sample")
    return int(years[1])


def replay_samples(posterior: Posterior, years: np.ndarray, *, draws: int, runs_per_draw: int,
                   seed: int, progress: Callable[[int, int], None] | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """INEGI-comparable homicides of replays at posterior draws, shape [year, draws x
    runs_per_draw] (failed runs left out): the model's own (parameters and simulated noise),
    and the posterior predictive (each world and year times a log-normal draw of its
    posterior draw's fitted discrepancy).

    The draws, their seeds and the discrepancy's factors are those `cartelsim history` takes
    with ``--runs draws x runs_per_draw --posterior-draws draws`` and the same seed
    (`record.draws`), so the two commands' bands agree; only the yearly national count of
    each draw is kept, not its whole replay."""
    events = load_events()
    worlds = parameter_worlds(draws * runs_per_draw, seed, None, posterior, draws)
    fragmentation = posterior.meta.get("replay", {}).get("fragmentation", FRAGMENTATION)
    parts = []
    for k, world in enumerate(worlds):
        setup = build_replay(events, runs=world.runs, seed=world.seed, engine=ENGINE,
                             fragmentation=fragmentation, parameters=world.parameters)
        ds = run_replay(setup)
        ok = ds["status"].values == 0 if "status" in ds else np.ones(ds.sizes["run"], bool)
        parts.append((annual(ds, "homicides_inegi").transpose("run", "year"), ok))
        if progress is not None:
            progress(k + 1, draws)
    replay_years = parts[0][0]["year"].to_numpy()
    factors = predictive_factors(worlds, replay_years.size, seed)
    missing = np.setdiff1d(years, replay_years)
    if missing.size:
        raise CartelsimError(f"the replay covers {replay_years[0]}-{replay_years[-1]}; no "
                             f"homicides for {', '.join(str(y) for y in missing)}")
    columns = np.searchsorted(replay_years, years)
    model = np.concatenate([yearly.to_numpy().astype(float) for yearly, _ in parts])
    ok = np.concatenate([usable for _, usable in parts])
    bare = model[ok][:, columns].T
    return bare, (model * factors)[ok][:, columns].T


def model_samples(posterior: Posterior, years: np.ndarray, *, draws: int, runs_per_draw: int,
                  seed: int, progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Posterior predictive INEGI-comparable homicides: shape [year, draws x runs_per_draw]."""
    return replay_samples(posterior, years, draws=draws, runs_per_draw=runs_per_draw,
                          seed=seed, progress=progress)[1]


def in_sample_years(posterior: Posterior) -> np.ndarray:
    """The INEGI years from `COVERAGE_YEARS`' first year (where `history`'s check starts)
    to the posterior's cut-off.

    Raises:
        CartelsimError: no fitted years named, or none from that year.
    """
    cutoff = cutoff_year(posterior)
    observed = national_homicides()["inegi_registered"].dropna()
    years = np.array([y for y in observed.index if COVERAGE_YEARS[0] <= y <= cutoff], dtype=int)
    if years.size == 0:
        raise CartelsimError(f"{posterior.source}: fitted up to {cutoff}, before "
                             f"{COVERAGE_YEARS[0]}: no year to check in sample")
    return years


def in_sample(posterior: Posterior, *, draws: int = 100, runs_per_draw: int = 2,
              seed: int = 0, progress: Callable[[int, int], None] | None = None
              ) -> pd.DataFrame:
    """How a posterior covers the record it was fitted to, year by year from
    `COVERAGE_YEARS`' first year to its cut-off: the model's bands (parameters and noise:
    model_p05 ... model_p95, model_in_50, model_in_90) and the posterior predictive (with
    the fitted discrepancy: p05 ... p95, in_50, in_90) beside INEGI's count (observed)."""
    years = in_sample_years(posterior)
    truth = national_homicides()["inegi_registered"].loc[years].to_numpy(float)
    bare, predictive = replay_samples(posterior, years, draws=draws,
                                      runs_per_draw=runs_per_draw, seed=seed,
                                      progress=progress)
    bands = ["p05", "p25", "p50", "p75", "p95", "in_50", "in_90"]  # `Forecast.table`'s
    model = sample_forecast("model", years, bare, truth).table(truth)
    table = sample_forecast("posterior predictive", years, predictive, truth).table(truth)
    return pd.concat([table[["year", "observed"]], model[bands].add_prefix("model_"),
                      table[bands]], axis=1)


@dataclass(frozen=True)
class Validation:
    """Out-of-sample scores of the model and the baselines."""

    cutoff: int
    scores: pd.DataFrame  # one row per forecaster and year (`Forecast.table`)
    summary: pd.DataFrame  # one row per forecaster (`scoring.summary`)
    train: pd.Series  # observed up to the cut-off


def validate(posterior: Posterior, *, draws: int = 100, runs_per_draw: int = 2, seed: int = 0,
             progress: Callable[[int, int], None] | None = None) -> Validation:
    """Forecast the years after the posterior's cut-off and score against INEGI.

    Raises:
        CartelsimError: no observed year after the cut-off, or no fitted years named.
    """
    cutoff = cutoff_year(posterior)
    observed = national_homicides()["inegi_registered"].dropna()
    years = np.array([y for y in observed.index if y > cutoff], dtype=int)
    if years.size == 0:
        raise CartelsimError(f"{posterior.source}: fitted up to {cutoff}, and INEGI has no "
                             "later year to score against")
    truth = observed.loc[years].to_numpy(float)
    train = observed[observed.index <= cutoff]
    samples = model_samples(posterior, years, draws=draws, runs_per_draw=runs_per_draw,
                            seed=seed, progress=progress)
    forecasts: list[Forecast] = [sample_forecast("model",
                                                 years, samples, truth),
                                 persistence_forecast(train, years, truth),
                                 trend_forecast(train, years, truth)]
    scores = pd.concat([f.table(truth) for f in forecasts], ignore_index=True)
    return Validation(cutoff, scores, summary(scores), train)


def validation_figure(result: Validation) -> Figure:
    """Observed homicides, and each forecaster's median with 50 % and 90 % bands."""
    figure = Figure(figsize=(9, 5), layout="constrained")
    axes = figure.subplots()
    observed = national_homicides()["inegi_registered"].dropna()
    axes.plot(observed.index, observed.to_numpy(), "k.-", label="INEGI registered")
    axes.axvline(result.cutoff + 0.5, color="grey", ls="--", lw=0.8)
    offsets = np.linspace(-0.2, 0.2, result.summary.shape[0])
    for offset, (name, rows) in zip(offsets, result.scores.groupby("forecaster", sort=False),
                                    strict=True):
        x = rows["year"].to_numpy(float) + offset
        median = rows["p50"].to_numpy()
        line = axes.errorbar(x, median, yerr=[median - rows["p05"], rows["p95"] - median],
                             fmt="o", capsize=3, lw=1, label=f"{name}: median, 90 %")
        axes.vlines(x, rows["p25"], rows["p75"], lw=5, alpha=0.5, color=line[0].get_color())
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("year")
    axes.set_ylabel("homicides per year")
    axes.set_title(f"Out of sample: fitted to {result.cutoff}, forecast "
                   f"{result.cutoff + 1}-{int(result.scores['year'].max())}")
    axes.legend(fontsize=8)
    return figure
