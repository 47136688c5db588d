"""Calibration of the replay to the record: emcee on a synthetic likelihood.

The replay (`cartelsim.record.replay`, world engine, open fragmentation) is a stochastic
simulator with no likelihood. For a parameter point we simulate `RUNS_PER_POINT` paired
worlds with the same seeds (common random numbers, so the likelihood surface is a fixed
function of the parameters and the chain reproducible), and read the summaries of
`record_targets`. The synthetic likelihood (Wood, Nature 2010) takes each summary as normal
on the log scale with the simulated mean and a variance made of three parts: the spread
between the simulated worlds, the fixed measurement error of the observation (F18, F3), and
for homicides and group counts a fitted model discrepancy (sigma_homicides, sigma_groups) that
absorbs what the model cannot reproduce instead of letting one block dominate. Summaries are
taken as independent (a diagonal covariance; 12 worlds cannot estimate a 25 x 25 one).

Priors: uniform on each parameter's plausible range in the catalogue; the two discrepancies
log-uniform on `SIGMA_BOUNDS`. The sampler is emcee's affine-invariant ensemble, started at
the best of `2 x walkers` prior draws; randomness comes only from SeedSequence streams of
the seed.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import emcee
import numpy as np
import pandas as pd

from cartelsim.calibration.record_summaries import (
    Removal,
    Summaries,
    applied_removals,
    summarise,
)
from cartelsim.calibration.record_targets import RecordTargets, record_targets
from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import CATALOGUE
from cartelsim.record.events import load_events
from cartelsim.record.replay import build_replay, run_replay

# Parameters the record can move: leadership, splits and new groups' entry (what the
# brief's verdicts and the group counts rest on), the L1 rates and the 2007 stock, and the
# observation model.
FITTED = (
    "split_hazard", "split_exponent", "split_fraction", "split_min_members", "entry_rate",
    "entrant_rivalry", "splinter_rivalry", "integrity_recovery", "conflict_sensitivity", "succession_clarity",
    "recruitment_rate", "conflict_lethality", "incapacitation", "members_2007",
    "victim_member_share", "baseline_homicides",
)
NUISANCE = ("sigma_homicides", "sigma_groups")
# Log-scale model discrepancy: 0.01 (1 %) to 5 (a factor e^5 = 150: room for a model that
# misses a series by an order of magnitude, as the uncalibrated group counts do).
SIGMA_BOUNDS = (0.01, 5.0)
# Paired worlds per parameter point: enough for a mean and a variance per summary at
# about 0.2 s a point on the world engine (BENCHMARKS.md).
RUNS_PER_POINT = 12
FRAGMENTATION = "open"  # the world engine: splinters split again (group counts can grow)
ENGINE = "stochastic"
MAX_DRAWS = 1000  # rows written to the posterior file
# Named sub-streams of the seed (apart from the engines' own streams).
_STREAM_START, _STREAM_MOVES, _STREAM_WORLDS = 3000, 3001, 3002

Progress = Callable[[int, int], None]


def _generator(seed: int, key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))


def world_seed(seed: int) -> int:
    """The replay seed every parameter point uses (common random numbers)."""
    return int(np.random.SeedSequence(seed, spawn_key=(_STREAM_WORLDS,)).generate_state(1)[0])


class ReplaySimulator:
    """Parameters -> summaries of `RUNS_PER_POINT` replays with fixed seeds."""

    def __init__(self, targets: RecordTargets, seed: int, runs: int = RUNS_PER_POINT) -> None:
        self.targets = targets
        self.seed = world_seed(seed)
        self.runs = runs
        self.events = load_events()
        self.calls = 0
        self._removals: list[Removal] | None = None

    def __call__(self, values: dict[str, float]) -> Summaries:
        setup = build_replay(self.events, runs=self.runs, seed=self.seed, engine=ENGINE,
                             fragmentation=FRAGMENTATION, parameters=values)
        ds = run_replay(setup)
        self.calls += 1
        if self._removals is None:
            self._removals = applied_removals(setup, [str(g) for g in ds["group"].values])
        return summarise(ds, self._removals, self.targets)


def _normal_loglik(observed: np.ndarray, simulated: np.ndarray, extra_sd: float) -> float:
    """Sum of log N(observed; mean, var + extra_sd^2) with mean, var over runs (axis 0)."""
    mean = simulated.mean(axis=0)
    variance = simulated.var(axis=0, ddof=1) + extra_sd ** 2
    return float(np.sum(-0.5 * (observed - mean) ** 2 / variance
                        - 0.5 * np.log(2 * np.pi * variance)))


def synthetic_loglik(summaries: Summaries, targets: RecordTargets, sigma_homicides: float,
                     sigma_groups: float) -> float:
    """Gaussian synthetic log-likelihood of the observed summaries (-inf if undefined)."""
    total = _normal_loglik(targets.log_homicides, summaries.log_homicides, sigma_homicides)
    if targets.log_groups.size:
        total += _normal_loglik(targets.log_groups, summaries.log_groups, sigma_groups)
    if targets.log_members is not None:
        total += _normal_loglik(np.array([targets.log_members]),
                                summaries.log_members[:, None], targets.members_sd)
    kingpin = summaries.log_kingpin[np.isfinite(summaries.log_kingpin)]
    if kingpin.size < 2:
        return -math.inf
    total += _normal_loglik(np.array([targets.log_kingpin]), kingpin[:, None],
                            targets.kingpin_sd)
    return total if math.isfinite(total) else -math.inf


@dataclass(frozen=True)
class Space:
    """The sampler's coordinates: [0, 1] over each catalogue range, then log sigma of each
    model discrepancy in `nuisance`."""

    names: tuple[str, ...]
    nuisance: tuple[str, ...] = NUISANCE

    @property
    def low(self) -> np.ndarray:
        return np.array([CATALOGUE[n].low for n in self.names])

    @property
    def high(self) -> np.ndarray:
        return np.array([CATALOGUE[n].high for n in self.names])

    @property
    def dim(self) -> int:
        return len(self.names) + len(self.nuisance)

    def inside(self, point: np.ndarray) -> bool:
        unit, log_sigma = point[:len(self.names)], point[len(self.names):]
        return bool(np.all((unit > 0) & (unit < 1))
                    and np.all((log_sigma > math.log(SIGMA_BOUNDS[0]))
                               & (log_sigma < math.log(SIGMA_BOUNDS[1]))))

    def values(self, points: np.ndarray) -> np.ndarray:
        """Points [n, dim] -> parameter values [n, len(names)] and sigmas, joined."""
        points = np.atleast_2d(points)
        k = len(self.names)
        return np.hstack([self.low + points[:, :k] * (self.high - self.low),
                          np.exp(points[:, k:])])

    def prior_draws(self, n: int, rng: np.random.Generator) -> np.ndarray:
        unit = rng.uniform(size=(n, len(self.names)))
        log_sigma = rng.uniform(math.log(SIGMA_BOUNDS[0]), math.log(SIGMA_BOUNDS[1]),
                                size=(n, len(self.nuisance)))
        return np.hstack([unit, log_sigma])


@dataclass(frozen=True)
class RecordFit:
    """The chain of a calibration to the record and what it was run with."""

    space: Space
    targets: RecordTargets
    chain: np.ndarray  # [step, walker, dim] in sampler coordinates
    log_prob: np.ndarray  # [step, walker]
    burn: int
    acceptance: np.ndarray  # [walker]
    evaluations: int  # parameter points simulated
    budget: int  # parameter points asked for
    runs_per_point: int
    seed: int
    walkers: int

    def draws(self, limit: int = MAX_DRAWS) -> pd.DataFrame:
        """Post-burn-in draws in parameter units (sigmas included), thinned evenly."""
        kept = self.chain[self.burn:].reshape(-1, self.space.dim)
        if kept.shape[0] > limit:
            kept = kept[np.linspace(0, kept.shape[0] - 1, limit).round().astype(int)]
        return pd.DataFrame(self.space.values(kept),
                            columns=[*self.space.names, *self.space.nuisance])

    def autocorrelation(self) -> np.ndarray:
        """Integrated autocorrelation time per coordinate (steps; emcee, tol=0)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(emcee.autocorr.integrated_time(self.chain[self.burn:], tol=0,
                                                             quiet=True), dtype=float)


