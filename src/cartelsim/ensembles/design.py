"""What an ensemble runs: scenarios x parameter samples x replicates, cut into chunks.

Parameter samples come from the catalogue's plausible ranges by Latin hypercube or Sobol
(scipy.stats.qmc), drawn once from the ensemble seed, and are shared by every scenario;
replicate k of sample j uses the same random streams in every scenario (common random
numbers), so each policy is compared with the status quo on the same worlds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import CATALOGUE
from cartelsim.textmatch import closest

Method = Literal["lhs", "sobol"]


@dataclass(frozen=True)
class Chunk:
    """A slice of work: runs [first_run, first_run + runs) of one scenario and sample."""

    scenario: int
    sample: int
    first_run: int
    runs: int

    @property
    def key(self) -> str:
        return f"s{self.scenario:03d}_p{self.sample:05d}_r{self.first_run:07d}"


@dataclass(frozen=True)
class Design:
    """The ensemble's plan; its digest identifies it when an ensemble is resumed."""

    scenarios: tuple[str, ...]  # scenario files
    scenario_digests: tuple[str, ...]
    runs: int
    samples: int
    seed: int
    method: Method = "lhs"
    parameters: tuple[str, ...] = ()
    chunk_runs: int = 100
    values: tuple[tuple[float, ...], ...] = field(default=())  # [sample][parameter]

    def chunks(self) -> list[Chunk]:
        return [Chunk(s, p, lo, min(self.chunk_runs, self.runs - lo))
                for s in range(len(self.scenarios)) for p in range(self.samples)
                for lo in range(0, self.runs, self.chunk_runs)]

    def sample(self, index: int) -> dict[str, float]:
        """The parameter values of sample `index` (empty: the catalogue defaults)."""
        if not self.parameters:
            return {}
        return dict(zip(self.parameters, self.values[index], strict=True))

    def digest(self) -> str:
        """Identifies the ensemble by content: scenario file names (not folders) and digests,
        so an ensemble can be resumed from another working directory."""
        content = asdict(self) | {"scenarios": [Path(p).name for p in self.scenarios]}
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]


def validate_parameters(names: list[str]) -> tuple[str, ...]:
    """Known parameter names with a range to sample; clear errors otherwise."""
    for name in names:
        if name not in CATALOGUE:
            hint = closest(name, CATALOGUE)
            raise CartelsimError(f"unknown parameter {name!r} in the design"
                                 + (f"; did you mean {hint!r}?" if hint else ""))
        spec = CATALOGUE[name]
        if not spec.low < spec.high:
            raise CartelsimError(f"parameter {name!r} has an empty range [{spec.low:g}, "
                                 f"{spec.high:g}]: nothing to sample")
    if len(set(names)) != len(names):
        raise CartelsimError("a parameter is listed twice in the design")
    return tuple(names)


def draw_samples(names: tuple[str, ...], samples: int, seed: int,
                 method: Method) -> tuple[tuple[float, ...], ...]:
    """`samples` points over the plausible ranges of `names` (uniform on each range)."""
    if not names:
        return ()
    # imported here: scipy.stats takes about a second to import, and every ensemble worker
    # imports this module (through the runner) without ever drawing a design
    from scipy.stats import qmc

    rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(2, 0)))
    if method == "lhs":
        unit = qmc.LatinHypercube(d=len(names), seed=rng).random(samples)
    elif method == "sobol":
        unit = qmc.Sobol(d=len(names), scramble=True, seed=rng).random(samples)
    else:
        raise CartelsimError(f"method must be 'lhs' or 'sobol', got {method!r}")
    low = np.array([CATALOGUE[n].low for n in names])
    high = np.array([CATALOGUE[n].high for n in names])
    points = qmc.scale(unit, low, high)
    return tuple(tuple(float(v) for v in row) for row in points)
