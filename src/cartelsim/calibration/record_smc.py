"""Tempered sequential Monte Carlo on the record's synthetic likelihood (smcpy).

Why a second sampler: the posterior of the replay is wide in the leadership and split
directions (most of their prior ranges) and narrow in the L1 rates. emcee's walkers,
started in a ball at the mode, spread into the wide directions slowly, and no chain within
the issue's two hours reached the 50 autocorrelation times emcee asks for (docs/calibration.md).
An SMC sampler starts its particles over a broad distribution and brings the likelihood in
by tempering, start^(1 - phi) x (prior x likelihood)^phi with phi from 0 to 1, each
increment chosen so the particles' effective sample size stays at `target_ess` of their
number; after each reweighting the particles are resampled and moved by `mcmc_steps`
random-walk Metropolis steps whose proposal is the particles' own covariance (smcpy's
AdaptiveSampler, NASA). The run ends when phi reaches 1, and its evidence estimate comes for
free. The start is the prior, or (by default in `fit_record_smc`) independent truncated
normals around the mode a search finds: from the prior, the particles missed the region of
highest likelihood (docs/calibration.md, "The second sampler"). Along a direction the
likelihood does not inform, particles started around the mode spread to the prior's width
only as far as the moves take them; `start="slices"` starts them uniform along such
directions, found by slicing the likelihood through the mode (docs/calibration.md,
"Slices, and where the particles start").

The sampler moves in the same coordinates as `record_fit.Space` (each parameter's [0, 1]
range, log sigma of each discrepancy), all with uniform priors; proposals outside the box
are rejected without a simulation. Same seed, same particles.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from smcpy import AdaptiveSampler, VectorMCMC, VectorMCMCKernel
from smcpy.paths import GeometricPath

from cartelsim.calibration.record_fit import (
    FITTED,
    RUNS_PER_POINT,
    Progress,
    Space,
    check_names,
    find_mode,
    record_log_likelihood,
)
from cartelsim.calibration.record_targets import RecordTargets, record_targets
from cartelsim.calibration.slices import SLICE_POINTS, slice_summary, slices_through
from cartelsim.calibration.streams import stream_generator
from cartelsim.errors import CartelsimError

# Defaults (docs/calibration.md, "The second sampler"): with 5 Metropolis steps a stage two
# sampler seeds on the same worlds disagreed on the split rule and incapacitation (the moves
# did not mix the wide directions); with 15 the particles of every stage were refreshed
# (98-100 %) and the fits agree on 15 of 16 parameters (not yet on incapacitation).
# 500 particles x 15 steps took about 2 h 7 min of CPU a fit (search included).
PARTICLES = 500
MCMC_STEPS = 15
TARGET_ESS = 0.5  # each stage keeps half the particles' effective sample size
# sd of the starting distribution around a point, as a share of each coordinate's range
# (assumption: wide enough to cover the widest posterior intervals of the emcee fits, which
# span 70-100 % of their ranges, within about two sd of the mode)
START_SCALE = 0.25
# Points of the mode search the particles start around by default: about what the shipped
# emcee fit's search used (5,574 of --budget 16000), where its Nelder-Mead had levelled off.
SEARCH_POINTS = 5000
STARTING_DRAWS = 72  # prior draws the search starts from the best of (as emcee's fit)
_STREAM_SMC = 3004  # named sub-stream of the seed (record_fit's are 3000-3003)
# How the particles start around the mode: "mode", truncated normals of sd START_SCALE in
# every coordinate; "slices", the same but uniform along each parameter whose likelihood
# slice through the mode is flat (`slices.FLAT`): there the posterior is about the prior,
# and particles started narrow may not spread to it within the moves (docs/calibration.md).
STARTS = ("mode", "slices")


@dataclass(frozen=True)
class SmcRun:
    """The particles at phi = 1 and the path that led there."""

    particles: np.ndarray  # [n, dim] in sampler coordinates, equally weighted
    log_likelihood: np.ndarray  # [n]
    phi: np.ndarray  # [stages + 1] tempering exponents, 0 first, 1 last
    mutation_ratio: np.ndarray  # [stages] share of particles a stage's moves changed
    log_evidence: float  # log marginal likelihood estimate
    evaluations: int  # parameter points simulated (inside the prior)

    @property
    def unique(self) -> int:
        """Distinct particles at the end (resampling duplicates, moves tell them apart)."""
        return len(np.unique(self.particles, axis=0))


def _uniform_priors(space: Space) -> list:
    """The box of `space` as smcpy's priors: uniform on each coordinate's bounds."""
    return [stats.uniform(low, high - low) for low, high in space.bounds]


def check_start(start: str, search_points: int) -> None:
    """One-line errors for a start that cannot be.

    Raises:
        CartelsimError: an unknown start, or slices without a mode search to slice through.
    """
    if start not in STARTS:
        raise CartelsimError(f"--start must be one of {', '.join(STARTS)}, got {start!r}")
    if start == "slices" and not search_points:
        raise CartelsimError("--start slices slices the likelihood through the mode: it "
                             "needs the mode search (--search-points above 0)")


def check_smc_options(dim: int, particles: int, mcmc_steps: int) -> None:
    """One-line errors for SMC options that cannot work, before any simulation.

    Raises:
        CartelsimError: fewer than 2 x dim particles or no Metropolis step.
    """
    if particles < 2 * dim:
        raise CartelsimError(f"--particles must be at least {2 * dim} (twice the {dim} "
                             f"coordinates, for the particles' covariance), got {particles}")
    if mcmc_steps < 1:
        raise CartelsimError(f"--mcmc-steps must be at least 1, got {mcmc_steps}")


class BoxNormal:
    """Independent normals truncated to a box, or uniform on it where `uniform` says so: a
    broad starting distribution around a point for the SMC (smcpy's proposal interface:
    logpdf of rows, rvs with a generator)."""

    def __init__(self, centre: np.ndarray, sd: np.ndarray, bounds: list[tuple[float, float]],
                 uniform: np.ndarray | None = None):
        low, high = np.array(bounds).T
        flat = np.zeros(len(centre), bool) if uniform is None else np.asarray(uniform, bool)
        self.dists = [stats.uniform(lo, hi - lo) if u else
                      stats.truncnorm((lo - c) / s, (hi - c) / s, loc=c, scale=s)
                      for c, s, lo, hi, u in zip(centre, sd, low, high, flat, strict=True)]

    def logpdf(self, inputs: np.ndarray) -> np.ndarray:
        inputs = np.atleast_2d(inputs)
        return sum(d.logpdf(inputs[:, k]) for k, d in enumerate(self.dists))

    def rvs(self, n: int, random_state: np.random.Generator) -> np.ndarray:
        return np.column_stack([d.rvs(n, random_state=random_state) for d in self.dists])


def sample_smc(space: Space, log_likelihood: Callable[[np.ndarray], float], *,
               particles: int = PARTICLES, mcmc_steps: int = MCMC_STEPS,
               target_ess: float = TARGET_ESS, seed: int = 0,
               start: np.ndarray | None = None, start_scale: float = START_SCALE,
               uniform: np.ndarray | None = None,
               progress: Progress | None = None) -> SmcRun:
    """Adaptive tempered SMC to the posterior on `space`, from the uniform prior or, with
    `start` (a point in sampler coordinates), from `BoxNormal` around it with sd
    `start_scale` of each coordinate's range, uniform along the coordinates `uniform` marks
    (the geometric path from that distribution to the posterior; the result is the
    posterior either way, the start only where particles begin). `log_likelihood` takes
    the values of one point (parameters, then sigmas) and returns a log-likelihood (-inf
    where undefined). Progress reports phi in thousandths.

    Raises:
        CartelsimError: options `check_smc_options` refuses, a target ESS outside (0, 1),
            or no particle with a finite likelihood.
    """
    check_smc_options(space.dim, particles, mcmc_steps)
    if not 0 < target_ess < 1:
        raise CartelsimError(f"the target ESS must be between 0 and 1, got {target_ess}")
    done = 0
    kernel: VectorMCMCKernel | None = None

    def batch(inputs: np.ndarray) -> np.ndarray:
        nonlocal done
        out = np.empty(len(inputs))
        for row, point in enumerate(inputs):
            out[row] = log_likelihood(space.values(point)[0])
            done += 1
        if progress is not None and kernel is not None:
            progress(int(1000 * (kernel.path.phi or 0.0)), 1000)
        return out

    class _SyntheticLogLike:  # smcpy's likelihood interface: (model, data, args), then rows
        def __init__(self, model: object, data: object, args: object) -> None:
            pass

        def __call__(self, inputs: np.ndarray) -> np.ndarray:
            return batch(inputs)

    names = [f"x{k}" for k in range(space.dim)]
    mcmc = VectorMCMC(lambda x: x, np.zeros(1), _uniform_priors(space),
                      log_like_func=_SyntheticLogLike)
    path = None
    if start is not None:
        width = np.array([high - low for low, high in space.bounds])
        path = GeometricPath(proposal=BoxNormal(start, start_scale * width, space.bounds,
                                                uniform))
    kernel = VectorMCMCKernel(mcmc, param_order=names, path=path,
                              rng=stream_generator(seed, _STREAM_SMC))
    sampler = AdaptiveSampler(kernel, show_progress_bar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # exp(-inf - -inf) of dead particles
        warnings.simplefilter("ignore", UserWarning)  # smcpy mends a singular covariance
        steps, log_evidence = sampler.sample(num_particles=particles,
                                             num_mcmc_samples=mcmc_steps,
                                             target_ess=target_ess)
    last = steps[-1]
    log_like = np.asarray(last.log_likes, dtype=float).ravel()
    if not np.any(np.isfinite(log_like)):
        raise CartelsimError("no particle has a finite likelihood; raise --particles")
    if progress is not None:
        progress(1000, 1000)
    return SmcRun(particles=np.asarray(last.params, dtype=float), log_likelihood=log_like,
                  phi=np.asarray(sampler.phi_sequence, dtype=float),
                  mutation_ratio=np.array([s.attrs["mutation_ratio"] for s in steps[1:]]),
                  log_evidence=float(np.asarray(log_evidence)[-1]), evaluations=done)


@dataclass(frozen=True)
class SmcFit:
    """A calibration to the record by SMC and what it was run with."""

    space: Space
    targets: RecordTargets
    run: SmcRun
    seed: int
    runs_per_point: int
    particles: int
    mcmc_steps: int
    target_ess: float
    search_points: int  # Nelder-Mead points of the mode search (0: started from the prior)
    searched: int  # points the starting draws, the search and the slices simulated
    mode: np.ndarray | None  # where the particles started around (sampler coordinates)
    mode_log_prob: float | None
    start: str = "mode"  # `STARTS`
    flat: tuple[str, ...] = ()  # with start "slices": the parameters started uniform

    @property
    def evaluations(self) -> int:
        """Parameter points simulated: the starting draws and search, then the SMC."""
        return self.searched + self.run.evaluations

    def draws(self) -> pd.DataFrame:
        """The particles in parameter units (sigmas included), equally weighted."""
        return pd.DataFrame(self.space.values(self.run.particles),
                            columns=[*self.space.names, *self.space.nuisance])


def fit_record_smc(*, seed: int = 0, until: int = 2024, names: tuple[str, ...] = FITTED,
                   runs_per_point: int = RUNS_PER_POINT, particles: int = PARTICLES,
                   mcmc_steps: int = MCMC_STEPS, target_ess: float = TARGET_ESS,
                   search_points: int = SEARCH_POINTS, start: str = "mode",
                   progress: Progress | None = None) -> SmcFit:
    """The posterior of `names` given the record up to `until`, by tempered SMC: with
    `search_points` > 0 the particles start around the mode a search finds (`find_mode`:
    the best of `STARTING_DRAWS` prior draws, then Nelder-Mead), else from the prior; with
    `start` "slices", uniform along the parameters whose slice through the mode is flat.
    Progress counts the search's (and slices') points, then phi in thousandths. Same seed,
    same particles.
    """
    check_names(names)
    check_start(start, search_points)
    targets = record_targets(until)
    space = Space(tuple(names))
    log_likelihood = record_log_likelihood(targets, tuple(names), seed, runs_per_point)
    slicing = len(names) * SLICE_POINTS if start == "slices" else 0
    searching = STARTING_DRAWS + search_points + slicing if search_points else 0
    total, searched = searching + 1000, 0
    mode, mode_lp = None, None
    if search_points:
        def log_probability(point: np.ndarray) -> float:
            nonlocal searched
            if not space.inside(point):
                return -math.inf
            searched += 1
            if progress is not None:
                progress(min(searched, searching), total)
            return log_likelihood(space.values(point)[0])

        mode, mode_lp = find_mode(space, log_probability, seed=seed, draws=STARTING_DRAWS,
                                  points=search_points)
    uniform, flat = None, ()
    if start == "slices" and mode is not None:
        values = space.values(mode)[0]
        k = len(names)

        def counted(point: np.ndarray) -> float:
            nonlocal searched
            searched += 1
            if progress is not None:
                progress(min(searched, searching), total)
            return log_likelihood(point)

        found = slice_summary(slices_through(counted, dict(zip(names, values[:k],
                                                              strict=True)), list(values[k:])))
        flat = tuple(found.loc[found["flat"], "parameter"])
        uniform = np.array([name in flat for name in names] + [False] * len(space.nuisance))
    run = sample_smc(space, log_likelihood, particles=particles, mcmc_steps=mcmc_steps,
                     target_ess=target_ess, seed=seed, start=mode, uniform=uniform,
                     progress=None if progress is None
                     else lambda done, _: progress(searching + done, total))
    return SmcFit(space=space, targets=targets, run=run, seed=seed,
                  runs_per_point=runs_per_point, particles=particles, mcmc_steps=mcmc_steps,
                  target_ess=target_ess, search_points=search_points, searched=searched,
                  mode=mode, mode_log_prob=mode_lp, start=start, flat=flat)


__all__ = ["MCMC_STEPS", "PARTICLES", "STARTS", "SmcFit", "SmcRun", "TARGET_ESS",
           "check_smc_options", "check_start", "fit_record_smc", "sample_smc"]
