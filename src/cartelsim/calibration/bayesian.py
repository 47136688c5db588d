"""Bayesian calibration of the published model to the national series, with emcee.

What is fitted (all stated in the parameter file and the README):
- **Data.** Yearly homicides (INEGI) and, where known, disappearances (missing persons not
  located) of the system's national series from `start` on: 2012-2021 for BACRIM 2020;
  2012-2024 homicides and 2022-2023 disappearances for Mexico 2025. National arrests are not
  used: the model's incapacitation totals exactly `incapacitation` members a week whatever
  the state of the groups, and the published series counts arrests for every crime, so the
  link between them is one unknown scale factor and the series says nothing about the
  other parameters.
- **Model.** The deterministic engine from `initial_members` spread by the Zipf rule at
  `start`; victims = deaths / victim_member_share, split into homicides and disappearances
  by homicide_share_of_victims (see engines.observation).
- **Likelihood.** Independent log-normal errors: log(observed) ~ N(log(model), sigma^2) for
  every observed year and series. sigma (the observation noise) is fitted too; it absorbs
  measurement error and model misfit alike. Independence across years is an assumption;
  errors that persist from year to year would make the true intervals wider.
- **Priors.** Log-uniform over each parameter's search range (its plausible range in the
  catalogue widened fivefold on each side within its hard bounds, the same box the least-
  squares fit searches); sigma log-uniform on [0.01, 1].

The sampler is emcee's affine-invariant ensemble (stretch move). Walkers move in log-
parameter space (so the log-uniform prior is flat there) and are evaluated together: each
half-ensemble is one multi-run engine call, with the rates set per run. Randomness (the
walkers' starting points, the moves, the predictive draws) comes only from SeedSequence
streams of the seed, so the same seed gives the same chain.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import emcee
import numpy as np
import pandas as pd

from cartelsim.calibration.least_squares import search_bounds
from cartelsim.calibration.streams import stream_generator
from cartelsim.engines.initial import zipf_sizes
from cartelsim.engines.plan import RATE_NAMES, ConstantPlan, base_rates
from cartelsim.engines.rates import ConflictStructure
from cartelsim.engines.simulate import run_arrays
from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import CATALOGUE, Params
from cartelsim.system.model import System
from cartelsim.textmatch import closest

# Parameters the national series can speak to: the four L1 rates, the initial stock and the
# two observation shares. Leadership, money and protection do not act in a status-quo run.
CALIBRATABLE = ("recruitment_rate", "incapacitation", "conflict_lethality", "saturation",
                "initial_members", "victim_member_share", "homicide_share_of_victims")
SIGMA_BOUNDS = (0.01, 1.0)  # log-scale observation noise (0.01 = 1 %, 1 = a factor e)
# emcee's guidance: a chain is long enough when it is at least ~50 autocorrelation times.
MIN_TAU_MULTIPLE = 50
# Named sub-streams of the seed for calibration, apart from the engines' streams (0-4).
_STREAM_START, _STREAM_MOVES, _STREAM_PREDICTIVE = 1000, 1001, 1002
_RATE_OF = {name: key for key, name in RATE_NAMES.items()}



@dataclass(frozen=True)
class Target:
    """The observed yearly series; NaN where a year has no value for that series."""

    years: np.ndarray  # int, ascending
    homicides: np.ndarray
    disappearances: np.ndarray

    @property
    def count(self) -> int:
        return int(np.isfinite(self.homicides).sum() + np.isfinite(self.disappearances).sum())


def target_series(system: System, start: str = "2012-01-01") -> Target:
    """Homicides and disappearances per year from the start year on, as far as they go."""
    series = system.national_series
    if series.empty or "homicides" not in series.columns:
        raise CartelsimError(f"system {system.name!r} has no national homicide series to fit")
    first = pd.Timestamp(start).year
    frame = series[series.index >= first]
    frame = frame[frame["homicides"].notna()
                  | frame.get("missing_persons", pd.Series(dtype=float)).notna()]
    target = Target(years=frame.index.to_numpy(dtype=int),
                    homicides=frame["homicides"].to_numpy(dtype=float),
                    disappearances=frame["missing_persons"].to_numpy(dtype=float)
                    if "missing_persons" in frame else np.full(len(frame), np.nan))
    for label, values in (("homicides", target.homicides),
                          ("disappearances", target.disappearances)):
        bad = np.isfinite(values) & (values <= 0)
        if bad.any():
            raise CartelsimError(f"system {system.name!r}: {label} of "
                                 f"{int(target.years[bad][0])} is {values[bad][0]:g}; a "
                                 "log-normal likelihood needs positive counts")
    if target.count < 3:
        raise CartelsimError(f"system {system.name!r} has fewer than 3 yearly values from "
                             f"{first} on; nothing to fit")
    return target


def check_names(names: list[str]) -> list[str]:
    """The chosen parameters, validated: known, calibratable, not repeated, not empty."""
    if not names:
        raise CartelsimError("give at least one parameter to calibrate")
    for name in names:
        if name not in CATALOGUE:
            hint = closest(name, list(CATALOGUE))
            raise CartelsimError(f"unknown parameter {name!r}"
                                 + (f"; did you mean {hint!r}?" if hint else ""))
        if name not in CALIBRATABLE:
            raise CartelsimError(f"parameter {name!r} does not act on the national series of a "
                                 f"status-quo run; calibratable: {', '.join(CALIBRATABLE)}")
    if len(set(names)) < len(names):
        raise CartelsimError(f"parameters repeated in {','.join(names)}")
    return names


def prior_bounds(names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Log-uniform prior box of each parameter; an empty or non-positive range is refused."""
    low, high = np.empty(len(names)), np.empty(len(names))
    for i, name in enumerate(names):
        lo, hi = search_bounds(name)
        if not (0 < lo < hi and np.isfinite(hi)):
            raise CartelsimError(f"parameter {name!r} has an empty or non-positive range "
                                 f"[{lo:g}, {hi:g}]; a log-uniform prior needs 0 < low < high")
        low[i], high[i] = lo, hi
    return low, high


