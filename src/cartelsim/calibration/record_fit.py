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
log-uniform on `SIGMA_BOUNDS`. The sampler is emcee's affine-invariant ensemble, in three
stages (`sample_ensemble`): the best of `2 x walkers` prior draws; from it a bounded
Nelder-Mead search (scipy) for the posterior mode on a share of the budget (`MODE_SHARE`);
the walkers started in a small ball around that mode (emcee's documented practice), half of
their steps burn-in. Started from the prior draws alone, the walkers spent a short budget
coming down from the prior: at --budget 3000 the chain's median sat where the homicides
were 1.3-2.8 times the record, in a region a 1,500-point search leaves behind (BENCHMARKS.md,
VALIDATION.md). Randomness comes only from SeedSequence streams of the seed.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import emcee
import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit

from cartelsim.calibration.record_summaries import (
    Removal,
    Summaries,
    applied_removals,
    summarise,
)
from cartelsim.calibration.record_targets import RecordTargets, record_targets
from cartelsim.calibration.streams import stream_generator
from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import CATALOGUE
from cartelsim.record.events import load_events
from cartelsim.record.replay import build_replay, run_replay

# Parameters the record can move: leadership, splits and new groups' entry (what the
# brief's verdicts and the group counts rest on), the L1 rates and the 2007 stock, and the
# observation model.
FITTED = (
    "split_hazard", "split_exponent", "split_fraction", "split_min_members", "entry_rate",
    "entrant_rivalry", "splinter_rivalry", "integrity_recovery", "conflict_sensitivity",
    "succession_clarity",
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
# Share of the budget (after the prior draws) for the search of the mode the walkers start
# around: enough for a bounded Nelder-Mead in 18 dimensions to settle at --budget 3000 or
# more (about 1,000 points at 3000; it levelled off after about 1,100 in a trial run).
MODE_SHARE = 0.35
# Spread of the walkers' starting ball around the mode, in sampler coordinates: the
# parameters' [0, 1] ranges and the log discrepancies.
BALL_UNIT, BALL_LOG_SIGMA = 0.01, 0.05
# Where the walkers move: "unit" (the [0, 1] ranges and log discrepancies; the fits shipped
# before session 6) or "logit" (each coordinate's place in its bounds through logit, so no
# proposal falls outside the prior; a diagnostic on the record fit doubled acceptance,
# docs/calibration.md; the CLI's default and the shipped fits since).
COORDINATES = ("unit", "logit")
# Named sub-streams of the seed (apart from the engines' own streams).
_STREAM_START, _STREAM_MOVES, _STREAM_WORLDS, _STREAM_BALL = 3000, 3001, 3002, 3003

Progress = Callable[[int, int], None]


def world_seed(seed: int) -> int:
    """The replay seed every parameter point uses (common random numbers)."""
    return int(np.random.SeedSequence(seed, spawn_key=(_STREAM_WORLDS,)).generate_state(1)[0])


class ReplaySimulator:
    """Parameters -> summaries of `RUNS_PER_POINT` replays with fixed seeds."""

    # what a replay keeps: members and deaths per lineage are all the summaries read
    # (benchmarks/calibration_point.py compares "groups", every group's series)
    record = "lineages"

    def __init__(self, targets: RecordTargets, seed: int, runs: int = RUNS_PER_POINT) -> None:
        self.targets = targets
        self.seed = world_seed(seed)
        self.runs = runs
        self.events = load_events()
        self.calls = 0
        self._removals: list[Removal] | None = None

    def __call__(self, values: dict[str, float]) -> Summaries:
        setup = build_replay(self.events, runs=self.runs, seed=self.seed, engine=ENGINE,
                             fragmentation=FRAGMENTATION, parameters=values,
                             record=self.record)
        ds = run_replay(setup)
        self.calls += 1
        if self._removals is None:
            names = ds["lineage"] if "lineage" in ds.coords else ds["group"]
            self._removals = applied_removals(setup, [str(g) for g in names.values])
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

    @property
    def bounds(self) -> list[tuple[float, float]]:
        """The sampler's box: [0, 1] per parameter, log SIGMA_BOUNDS per discrepancy."""
        return ([(0.0, 1.0)] * len(self.names)
                + [(math.log(SIGMA_BOUNDS[0]), math.log(SIGMA_BOUNDS[1]))] * len(self.nuisance))

    def ball(self, centre: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        """n points in a small Gaussian ball around `centre`, folded back inside the box."""
        k = len(self.names)
        scale = np.r_[np.full(k, BALL_UNIT), np.full(len(self.nuisance), BALL_LOG_SIGMA)]
        points = centre + rng.normal(size=(n, self.dim)) * scale
        low, high = np.array(self.bounds).T
        points = np.where(points < low, 2 * low - points, points)
        points = np.where(points > high, 2 * high - points, points)
        return np.clip(points, low, high)

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
    mode: np.ndarray  # [dim] where the walkers started from (sampler coordinates)
    mode_log_prob: float
    coordinates: str = "unit"  # where the walkers moved (COORDINATES); the chain is in unit

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


@dataclass(frozen=True)
class BudgetPlan:
    """How `sample_ensemble` spends a budget of parameter points."""

    walkers: int  # 2 x dim, even
    starting_draws: int  # prior draws, 2 x walkers
    mode_search: int  # Nelder-Mead points, MODE_SHARE of what the draws leave
    steps: int  # emcee steps after the walkers' starting ball (walkers points each)


def plan_budget(budget: int, dim: int) -> BudgetPlan:
    """The walkers, prior draws, mode search and steps of `budget` parameter points.

    Raises:
        CartelsimError: a budget too small for at least 4 steps.
    """
    walkers = 2 * dim + (2 * dim) % 2
    draws = 2 * walkers

    def search_of(points: int) -> int:
        return int(MODE_SHARE * max(points - draws, 0))

    def steps_of(points: int) -> int:  # one step's worth of points goes to the ball
        return (points - draws - search_of(points)) // walkers - 1

    search = search_of(budget)
    steps = steps_of(budget)
    if steps < 4:
        least = next(b for b in range(budget, budget + 10 * (draws + walkers))
                     if steps_of(b) >= 4)
        raise CartelsimError(f"--budget must allow at least 4 steps of {walkers} walkers after "
                             f"{draws} starting draws and the mode search: at least {least} "
                             f"parameter points, got {budget}")
    return BudgetPlan(walkers=walkers, starting_draws=draws, mode_search=search, steps=steps)


def check_names(names: tuple[str, ...]) -> None:
    """Every fitted name is a catalogue parameter.

    Raises:
        CartelsimError: a name the catalogue does not know.
    """
    for name in names:
        if name not in CATALOGUE:
            raise CartelsimError(f"{name!r} is not a catalogue parameter")


def record_log_likelihood(targets: RecordTargets, names: tuple[str, ...], seed: int,
                          runs_per_point: int) -> Callable[[np.ndarray], float]:
    """The synthetic log-likelihood of one point's values (`names`, then the two sigmas),
    from `runs_per_point` replays with the seed's fixed worlds (-inf where undefined)."""
    simulate = ReplaySimulator(targets, seed, runs_per_point)
    k = len(names)

    def log_likelihood(values: np.ndarray) -> float:
        try:
            summaries = simulate(dict(zip(names, map(float, values[:k]), strict=True)))
        except CartelsimError:
            return -math.inf
        return synthetic_loglik(summaries, targets, float(values[k]), float(values[k + 1]))

    return log_likelihood


def fit_record(*, budget: int, seed: int = 0, until: int = 2024,
               names: tuple[str, ...] = FITTED, runs_per_point: int = RUNS_PER_POINT,
               progress: Progress | None = None, coordinates: str = "unit") -> RecordFit:
    """Sample the posterior of `names` given the record up to `until` with emcee.

    `budget` counts parameter points (each simulates `runs_per_point` replays).
    Same seed, same chain.
    """
    check_names(names)
    targets = record_targets(until)
    space = Space(tuple(names))
    log_likelihood = record_log_likelihood(targets, tuple(names), seed, runs_per_point)
    run = sample_ensemble(space, log_likelihood, budget=budget, seed=seed, progress=progress,
                          coordinates=coordinates)
    return RecordFit(space=space, targets=targets, chain=run.chain, log_prob=run.log_prob,
                     burn=run.burn, acceptance=run.acceptance, evaluations=run.evaluations,
                     budget=budget, runs_per_point=runs_per_point, seed=seed,
                     walkers=run.walkers, mode=run.mode, mode_log_prob=run.mode_log_prob,
                     coordinates=coordinates)


@dataclass(frozen=True)
class EnsembleRun:
    """What `sample_ensemble` returns: the chain in sampler coordinates and its bookkeeping."""

    chain: np.ndarray  # [step, walker, dim]
    log_prob: np.ndarray  # [step, walker]
    burn: int
    acceptance: np.ndarray  # [walker]
    evaluations: int  # parameter points simulated (inside the prior)
    walkers: int
    mode: np.ndarray  # [dim] the search's best point, in sampler coordinates
    mode_log_prob: float


def sample_ensemble(space: Space, log_likelihood: Callable[[np.ndarray], float], *,
                    budget: int, seed: int, progress: Progress | None = None,
                    coordinates: str = "unit") -> EnsembleRun:
    """emcee's affine-invariant ensemble on `space` (uniform priors on the catalogue ranges,
    log-uniform discrepancies), started in a small ball around the mode that a bounded
    Nelder-Mead search finds from the best of the prior draws (`plan_budget` shares the
    budget); the first half of the steps is burn-in. `log_likelihood` takes the values of
    one point (parameters, then sigmas) and returns a log-likelihood (-inf where undefined).
    With `coordinates="logit"` the walkers move in logit coordinates of the box (`_Logit`);
    the mode search, the starting ball and the chain returned stay in unit coordinates.
    Same seed, same chain.

    Raises:
        CartelsimError: a budget too small for 4 steps, no finite starting point, or
            unknown coordinates.
    """
    if coordinates not in COORDINATES:
        raise CartelsimError(f"coordinates must be one of {', '.join(COORDINATES)}, "
                             f"got {coordinates!r}")
    plan = plan_budget(budget, space.dim)
    walkers = plan.walkers
    done = 0
    total = plan.starting_draws + plan.mode_search + walkers * (plan.steps + 1)

    def log_probability(point: np.ndarray) -> float:
        nonlocal done
        if not space.inside(point):
            return -math.inf
        done += 1
        result = log_likelihood(space.values(point)[0])
        if progress is not None:
            progress(min(done, total), total)
        return result

    mode, mode_lp = find_mode(space, log_probability, seed=seed, draws=plan.starting_draws,
                              points=plan.mode_search)
    start = space.ball(mode, walkers, stream_generator(seed, _STREAM_BALL))
    start[0] = mode  # the mode itself is one walker: the ball holds at least one finite point
    start_lp = np.array([mode_lp if k == 0 else log_probability(p)
                         for k, p in enumerate(start)])
    lost = ~np.isfinite(start_lp)  # undefined points of the ball start at the mode
    start[lost], start_lp[lost] = mode, mode_lp
    moves = _Logit(space) if coordinates == "logit" else None
    sampler = emcee.EnsembleSampler(
        walkers, space.dim, log_probability if moves is None
        else lambda y: moves.log_probability(y, log_probability))
    sampler._random = np.random.RandomState(np.random.MT19937(np.random.SeedSequence(
        seed, spawn_key=(_STREAM_MOVES,))))  # emcee draws its moves from this only
    if moves is None:
        sampler.run_mcmc(emcee.State(start, log_prob=start_lp), plan.steps)
        chain, log_prob = sampler.get_chain(), sampler.get_log_prob()
    else:
        ys = moves.to_logit(start)
        moved = np.any(np.abs(moves.from_logit(ys) - start) > 1e-9, axis=1)  # off an edge
        start_lp[moved] = [log_probability(p) for p in moves.from_logit(ys[moved])]
        sampler.run_mcmc(emcee.State(ys, log_prob=start_lp + moves.log_jacobian(ys)),
                         plan.steps)
        ys = sampler.get_chain()
        chain = moves.from_logit(ys)
        log_prob = sampler.get_log_prob() - moves.log_jacobian(ys)  # back to the box's density
    return EnsembleRun(chain=chain, log_prob=log_prob,
                       burn=plan.steps // 2, acceptance=np.asarray(sampler.acceptance_fraction),
                       evaluations=done, walkers=walkers, mode=mode, mode_log_prob=mode_lp)


class _Logit:
    """Logit coordinates of `space`'s box: y = logit((x - low) / (high - low)) per
    coordinate. The uniform prior on the box becomes the density prod q (1 - q) in y (up to
    a constant), so every proposal is inside and the box's edges cost no rejections."""

    EDGE = 1e-9  # a unit-coordinate start this close to an edge is moved inside

    def __init__(self, space: Space) -> None:
        self.low, self.high = np.array(space.bounds).T

    def to_logit(self, points: np.ndarray) -> np.ndarray:
        q = np.clip((points - self.low) / (self.high - self.low), self.EDGE, 1 - self.EDGE)
        return np.log(q) - np.log1p(-q)

    def from_logit(self, ys: np.ndarray) -> np.ndarray:
        return self.low + expit(ys) * (self.high - self.low)

    def log_jacobian(self, ys: np.ndarray) -> np.ndarray:
        """log prod q (1 - q) over the last axis: the prior density in y (up to a constant)."""
        return np.sum(-np.logaddexp(0.0, ys) - np.logaddexp(0.0, -ys), axis=-1)

    def log_probability(self, y: np.ndarray,
                        unit_log_probability: Callable[[np.ndarray], float]) -> float:
        value = unit_log_probability(self.from_logit(y))
        return value + float(self.log_jacobian(y)) if math.isfinite(value) else -math.inf


def find_mode(space: Space, log_probability: Callable[[np.ndarray], float], *, seed: int,
              draws: int, points: int) -> tuple[np.ndarray, float]:
    """The best of `draws` prior draws, then a bounded Nelder-Mead search from it for
    `points` more evaluations (`_search_mode`). Same seed, same mode.

    Raises:
        CartelsimError: no prior draw with a finite likelihood.
    """
    starts = space.prior_draws(draws, stream_generator(seed, _STREAM_START))
    starts_lp = np.array([log_probability(p) for p in starts])
    best = int(np.argmax(starts_lp))
    if not np.isfinite(starts_lp[best]):
        raise CartelsimError("no starting point with a finite likelihood; raise the budget")
    return _search_mode(space, log_probability, starts[best], float(starts_lp[best]), points)


def _search_mode(space: Space, log_probability: Callable[[np.ndarray], float],
                 start: np.ndarray, start_lp: float, points: int) -> tuple[np.ndarray, float]:
    """The highest point a bounded, adaptive Nelder-Mead (scipy) finds in `points`
    evaluations from `start`; common random numbers make the surface a fixed function, so
    the search is deterministic. Returns `start` if nothing better turns up."""
    best = [start.copy(), start_lp]

    def cost(point: np.ndarray) -> float:
        value = log_probability(point)
        if value > best[1]:
            best[0], best[1] = point.copy(), value
        return -value if math.isfinite(value) else 1e300

    if points > 0:
        minimize(cost, start, method="Nelder-Mead", bounds=space.bounds,
                 options={"maxfev": points, "adaptive": True, "xatol": 1e-4, "fatol": 1e-3})
    return best[0], float(best[1])
