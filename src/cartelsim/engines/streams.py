"""Named random streams derived from one seed (STYLE.md 5).

Run k of any scenario draws from the same streams, whatever executor or batch runs it, so a
policy and the status quo share their random worlds and the same seed gives the same result.
"""

from __future__ import annotations

import numpy as np

# Stable ids for each use of randomness; add new names at the end, never renumber.
STREAMS = {"initial_sizes": 0, "demography": 1, "parameters": 2, "interventions": 3, "events": 4}


def stream(seed: int, name: str, run: int, *key: int) -> np.random.Generator:
    """The generator for stream `name` of replicate `run` under `seed`.

    Extra integers in `key` derive independent sub-streams (e.g. one per week).
    """
    sequence = np.random.SeedSequence(entropy=seed, spawn_key=(STREAMS[name], run, *key))
    return np.random.Generator(np.random.PCG64(sequence))
