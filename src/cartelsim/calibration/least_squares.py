"""Least-squares calibration of the published model to the national violence series.

The published model was fitted so that members killed in conflict match a share
(`victim_member_share`, 10 %) of national homicides plus missing persons (Prieto-Curiel,
Campedelli & Hope 2023; their code fits weekly values from splines). Here the yearly sums
are fitted: model deaths in year y / share  vs  homicides + missing persons in year y.

Identifiability comes from the Jacobian at the optimum: relative standard errors from
(J^T J)^-1 scaled by the residual variance, and the correlation between estimates. A
parameter whose relative error is large (or that is nearly collinear with another) is not
pinned down by these data. The membership stock is inferred, not observed (EVIDENCE F21):
`membership_by_share` refits under other shares to show how the 2022 estimate moves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from cartelsim.engines.simulate import simulate
from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import CATALOGUE, Params
from cartelsim.system.model import System

# A relative standard error above this means the data do not pin the parameter down.
IDENTIFIED_RSE = 0.25
# The search may go this factor beyond each side of a parameter's plausible range (within
# its hard bounds): a fit that needs more is itself a finding, reported as at a bound.
SEARCH_WIDENING = 5.0


def search_bounds(name: str) -> tuple[float, float]:
    spec = CATALOGUE[name]
    return (max(spec.minimum, spec.low / SEARCH_WIDENING),
            min(spec.maximum, spec.high * SEARCH_WIDENING))


@dataclass(frozen=True)
class Fit:
    """The result of one calibration."""

    names: tuple[str, ...]
    values: tuple[float, ...]
    relative_se: tuple[float, ...]
    correlation: np.ndarray  # [parameter, parameter]
    observed: pd.Series  # victims per year (homicides + missing persons)
    fitted: pd.Series  # model deaths / share per year
    members_end: float  # members at the end of the fitted period
    cost: float
    success: bool
    message: str

    def params(self, base: Params) -> Params:
        return base.override(dict(zip(self.names, self.values, strict=True)), "calibrated")

    def table(self) -> pd.DataFrame:
        return pd.DataFrame({
            "parameter": self.names, "value": self.values, "relative_se": self.relative_se,
            "identified": [bool(np.isfinite(r) and r < IDENTIFIED_RSE) for r in self.relative_se],
            "plausible_low": [CATALOGUE[n].low for n in self.names],
            "plausible_high": [CATALOGUE[n].high for n in self.names],
            "at_search_bound": [bool(np.isclose(v, search_bounds(n)[0], rtol=1e-6)
                                     or np.isclose(v, search_bounds(n)[1], rtol=1e-6))
                                for n, v in zip(self.names, self.values, strict=True)],
        })


def observed_victims(system: System) -> pd.Series:
    """Homicides plus missing persons per year, where both are known."""
    series = system.national_series
    if series.empty or not {"homicides", "missing_persons"} <= set(series.columns):
        raise CartelsimError(f"system {system.name!r} has no national series to fit")
    victims = (series["homicides"] + series["missing_persons"]).dropna()
    if len(victims) < 3:
        raise CartelsimError(f"system {system.name!r} has fewer than 3 years with both "
                             "homicides and missing persons; nothing to fit")
    return victims.astype(float)


def _yearly_deaths(system: System, params: Params, start: pd.Timestamp,
                   years: pd.Index) -> tuple[pd.Series, float]:
    weeks = int(np.ceil((pd.Timestamp(f"{years.max() + 1}-01-01") - start).days / 7))
    ds = simulate(system, params, weeks=weeks, start=start, initial="zipf", record="totals")
    if int(ds.status[0]) != 0:
        return pd.Series(np.inf, index=years), float("nan")
    deaths = ds.total_deaths.isel(run=0).to_series().iloc[1:]
    yearly = deaths.groupby(deaths.index.year).sum().reindex(years)
    return yearly, float(ds.total_members.isel(run=0).values[-1])


def calibrate(system: System, names: list[str], *, base: Params | None = None,
              start: str = "2012-01-01") -> Fit:
    """Fit `names` (within their plausible ranges) to the system's yearly victims."""
    for name in names:
        if name not in CATALOGUE:
            raise CartelsimError(f"unknown parameter {name!r}")
    if not names:
        raise CartelsimError("give at least one parameter to calibrate")
    base = base or Params.defaults()
    victims = observed_victims(system)
    years = victims.index
    origin = pd.Timestamp(start)
    if years.min() < origin.year:
        victims = victims[victims.index >= origin.year]
        years = victims.index
    low = np.array([search_bounds(n)[0] for n in names])
    high = np.array([search_bounds(n)[1] for n in names])
    scale = np.array([max(abs(base[n]), 1e-300) for n in names])

    def residuals(x: np.ndarray) -> np.ndarray:
        params = base.override(dict(zip(names, x * scale, strict=True)), "calibrating")
        yearly, _ = _yearly_deaths(system, params, origin, years)
        model = yearly / params["victim_member_share"]
        return ((model - victims) / victims).to_numpy()

    x0 = np.clip(np.array([base[n] for n in names]), low, high) / scale
    result = least_squares(residuals, x0, bounds=(low / scale, high / scale), x_scale="jac",
                           diff_step=1e-4)
    values = result.x * scale
    jac = result.jac / scale  # d residual / d parameter
    dof = max(len(victims) - len(names), 1)
    sigma2 = 2 * result.cost / dof
    try:
        cov = np.linalg.pinv(jac.T @ jac) * sigma2
        se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = cov / np.outer(se, se)
    except np.linalg.LinAlgError:  # pragma: no cover - pinv rarely fails
        se = np.full(len(names), np.inf)
        corr = np.full((len(names), len(names)), np.nan)
    fitted_params = base.override(dict(zip(names, values, strict=True)), "calibrated")
    yearly, members_end = _yearly_deaths(system, fitted_params, origin, years)
    return Fit(
        names=tuple(names), values=tuple(float(v) for v in values),
        relative_se=tuple(float(s / abs(v)) if v else float("inf")
                          for s, v in zip(se, values, strict=True)),
        correlation=corr, observed=victims,
        fitted=yearly / fitted_params["victim_member_share"], members_end=members_end,
        cost=float(result.cost), success=bool(result.success), message=str(result.message),
    )