class Forward:
    """Yearly homicides and disappearances for many parameter sets in one engine call."""

    def __init__(self, system: System, names: list[str], base: Params, start: str,
                 years: np.ndarray) -> None:
        self.names = names
        self.base = base
        self.start = pd.Timestamp(start)
        self.years = years
        end = pd.Timestamp(f"{int(years.max()) + 1}-01-01")
        self.weeks = int(np.ceil((end - self.start).days / 7))
        dates = self.start + pd.to_timedelta(7 * np.arange(1, self.weeks + 1), unit="D")
        year_of_week = dates.year.to_numpy()
        # [week, year] indicator: flows of the week ending on a date count in its year
        self.by_year = (year_of_week[:, None] == years[None, :]).astype(float)
        self.shares = zipf_sizes(system, 1.0)
        self.structure = ConflictStructure.from_system(system)

    def __call__(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                    np.ndarray]:
        """values [set, parameter] -> homicides, disappearances [set, year], members at the
        end [set], ok [set] (False where the engine failed)."""
        sets = values.shape[0]
        column = {name: values[:, i] for i, name in enumerate(self.names)}
        rates = base_rates(self.base, sets)
        for name, key in _RATE_OF.items():
            if name in column:
                rates[key] = column[name].astype(float)
        total = column.get("initial_members", np.full(sets, self.base["initial_members"]))
        members0 = total[:, None] * self.shares[None, :]
        out = run_arrays(self.structure, members0, ConstantPlan(self.base, rates), self.weeks,
                         engine="deterministic", record_groups=False)
        deaths = np.nan_to_num(out.totals[:, 1:, 3], nan=0.0) @ self.by_year
        share = column.get("victim_member_share", np.full(sets, self.base["victim_member_share"]))
        split = column.get("homicide_share_of_victims",
                           np.full(sets, self.base["homicide_share_of_victims"]))
        victims = deaths / share[:, None]
        ok = (out.status == 0) & np.isfinite(victims).all(axis=1) & (victims > 0).all(axis=1)
        return (victims * split[:, None], victims * (1 - split)[:, None],
                out.totals[:, -1, 0], ok)


