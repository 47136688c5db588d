"""Named random streams of a calibration's seed: each purpose (starting draws, moves,
worlds, ...) draws from its own sub-stream, so adding a draw to one leaves the others as
they were and the same seed gives the same fit."""

from __future__ import annotations

import numpy as np


def stream_generator(seed: int, key: int) -> np.random.Generator:
    """The generator of the seed's named sub-stream `key` (each module's _STREAM_ constants)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))
