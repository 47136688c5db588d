"""Keyed random numbers for the compiled world step.

Every draw of the world step comes from a small counter-based generator whose state is a
hash of (stream key, week, group, purpose). The stream key of a run is derived in Python
from the root seed with `numpy.random.SeedSequence` (stream name and run number in its
spawn key, as in `engines.streams`), so

* a run's draws do not depend on the batch it runs in, on chunking or on threads;
* the draws of group g in week w do not depend on what other groups did: the status quo
  and a policy share the demography of every group whose state is the same in both
  (common random numbers, group by group, not only run by run);
* a run paused to grow the group axis resumes with exactly the draws it would have made.

Why not Numba's own generator re-seeded each run-week: `np.random.seed` in compiled code
takes a 32-bit seed (10^5 runs x 520 weeks would repeat seeds by the birthday bound) and
re-seeds a Mersenne Twister of 624 words each time (measured in BENCHMARKS.md). The mixer
here is the SplitMix64 finaliser (Steele, Lea & Flood 2014), applied to a counter.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from cartelsim.engines.streams import STREAMS

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2^-53

# Purposes of draws within one (run, week, group): distinct sub-streams.
PURPOSE_DEMOGRAPHY = 1
PURPOSE_REMOVAL = 2
PURPOSE_SPLIT = 3
PURPOSE_SWEEP = 4
PURPOSE_PRESSURE = 5
PURPOSE_ENTRY = 6  # new groups entering (how many, and in which lineage)

# Below this mean a Poisson count is drawn by inversion from 0; above it by transformed
# rejection (`_ptrs`); binomial counts by inversion from 0 or from the mode. All are exact.
_FROM_ZERO_MAX_MEAN = 10.0
# 1 / k for the inversion's steps (a multiplication instead of a division in the loop's
# dependency chain); inversion from 0 below a mean of 10 never needs more than a few dozen
# steps, and past the table it divides.
_RECIPROCALS = np.array([0.0] + [1.0 / k for k in range(1, 128)])


def run_keys(seed: int, stream: str, first_run: int, runs: int) -> np.ndarray:
    """uint64 key of each run's stream [run], derived with SeedSequence (STYLE.md 5)."""
    keys = np.empty(runs, dtype=np.uint64)
    for r in range(runs):
        sequence = np.random.SeedSequence(entropy=seed,
                                          spawn_key=(STREAMS[stream], first_run + r))
        keys[r] = sequence.generate_state(1, dtype=np.uint64)[0]
    return keys


@njit(cache=True, inline="always")
def _mix(z):  # pragma: no cover - compiled
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def start(key, week, group, purpose, state):  # pragma: no cover - compiled
    """Set `state` (a 1-element uint64 array, reused: no allocation per draw) to the
    generator of one (run key, week, group, purpose) and return it."""
    return start_group(week_key(key, week, purpose), group, state)


@njit(cache=True, inline="always")
def week_key(key, week, purpose):  # pragma: no cover - compiled
    """The part of `start` that every group of one (run key, week, purpose) shares: a loop
    over the groups computes it once and calls `start_group` (two of `start`'s three
    mixes saved per group; the same generators)."""
    return _mix(key ^ _mix(np.uint64(week) * _GOLDEN + np.uint64(purpose)))


@njit(cache=True, inline="always")
def start_group(shared, group, state):  # pragma: no cover - compiled
    """`start` from the `week_key` of its (run key, week, purpose)."""
    state[0] = _mix(shared ^ (np.uint64(group + 1) * _M2))
    return state


@njit(cache=True, inline="always")
def uniform(state):  # pragma: no cover - compiled
    """A float in [0, 1) with 53 random bits; advances `state`."""
    state[0] += _GOLDEN
    return float(_mix(state[0]) >> _S11) * _TO_UNIT


@njit(cache=True)
def poisson(state, mean):  # pragma: no cover - compiled
    """A Poisson count with the given mean, by exact inversion of one uniform."""
    if mean <= 0.0:
        return 0
    u = uniform(state)
    if mean < _FROM_ZERO_MAX_MEAN:
        return _inversion(u, mean)
    return _ptrs(state, mean, u)