def plan_budget(budget: int, dim: int) -> tuple[int, int]:
    """(walkers, steps) for `budget` parameter points: 2 x dim walkers (even), 2 x walkers
    prior draws to start from, the rest as steps.

    Raises:
        CartelsimError: a budget too small for at least 4 steps.
    """
    walkers = 2 * dim + (2 * dim) % 2
    steps = (budget - 2 * walkers) // walkers
    if steps < 4:
        raise CartelsimError(f"--budget must allow at least 4 steps of {walkers} walkers after "
                             f"{2 * walkers} starting draws: at least {6 * walkers} parameter "
                             f"points, got {budget}")
    return walkers, steps


def fit_record(*, budget: int, seed: int = 0, until: int = 2024,
               names: tuple[str, ...] = FITTED, runs_per_point: int = RUNS_PER_POINT,
               progress: Progress | None = None) -> RecordFit:
    """Sample the posterior of `names` given the record up to `until`.

    `budget` counts parameter points (each simulates `runs_per_point` replays).
    Same seed, same chain.
    """
    for name in names:
        if name not in CATALOGUE:
            raise CartelsimError(f"{name!r} is not a catalogue parameter")
    targets = record_targets(until)
    space = Space(tuple(names))
    simulate = ReplaySimulator(targets, seed, runs_per_point)
    k = len(names)

    def log_likelihood(values: np.ndarray) -> float:
        try:
            summaries = simulate(dict(zip(names, map(float, values[:k]), strict=True)))
        except CartelsimError:
            return -math.inf
        return synthetic_loglik(summaries, targets, float(values[k]), float(values[k + 1]))

    run = sample_ensemble(space, log_likelihood, budget=budget, seed=seed, progress=progress)
    return RecordFit(space=space, targets=targets, chain=run.chain, log_prob=run.log_prob,
                     burn=run.burn, acceptance=run.acceptance, evaluations=run.evaluations,
                     budget=budget, runs_per_point=runs_per_point, seed=seed,
                     walkers=run.walkers)