@dataclass
class Posterior:
    """The sampled posterior and what is needed to judge and report it."""

    names: tuple[str, ...]  # the model parameters; the chain also holds sigma (last column)
    chain: np.ndarray  # [step, walker, parameter + 1] in natural units, burn-in included
    log_prob: np.ndarray  # [step, walker]
    burn: int
    acceptance: np.ndarray  # [walker]
    tau: np.ndarray  # integrated autocorrelation time per column (steps)
    target: Target
    system_name: str
    start: str
    seed: int
    predictive: dict[str, np.ndarray] = field(default_factory=dict)  # 5/50/95 % [3, year]
    members_end: np.ndarray = field(default_factory=lambda: np.empty(0))  # posterior draws
    median_log_prob: float = float("nan")  # log posterior at the vector of marginal medians

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.names, "sigma")

    @property
    def samples(self) -> np.ndarray:
        """Draws after burn-in, all walkers pooled: [draw, column]."""
        return self.chain[self.burn:].reshape(-1, self.chain.shape[2])

    @property
    def kept_steps(self) -> int:
        return self.chain.shape[0] - self.burn

    def converged(self) -> bool:
        """Long enough by emcee's rule of thumb: kept steps >= 50 autocorrelation times."""
        return bool(np.all(np.isfinite(self.tau))
                    and self.kept_steps >= MIN_TAU_MULTIPLE * np.max(self.tau))

    def warnings(self) -> list[str]:
        notes = []
        if not self.converged():
            worst = np.nanmax(self.tau) if np.isfinite(self.tau).any() else float("nan")
            notes.append(f"chains too short: {self.kept_steps} steps kept after burn-in, but "
                         f"{MIN_TAU_MULTIPLE} x the longest autocorrelation time "
                         f"({worst:.1f} steps) is needed; the intervals are not reliable "
                         "(raise --steps)")
        floor = float(np.percentile(self.log_prob[self.burn:], 5))
        if not self.median_log_prob >= floor:
            notes.append(f"the marginal medians lie off the posterior's ridge (log posterior "
                         f"{self.median_log_prob:.1f}, below the 5th percentile of the draws, "
                         f"{floor:.1f}): correlated parameters are not fixed one by one; the "
                         "best draw is listed in the file")
        mean_acc = float(np.mean(self.acceptance))
        if not 0.15 <= mean_acc <= 0.7:
            notes.append(f"mean acceptance fraction {mean_acc:.2f} is outside 0.15-0.7; the "
                         "sampler is mixing poorly")
        return notes

    def table(self) -> pd.DataFrame:
        """Posterior median, 90 % interval and autocorrelation time of every column."""
        draws = self.samples
        lo, mid, hi = np.percentile(draws, [5, 50, 95], axis=0)
        bounds = [*(search_bounds(n) for n in self.names), SIGMA_BOUNDS]
        return pd.DataFrame({
            "parameter": self.columns, "median": mid, "low_5": lo, "high_95": hi,
            "prior_low": [b[0] for b in bounds], "prior_high": [b[1] for b in bounds],
            # a posterior as wide as the prior (in log units) means the data say little
            "interval_share_of_prior": (np.log(hi) - np.log(lo))
            / np.log([b[1] / b[0] for b in bounds]),
            "tau_steps": self.tau,
        })

    def correlated_pairs(self, threshold: float = 0.9) -> list[tuple[str, str, float]]:
        """Pairs whose posterior log-values correlate beyond `threshold`: the data fix a
        combination of them, not each one."""
        if len(self.columns) < 2:
            return []
        r = np.corrcoef(np.log(self.samples), rowvar=False)
        return [(a, b, float(r[i, j])) for i, a in enumerate(self.columns)
                for j, b in enumerate(self.columns) if i < j and abs(r[i, j]) > threshold]

    def best(self) -> dict[str, float]:
        """The kept draw with the highest posterior density (a point on the ridge)."""
        kept = self.log_prob[self.burn:].reshape(-1)
        row = self.samples[int(np.argmax(kept))]
        return {n: float(v) for n, v in zip(self.columns, row, strict=True)}

    def medians(self) -> dict[str, float]:
        mid = np.median(self.samples, axis=0)
        return {n: float(v) for n, v in zip(self.names, mid, strict=False)}

    def params(self, base: Params) -> Params:
        return base.override(self.medians(), "calibrated")


