"""Scoring forecasts of yearly homicides: CRPS and interval coverage, and naive baselines.

Functions take observed values and forecasts (samples or a closed-form distribution) and
return numbers; they never run the model (STYLE.md 8). The CRPS comes from `scoringrules`
(Zanetti et al.): for samples its ensemble estimator, for the baselines the closed forms of
the log-normal and Student-t distributions.

Baselines, both with honest predictive spreads from the same training years:

* **persistence**: next years = the last observed year; log-normal, a random walk on the
  log scale whose step spread is the standard deviation of the training years' yearly log
  changes, growing with the square root of the horizon;
* **linear trend**: ordinary least squares of the count on the year over the last
  `TREND_YEARS` training years; Student-t predictive with n - 2 degrees of freedom and the
  standard OLS prediction error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scoringrules as sr
from scipy import stats

from cartelsim.errors import CartelsimError

# The last ten training years: long enough for a trend and its error, short enough to
# follow the level a forecaster would extrapolate (a naive choice, stated).
TREND_YEARS = 10
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
MASSES = (0.5, 0.9)


@dataclass(frozen=True)
class Forecast:
    """A forecast for some years: quantiles, CRPS against the observed, and coverage."""

    name: str
    years: np.ndarray  # int
    quantiles: np.ndarray  # [year, len(QUANTILES)]
    crps: np.ndarray  # [year]

    def table(self, observed: np.ndarray) -> pd.DataFrame:
        """One row per year: forecaster, year, observed, p05..p95, crps, in_50, in_90."""
        frame = pd.DataFrame({"forecaster": self.name, "year": self.years,
                              "observed": observed})
        for q, column in zip(QUANTILES, self.quantiles.T, strict=True):
            frame[f"p{round(100 * q):02d}"] = column
        frame["crps"] = self.crps
        frame["in_50"] = (frame["p25"] <= observed) & (observed <= frame["p75"])
        frame["in_90"] = (frame["p05"] <= observed) & (observed <= frame["p95"])
        return frame


def crps_samples(observed: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """CRPS of sample forecasts: observed [year], samples [year, member] -> [year]."""
    return np.asarray(sr.crps_ensemble(np.asarray(observed, float),
                                       np.asarray(samples, float), m_axis=-1), dtype=float)


def interval_covers(observed: np.ndarray, samples: np.ndarray, mass: float) -> np.ndarray:
    """Whether each observed value lies in the central `mass` interval of its samples."""
    tail = (1.0 - mass) / 2.0
    low, high = np.quantile(samples, [tail, 1.0 - tail], axis=-1)
    return (low <= observed) & (observed <= high)


def sample_forecast(name: str, years: np.ndarray, samples: np.ndarray,
                    observed: np.ndarray) -> Forecast:
    """A forecast given by samples [year, member]."""
    quantiles = np.quantile(samples, QUANTILES, axis=-1).T
    return Forecast(name, years, quantiles, crps_samples(observed, samples))


def _training(train: pd.Series) -> pd.Series:
    train = train.dropna().sort_index()
    if len(train) < 3 or (train <= 0).any():
        raise CartelsimError("a baseline needs at least three positive training years")
    return train


def persistence_forecast(train: pd.Series, years: np.ndarray,
                         observed: np.ndarray) -> Forecast:
    """Last training value, log-normal random-walk spread (see the module docstring)."""
    train = _training(train)
    steps = np.diff(np.log(train.to_numpy(float)))
    sd = float(np.std(steps, ddof=1))
    horizon = years - int(train.index.max())
    mulog = np.full(years.size, np.log(float(train.iloc[-1])))
    sigmalog = sd * np.sqrt(horizon)
    quantiles = np.exp(mulog[:, None] + sigmalog[:, None] * stats.norm.ppf(QUANTILES)[None, :])
    crps = np.asarray(sr.crps_lognormal(observed, mulog, sigmalog), dtype=float)
    return Forecast("persistence", years, quantiles, crps)


def trend_forecast(train: pd.Series, years: np.ndarray, observed: np.ndarray,
                   window: int = TREND_YEARS) -> Forecast:
    """OLS line through the last `window` training years, Student-t predictive."""
    train = _training(train).iloc[-window:]
    x = train.index.to_numpy(float)
    y = train.to_numpy(float)
    n = x.size
    fit = stats.linregress(x, y)
    residual = y - (fit.intercept + fit.slope * x)
    s2 = float(residual @ residual) / (n - 2)
    sxx = float(((x - x.mean()) ** 2).sum())
    centre = fit.intercept + fit.slope * years
    scale = np.sqrt(s2 * (1 + 1 / n + (years - x.mean()) ** 2 / sxx))
    df = n - 2
    quantiles = centre[:, None] + scale[:, None] * stats.t.ppf(QUANTILES, df)[None, :]
    crps = np.asarray(sr.crps_t(observed, df, centre, scale), dtype=float)
    return Forecast("linear trend", years, quantiles, crps)


def summary(tables: pd.DataFrame) -> pd.DataFrame:
    """Per forecaster: mean CRPS, share of years in the 50 % and 90 % intervals."""
    grouped = tables.groupby("forecaster", sort=False)
    return pd.DataFrame({"mean_crps": grouped["crps"].mean(),
                         "coverage_50": grouped["in_50"].mean(),
                         "coverage_90": grouped["in_90"].mean(),
                         "years": grouped["year"].count()}).reset_index()