@dataclass(frozen=True)
class EnsembleRun:
    """What `sample_ensemble` returns: the chain in sampler coordinates and its bookkeeping."""

    chain: np.ndarray  # [step, walker, dim]
    log_prob: np.ndarray  # [step, walker]
    burn: int
    acceptance: np.ndarray  # [walker]
    evaluations: int  # parameter points simulated (inside the prior)
    walkers: int


def sample_ensemble(space: Space, log_likelihood: Callable[[np.ndarray], float], *,
                    budget: int, seed: int, progress: Progress | None = None) -> EnsembleRun:
    """emcee's affine-invariant ensemble on `space` (uniform priors on the catalogue ranges,
    log-uniform discrepancies), started at the best of 2 x walkers prior draws; the first
    half of the steps is burn-in. `log_likelihood` takes the values of one point (parameters,
    then sigmas) and returns a log-likelihood (-inf where undefined). Same seed, same chain.

    Raises:
        CartelsimError: a budget too small for 4 steps, or fewer finite starting points than
            walkers.
    """
    walkers, steps = plan_budget(budget, space.dim)
    done = 0
    total = 2 * walkers + walkers * steps

    def log_probability(point: np.ndarray) -> float:
        nonlocal done
        if not space.inside(point):
            return -math.inf
        done += 1
        result = log_likelihood(space.values(point)[0])
        if progress is not None:
            progress(min(done, total), total)
        return result

    start = space.prior_draws(2 * walkers, _generator(seed, _STREAM_START))
    start_lp = np.array([log_probability(p) for p in start])
    order = np.argsort(-start_lp, kind="stable")[:walkers]
    if not np.all(np.isfinite(start_lp[order])):
        raise CartelsimError("fewer starting points with a finite likelihood than walkers; "
                             "raise --budget")
    sampler = emcee.EnsembleSampler(walkers, space.dim, log_probability)
    sampler._random = np.random.RandomState(np.random.MT19937(np.random.SeedSequence(
        seed, spawn_key=(_STREAM_MOVES,))))  # emcee draws its moves from this only
    sampler.run_mcmc(emcee.State(start[order], log_prob=start_lp[order]), steps)
    return EnsembleRun(chain=sampler.get_chain(), log_prob=sampler.get_log_prob(),
                       burn=steps // 2, acceptance=np.asarray(sampler.acceptance_fraction),
                       evaluations=done, walkers=walkers)
