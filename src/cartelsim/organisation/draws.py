"""Member-level random draws keyed by a stable member id (counter-based hashing).

Every random decision about a member is a pure function of (run key, member key, week,
stream): a SplitMix64 finaliser chain turns the tuple into 64 random bits. No generator
state is shared between members, so removing one member (or adding a removal to a
scenario) leaves every other member's draws untouched: common random numbers at the level
of the individual, which keeps paired comparisons tight. The run key comes from
`numpy.random.SeedSequence(seed, spawn_key=(ORGANISATION, run))` (STYLE.md 5).
"""

from __future__ import annotations

import numpy as np
from numba import njit

ORGANISATION = 1000  # spawn-key prefix of the organisation engine, apart from engines.streams

# Stable ids of each use of randomness; add new names at the end, never renumber.
(ARREST, SWEEP, EXPOSE, ATTRITION, TARGET, FILL, REWIRE, LATERAL, SIBLING, ALLEGIANCE,
 SIDE, RECRUIT, RECRUIT_KEY, RECRUIT_TIE, REPLACE_KEY, STANDING, HANDOVER, ACCEPT, SOURCES,
 BETWEENNESS) = range(20)

MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_UNIT = 1.0 / (1 << 53)


def run_key(seed: int, run: int) -> int:
    """The 64-bit key of replicate `run` under `seed`, from a SeedSequence."""
    sequence = np.random.SeedSequence(entropy=seed, spawn_key=(ORGANISATION, run))
    return int(sequence.generate_state(1, dtype=np.uint64)[0])


def mix_py(x: int) -> int:
    """SplitMix64 finaliser (pure Python; the reference implementation uses it)."""
    x = (x + _GOLDEN) & MASK
    x = ((x ^ (x >> 30)) * _M1) & MASK
    x = ((x ^ (x >> 27)) * _M2) & MASK
    return x ^ (x >> 31)


def bits_py(root: int, key: int, week: int, stream: int) -> int:
    """64 random bits for (root, member key, week, stream), pure Python."""
    x = mix_py(root ^ key)
    x = mix_py(x ^ ((week * 0x100000001B3) & MASK))
    return mix_py(x ^ stream)


def uniform_py(root: int, key: int, week: int, stream: int) -> float:
    """A uniform draw in [0, 1), pure Python (bit-identical to `uniform`)."""
    return (bits_py(root, key, week, stream) >> 11) * _UNIT


@njit(cache=True, inline="always")
def mix(x: np.uint64) -> np.uint64:
    x = x + np.uint64(_GOLDEN)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(_M1)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(_M2)
    return x ^ (x >> np.uint64(31))


@njit(cache=True, inline="always")
def bits(root: np.uint64, key: np.uint64, week: int, stream: int) -> np.uint64:
    """64 random bits for (root, member key, week, stream)."""
    x = mix(root ^ key)
    x = mix(x ^ (np.uint64(week) * np.uint64(0x100000001B3)))
    return mix(x ^ np.uint64(stream))


@njit(cache=True, inline="always")
def uniform(root: np.uint64, key: np.uint64, week: int, stream: int) -> float:
    """A uniform draw in [0, 1) for (root, member key, week, stream)."""
    return float(bits(root, key, week, stream) >> np.uint64(11)) * _UNIT


@njit(cache=True)
def uniforms(root: np.uint64, keys: np.ndarray, week: int, stream: int) -> np.ndarray:
    """Draws for many members at once (for tests and the structure generator)."""
    out = np.empty(keys.size)
    for i in range(keys.size):
        out[i] = uniform(root, keys[i], week, stream)
    return out
