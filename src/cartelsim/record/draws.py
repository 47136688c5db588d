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

DISCREPANCY = "sigma_homicides"  # the fitted discrepancy of yearly homicides (record fit)
_STREAM_PREDICTIVE = 5001  # the predictive factors' own random stream


@dataclass(frozen=True)
class ParameterWorld:
    """Runs that share one set of parameter values, and the homicide discrepancy the fit
    estimated with them (``sigma_homicides``, log scale; 0 without a posterior)."""

    runs: int
    seed: int
    parameters: dict[str, float] = field(default_factory=dict)
    discrepancy: float = 0.0


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
    sigma = posterior.nuisance(DISCREPANCY)
    if draws == 0:
        return [ParameterWorld(runs, seed, {**posterior.median(), **explicit},
                               float(np.median(sigma)))]
    if draws > runs:
        raise CartelsimError(f"--posterior-draws ({draws}) must not exceed --runs ({runs}): "
                             "each draw needs at least one run")
    rows = posterior.sample_rows(draws, seed)
    shares = np.full(draws, runs // draws)
    shares[: runs % draws] += 1
    return [ParameterWorld(int(shares[k]), draw_seed(seed, k),
                           {**{n: float(v) for n, v in posterior.draws.iloc[row].items()},
                            **explicit}, float(sigma[row]))
            for k, row in enumerate(rows)]


def predictive_factors(worlds: Sequence[ParameterWorld], years: int, seed: int) -> np.ndarray:
    """Log-normal factors [run, year] that take each run's yearly homicides to the posterior
    predictive of what INEGI registers: exp(sigma z), sigma the discrepancy of the run's
    parameter world, z standard normal from a stream of its own (the same seed, the same
    factors; the replay's draws are untouched)."""
    sigma = np.repeat([w.discrepancy for w in worlds], [w.runs for w in worlds])
    rng = np.random.default_rng(np.random.SeedSequence([seed, _STREAM_PREDICTIVE]))
    return np.exp(sigma[:, None] * rng.standard_normal((sigma.size, years)))


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