@njit(cache=True, inline="always")
def _inversion(u, mean):  # pragma: no cover - compiled
    """The Poisson count whose CDF first reaches u (exact inversion from 0, about `mean`
    steps); as `engines.stochastic_kernel.poisson_by_inversion` but multiplying by a table
    of 1 / k, so its last bits differ (the capped engines keep theirs)."""
    k = 0
    p = math.exp(-mean)
    cdf = p
    while u > cdf and p > 0.0:
        k += 1
        p *= mean * (_RECIPROCALS[k] if k < 128 else 1.0 / k)
        cdf += p
    return k


@njit(cache=True)
def _ptrs(state, mean, u):  # pragma: no cover - compiled
    """Poisson(mean >= 10) by transformed rejection with squeeze (Hörmann 1993, "The
    transformed rejection method for generating Poisson random variables", Insurance:
    Mathematics and Economics 12:39-45): about 2.3 uniforms a draw, the log-gamma only
    when the squeeze does not accept. `u` is the first uniform."""
    b = 0.931 + 2.53 * math.sqrt(mean)
    a = -0.059 + 0.02483 * b
    vr = 0.9277 - 3.6224 / (b - 2.0)
    log_invalpha = 0.0  # the constants of the full test, computed when first needed
    loglam = 0.0
    while True:
        uu = u - 0.5
        v = uniform(state)
        us = 0.5 - abs(uu)
        k = math.floor((2.0 * a / us + b) * uu + mean + 0.43)
        if us >= 0.07 and v <= vr:  # the squeeze: most draws end here
            return np.int64(k)
        if loglam == 0.0:
            log_invalpha = math.log(1.1239 + 1.1328 / (b - 3.4))
            loglam = math.log(mean)
        if k >= 0.0 and (us >= 0.013 or v <= us) and (
                math.log(v) + log_invalpha - math.log(a / (us * us) + b)
                <= -mean + k * loglam - math.lgamma(k + 1.0)):
            return np.int64(k)
        u = uniform(state)


@njit(cache=True)
def _from_mode(u, mode, p_mode, mean, n, ratio, is_poisson):  # pragma: no cover - compiled
    """Invert u over the outcomes enumerated mode, mode+1, mode-1, mode+2, ... (exact: any
    fixed order of outcomes gives the distribution; expected steps ~ the standard
    deviation). Binomial(n, p) with ratio = p / (1 - p), or Poisson(mean)."""
    cdf = p_mode
    if u <= cdf:
        return np.int64(mode)
    up = mode
    p_up = p_mode
    down = mode
    p_down = p_mode
    top = np.inf if is_poisson else n
    while True:
        moved = False
        if up < top:
            if is_poisson:
                p_up *= mean / (up + 1.0)
            else:
                p_up *= (n - up) / (up + 1.0) * ratio
            up += 1.0
            cdf += p_up
            moved = True
            if u <= cdf:
                return np.int64(up)
        if down > 0.0:
            if is_poisson:
                p_down *= down / mean
            else:
                p_down *= down / (n - down + 1.0) / ratio
            down -= 1.0
            cdf += p_down
            moved = True
            if u <= cdf:
                return np.int64(down)
        if not moved or (p_up < 1e-300 and p_down < 1e-300):
            return np.int64(mode)  # u beyond the rounded total mass (probability ~1e-16)


@njit(cache=True)
def binomial(state, n, p):  # pragma: no cover - compiled
    """A Binomial(n, p) count, by exact inversion of one uniform."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    flip = p > 0.5
    q = 1.0 - p if flip else p
    u = uniform(state)
    if n * q < _FROM_ZERO_MAX_MEAN:
        ratio = q / (1.0 - q)
        k = 0
        prob = math.exp(n * math.log1p(-q))
        cdf = prob
        while u > cdf and k < n and prob > 0.0:
            prob *= (n - k) / (k + 1.0) * ratio
            k += 1
            cdf += prob
        return n - k if flip else k
    nf = float(n)
    mode = math.floor((nf + 1.0) * q)
    if mode > nf:
        mode = nf
    log_p = (math.lgamma(nf + 1.0) - math.lgamma(mode + 1.0) - math.lgamma(nf - mode + 1.0)
             + mode * math.log(q) + (nf - mode) * math.log1p(-q))
    k = _from_mode(u, mode, math.exp(log_p), 0.0, nf, q / (1.0 - q), False)
    return n - k if flip else k