def _start_points(low: np.ndarray, high: np.ndarray, base: Params, names: list[str],
                  walkers: int, rng: np.random.Generator) -> np.ndarray:
    """Walkers start in a small ball (±2 % of the log range) around the default values (or
    the middle of the prior where a default lies outside it), sigma around 0.1."""
    lower = np.log(np.append(low, SIGMA_BOUNDS[0]))
    upper = np.log(np.append(high, SIGMA_BOUNDS[1]))
    centre = np.log(np.append(np.clip([base[n] for n in names], low, high), 0.1))
    centre = np.where((centre > lower) & (centre < upper), centre, (lower + upper) / 2)
    width = 0.02 * (upper - lower)
    points = centre + width * rng.uniform(-1, 1, size=(walkers, len(centre)))
    return np.clip(points, lower + 1e-9, upper - 1e-9)


def sample(system: System, names: list[str], *, walkers: int = 32, steps: int = 2000,
           burn: int = 500, seed: int = 0, base: Params | None = None,
           start: str = "2012-01-01", predictive_draws: int = 300,
           progress: Callable[[int, int], None] | None = None) -> Posterior:
    """Sample the posterior of `names` (plus sigma) given the system's national series."""
    names = check_names(list(names))
    dim = len(names) + 1
    if walkers < 2 * dim or walkers % 2:
        raise CartelsimError(f"--walkers must be even and at least twice the number of fitted "
                             f"columns ({len(names)} parameters + sigma = {dim}): at least "
                             f"{2 * dim}, got {walkers}")
    if steps < 1 or not 0 <= burn < steps:
        raise CartelsimError(f"--burn must be at least 0 and below --steps ({steps}), got "
                             f"{burn}")
    base = base or Params.defaults()
    low, high = prior_bounds(names)
    target = target_series(system, start)
    forward = Forward(system, names, base, start, target.years)
    log_low = np.log(np.append(low, SIGMA_BOUNDS[0]))
    log_high = np.log(np.append(high, SIGMA_BOUNDS[1]))
    observed = np.concatenate([target.homicides, target.disappearances])
    seen = np.isfinite(observed)
    log_obs = np.log(observed[seen])

    def log_probability(points: np.ndarray) -> np.ndarray:
        inside = np.all((points > log_low) & (points < log_high), axis=1)
        result = np.full(points.shape[0], -np.inf)
        if not inside.any():
            return result
        values = np.exp(points[inside])
        hom, dis, _, ok = forward(values[:, :-1])
        model = np.concatenate([hom, dis], axis=1)[:, seen]
        sigma = values[:, -1]
        with np.errstate(divide="ignore", invalid="ignore"):
            resid = (log_obs[None, :] - np.log(model)) / sigma[:, None]
        ll = -0.5 * np.sum(resid ** 2, axis=1) - log_obs.size * np.log(sigma)
        result[inside] = np.where(ok & np.isfinite(ll), ll, -np.inf)
        return result

    start_rng = stream_generator(seed, _STREAM_START)
    initial = _start_points(low, high, base, names, walkers, start_rng)
    sampler = emcee.EnsembleSampler(walkers, dim, log_probability, vectorize=True)
    moves = np.random.RandomState(np.random.MT19937(np.random.SeedSequence(
        seed, spawn_key=(_STREAM_MOVES,))))
    sampler._random = moves  # emcee draws its moves from this RandomState only
    for step, _ in enumerate(sampler.sample(initial, iterations=steps), start=1):
        if progress is not None:
            progress(step, steps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tau = sampler.get_autocorr_time(discard=burn, quiet=True, tol=0)
    posterior = Posterior(
        names=tuple(names), chain=np.exp(sampler.get_chain()),
        log_prob=sampler.get_log_prob(), burn=burn,
        acceptance=np.asarray(sampler.acceptance_fraction), tau=np.asarray(tau, dtype=float),
        target=target, system_name=system.name, start=str(pd.Timestamp(start).date()),
        seed=seed)
    _add_predictive(posterior, forward, predictive_draws)
    centre = np.log(np.median(posterior.samples, axis=0))[None, :]
    posterior.median_log_prob = float(log_probability(centre)[0])
    return posterior


def _add_predictive(posterior: Posterior, forward: Forward, draws: int) -> None:
    """Posterior predictive 5/50/95 % bands of each series: model at posterior draws with
    log-normal observation noise of the draw's sigma added."""
    rng = stream_generator(posterior.seed, _STREAM_PREDICTIVE)
    pool = posterior.samples
    chosen = pool[rng.choice(len(pool), size=min(draws, len(pool)), replace=False)]
    hom, dis, members, ok = forward(chosen[:, :-1])
    sigma = chosen[ok, -1][:, None]
    for name, model in (("homicides", hom[ok]), ("disappearances", dis[ok])):
        noisy = model * np.exp(sigma * rng.standard_normal(model.shape))
        posterior.predictive[name] = np.percentile(noisy, [5, 50, 95], axis=0)
    posterior.members_end = members[ok]


def parameter_file_text(posterior: Posterior) -> str:
    """A TOML parameter file (posterior medians) whose comments carry the intervals and the
    diagnostics, for `parameters_file = ...` in scenarios."""
    table = posterior.table()
    target = posterior.target
    walkers = posterior.chain.shape[1]
    lines = [
        "# Parameters calibrated by `cartelsim calibrate --method bayes` (provenance: calibrated).",
        f"# System: {posterior.system_name}; run from {posterior.start} with Zipf initial sizes;",
        f"# fitted to yearly homicides and disappearances {target.years.min()}-"
        f"{target.years.max()} ({target.count} values) with log-normal errors.",
        "# Priors: log-uniform over each range below; sigma (log-scale observation noise) too.",
        f"# emcee stretch move: {walkers} walkers x {posterior.chain.shape[0]} steps, "
        f"{posterior.burn} burn-in, seed {posterior.seed}; mean acceptance "
        f"{np.mean(posterior.acceptance):.3f}.",
        "# Values are posterior medians. Columns: median [90 % interval] (prior range) "
        "autocorrelation time:",
    ]
    for row in table.itertuples():
        lines.append(f"#   {row.parameter}: {row.median:.6g} [{row.low_5:.6g}, "
                     f"{row.high_95:.6g}] ({row.prior_low:.3g}-{row.prior_high:.3g}) "
                     f"tau {row.tau_steps:.1f}")
    if posterior.members_end.size:
        lo, mid, hi = np.percentile(posterior.members_end, [5, 50, 95])
        lines.append(f"# Members at the end of the fit: {mid:,.0f} [{lo:,.0f}, {hi:,.0f}]")
    best = ", ".join(f"{n} = {v:.6g}" for n, v in posterior.best().items())
    lines.append(f"# Highest-density draw: {best}")
    lines += [f"# Correlated in the posterior (only their combination is pinned down): {a} and "
              f"{b}, r = {r:+.2f}" for a, b, r in posterior.correlated_pairs()]
    lines += [f"# WARNING: {note}" for note in posterior.warnings()]
    lines += ["", 'provenance = "calibrated"', "", "[parameters]"]
    lines += [f"{n} = {v!r}" for n, v in posterior.medians().items()]
    return "\n".join(lines) + "\n"
