"""One-at-a-time slices of the record's synthetic log-likelihood through a posterior's median.

Each fitted parameter is moved over its catalogue range while the others (and the two
model discrepancies) stay at the median, on the fit's own fixed worlds. A cheap check of
what a posterior's widths mean: along a flat slice the record says nothing near the median,
so the parameter's marginal there should be close to its prior (a uniform's 90 % interval
spans 0.9 of its range), and a narrower interval comes from where the sampler started, not
from the record. A slice is conditional: a parameter flat alone may still matter together
with another (the correlations of `identifiability`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from cartelsim.calibration.posterior import Posterior
from cartelsim.calibration.record_fit import NUISANCE, RUNS_PER_POINT, record_log_likelihood
from cartelsim.calibration.record_targets import record_targets
from cartelsim.params.catalogue import CATALOGUE

SLICE_POINTS = 21  # values per parameter, the range's ends included
# A slice whose log-likelihood moves by less than this over the whole range is flat: a
# likelihood ratio under e (about 2.7) between any two values of the parameter.
FLAT = 1.0
COLUMNS = ("parameter", "value", "share_of_range", "log_likelihood")
SLICES_KEY = "likelihood_slices"  # a posterior's metadata: `slice_summary` by parameter


def likelihood_slices(posterior: Posterior, *, until: int, seed: int = 0,
                      runs_per_point: int = RUNS_PER_POINT,
                      points: int = SLICE_POINTS) -> pd.DataFrame:
    """The slices through `posterior`'s median: one row per parameter and value (COLUMNS),
    the log-likelihood from `runs_per_point` replays with seed's worlds, as the fit's."""
    names = tuple(posterior.parameters)
    sigmas = [float(np.median(posterior.nuisance(name))) for name in NUISANCE]
    log_likelihood = record_log_likelihood(record_targets(until), names, seed, runs_per_point)
    return slices_through(log_likelihood, posterior.median(), sigmas, points)


def slices_through(log_likelihood: Callable[[np.ndarray], float],
                   centre: dict[str, float], sigmas: list[float],
                   points: int = SLICE_POINTS) -> pd.DataFrame:
    """The slices through the point `centre` (parameter values; `sigmas` for the
    discrepancies) of `log_likelihood`, which takes the parameters in `centre`'s order,
    then the sigmas (`record_fit.record_log_likelihood`)."""
    names = tuple(centre)
    rows = []
    for name in names:
        spec = CATALOGUE[name]
        for share in np.linspace(0.0, 1.0, points):
            values = {**centre, name: spec.low + share * (spec.high - spec.low)}
            point = np.array([values[n] for n in names] + list(sigmas))
            rows.append((name, values[name], share, log_likelihood(point)))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def slice_summary(slices: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: how far the log-likelihood moves over the range (``loglik_range``;
    inf where some value is undefined), where it is highest (``best_share`` of the range),
    and whether the slice is flat (``flat``: ``loglik_range`` below `FLAT`)."""
    out = []
    for name, rows in slices.groupby("parameter", sort=False):
        values = rows["log_likelihood"].to_numpy(float)
        finite = np.isfinite(values)
        spread = float(np.ptp(values)) if finite.all() else float("inf")
        best = rows["share_of_range"].to_numpy()[int(np.argmax(np.where(finite, values,
                                                                        -np.inf)))]
        out.append((name, spread, float(best), spread < FLAT))
    return pd.DataFrame(out, columns=["parameter", "loglik_range", "best_share", "flat"])


__all__ = ["COLUMNS", "FLAT", "SLICES_KEY", "SLICE_POINTS", "likelihood_slices", "slice_summary",
           "slices_through"]
