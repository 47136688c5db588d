"""Initial members per group: the published Zipf allocation, exact or Poisson-drawn.

The published model gives the group of strength rank k (1 = strongest by rivalry plus
alliance strength) an expected (1/k) / sum_j (1/j) share of the initial members
(Prieto-Curiel, Campedelli & Hope 2023). The authors drew Poisson counts around it; we use
the expectation by default so a run is reproducible without a seed.
"""

from __future__ import annotations

import numpy as np

from cartelsim.system.model import System


def zipf_shares(system: System) -> np.ndarray:
    """Share of initial members for each group (shape [group], sums to 1).

    Splinter slots (see `mechanisms.splinters`) start empty and take no rank.
    """
    real = ~system.is_slot
    if real.all():
        weights = 1.0 / (system.strength_rank() + 1.0)
        return weights / weights.sum()
    index = np.flatnonzero(real)  # strengths among real groups only (slots copy rivalries)
    total = (np.asarray(system.rivalry[index][:, index].sum(axis=1)).ravel()
             + np.asarray(system.alliance[index][:, index].sum(axis=1)).ravel())
    order = np.argsort(-total, kind="stable")
    rank = np.empty(order.size)
    rank[order] = np.arange(order.size)
    shares = np.zeros(system.n_groups)
    shares[real] = 1.0 / (rank + 1.0)
    return shares / shares.sum()


def zipf_sizes(system: System, total: float) -> np.ndarray:
    """Expected initial members per group: `total` spread by the Zipf law (float)."""
    return total * zipf_shares(system)


def poisson_sizes(system: System, total: float, rng: np.random.Generator, runs: int) -> np.ndarray:
    """Integer initial members [run, group] drawn Poisson around the Zipf expectation."""
    return rng.poisson(zipf_sizes(system, total), size=(runs, system.n_groups)).astype(float)
