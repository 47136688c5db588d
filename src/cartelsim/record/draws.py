"""Replays that carry parameter uncertainty: runs shared among posterior draws.

A replay is one scenario with one set of parameters. To carry the uncertainty of a
calibrated posterior, the runs are shared among `draws` parameter sets drawn from it, each
simulated as a replay of its own with a seed derived from the root seed and the draw's
number; the parts are then joined along `run`. With no draws, every run uses the
posterior's median (the single calibrated world).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from cartelsim.calibration.posterior import Posterior
from cartelsim.errors import CartelsimError


@dataclass(frozen=True)
class ParameterWorld:
    """Runs that share one set of parameter values."""

    runs: int
    seed: int
    parameters: dict[str, float] = field(default_factory=dict)


def draw_seed(seed: int, draw: int) -> int:
    """The replay seed of posterior draw `draw` (reproducible from the root seed)."""
    return int(np.random.SeedSequence([seed, draw]).generate_state(1)[0])


def parameter_worlds(runs: int, seed: int, parameters: Mapping[str, float] | None,
                     posterior: Posterior | None, draws: int = 0) -> list[ParameterWorld]:
    """The parameter sets of a replay and the runs of each.

    `parameters` (explicit overrides) win over the posterior's values.

    Raises:
        CartelsimError: draws without a posterior, negative draws, or more draws than runs.
    """
    explicit = dict(parameters or {})
    if draws < 0:
        raise CartelsimError(f"--posterior-draws must be 0 or more, got {draws}")
    if posterior is None:
        if draws:
            raise CartelsimError("--posterior-draws needs a posterior (drop --no-posterior)")
        return [ParameterWorld(runs, seed, explicit)]
    if draws == 0:
        return [ParameterWorld(runs, seed, {**posterior.median(), **explicit})]
    if draws > runs:
        raise CartelsimError(f"--posterior-draws ({draws}) must not exceed --runs ({runs}): "
                             "each draw needs at least one run")
    sample = posterior.sample(draws, seed)
    shares = np.full(draws, runs // draws)
    shares[: runs % draws] += 1
    return [ParameterWorld(int(shares[k]), draw_seed(seed, k),
                           {**{n: float(v) for n, v in row.items()}, **explicit})
            for k, (_, row) in enumerate(sample.iterrows())]


def join_runs(parts: Sequence[xr.Dataset]) -> xr.Dataset:
    """Replays of several draws as one dataset, runs numbered 0..N-1 in draw order.

    Group slots differ between parts (each makes its own splinters); slots a part lacks are
    filled with NaN, as groups that never existed in those runs.
    """
    if len(parts) == 1:
        return parts[0]
    joined = xr.concat(parts, dim="run", join="outer", coords="minimal", compat="override",
                       combine_attrs="override", data_vars="all")
    joined = joined.assign_coords(run=np.arange(joined.sizes["run"]))
    joined.attrs["posterior_draws"] = len(parts)
    joined.attrs["draw_seeds"] = ",".join(str(p.attrs.get("seed", "")) for p in parts)
    return joined