def membership_by_share(system: System, names: list[str], shares: tuple[float, ...],
                        base: Params | None = None) -> pd.DataFrame:
    """Refit under each assumed share of victims who are members: the inferred membership
    at the end moves with the assumption (EVIDENCE F21 iii)."""
    base = base or Params.defaults()
    rows = []
    for share in shares:
        fit = calibrate(system, names,
                        base=base.override({"victim_member_share": share}, "assumed"))
        rows.append({"victim_member_share": share, "members_end": fit.members_end,
                     **dict(zip(fit.names, fit.values, strict=True)),
                     "relative_cost": fit.cost})
    return pd.DataFrame(rows)


def parameter_file_text(fit: Fit, system: System) -> str:
    """A TOML parameter file for `parameters_file = ...` in scenarios, with provenance."""
    lines = [
        "# Parameters calibrated by `cartelsim calibrate` (provenance: calibrated).",
        f"# System: {system.name}; fitted to yearly homicides + missing persons "
        f"{fit.observed.index.min()}-{fit.observed.index.max()} (relative least squares).",
        f"# Converged: {fit.success} ({fit.message}); cost {fit.cost:.4g}.",
        "# Relative standard errors (above 0.25 = not pinned down by these data):",
    ]
    lines += [f"#   {n}: {r:.3g}" for n, r in zip(fit.names, fit.relative_se, strict=True)]
    lines += ["", 'provenance = "calibrated"', "", "[parameters]"]
    lines += [f"{n} = {v!r}" for n, v in zip(fit.names, fit.values, strict=True)]
    return "\n".join(lines) + "\n"
