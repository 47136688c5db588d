"""Numbers for the brief from paired results: differences, levels, separability."""

from __future__ import annotations

import numpy as np
import xarray as xr

from cartelsim.analysis.compare import paired_differences
from cartelsim.report.model import Estimate
from cartelsim.report.verdict import negligible_for

LEVEL = 0.90


def difference(base: xr.DataArray, policy: xr.DataArray, months: float, label: str,
               unit: str, *, name: str = "value", negligible: float | None = None,
               digits: int = 0) -> Estimate:
    """Paired difference policy - base at `months` (via `analysis.compare`).

    `name` is the variable's name in the results: weekly flows such as "homicides" are
    averaged over the four weeks ending at the horizon, as `cartelsim compare` does.
    `negligible` defaults to 2 % of the status quo's median (see `verdict`).
    """
    table = paired_differences(xr.Dataset({name: base}), xr.Dataset({name: policy}),
                               (months,), {name: label}, level=LEVEL)
    row = table.iloc[0]
    band = negligible_for(row["base"]) if negligible is None else negligible
    return Estimate(label, unit, float(row["difference"]), float(row["low"]),
                    float(row["high"]), int(row["runs"]), base=float(row["base"]),
                    p_lower=float(row["p_lower"]), negligible=band, digits=digits)


def level(values: np.ndarray, label: str, unit: str, digits: int = 0) -> Estimate:
    """Median and central 90 % interval of a quantity over worlds (finite values)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return Estimate(label, unit, float("nan"), float("nan"), float("nan"), 0, digits=digits)
    tail = (1.0 - LEVEL) / 2.0
    low, mid, high = np.quantile(values, [tail, 0.5, 1.0 - tail])
    return Estimate(label, unit, float(mid), float(low), float(high), int(values.size),
                    digits=digits)


def paired_total(base: xr.DataArray, policy: xr.DataArray, weeks: slice, label: str,
                 unit: str, *, negligible: float | None = None, digits: int = 0) -> Estimate:
    """Paired difference of a weekly flow summed over a window of weeks (positions on the
    time axis) and over every other dimension but `run` (e.g. all crossings): tonnes moved
    north while a policy lasts, say. `negligible` defaults to 2 % of the status quo's
    median total (see `verdict`)."""
    def total(data: xr.DataArray) -> np.ndarray:
        window = data.isel(time=weeks)
        return window.sum([d for d in window.dims if d != "run"]).values.astype(float)

    b, p = total(base), total(policy)
    spread = level(p - b, label, unit, digits)
    centre = float(np.median(b))
    band = negligible_for(centre) if negligible is None else negligible
    return Estimate(label, unit, spread.median, spread.low, spread.high, spread.runs,
                    base=centre, p_lower=float(np.mean(p < b)), negligible=band, digits=digits)


def paired_values(base: xr.DataArray, policy: xr.DataArray, weeks: slice) -> np.ndarray:
    """Per-world difference of the mean over a window of weeks (positions on the time axis)."""
    b = base.isel(time=weeks).mean("time").values.astype(float)
    p = policy.isel(time=weeks).mean("time").values.astype(float)
    return p - b


def separability_auc(first: np.ndarray, second: np.ndarray) -> float:
    """P(a world of `second` shows a larger value than one of `first`), ties count half.

    The Mann-Whitney probability: 0.5 means one world's value says nothing about which
    policy produced it.
    """
    first = np.asarray(first, dtype=float)
    second = np.asarray(second, dtype=float)
    greater = (second[:, None] > first[None, :]).mean()
    ties = (second[:, None] == first[None, :]).mean()
    return float(greater + 0.5 * ties)


def recovery_weeks(integrity: xr.DataArray, after: int, level: float = 0.9) -> np.ndarray:
    """Weeks from the lowest integrity (at or after position `after`) until `level` of the
    loss is recovered, per run; NaN when it is not recovered within the horizon or when
    nothing was lost."""
    values = integrity.values.astype(float)  # (run, time)
    out = np.full(values.shape[0], np.nan)
    for r, series in enumerate(values):
        tail = series[after:]
        low_at = int(np.argmin(tail))
        loss = 1.0 - tail[low_at]
        if loss <= 1e-9:
            continue
        goal = tail[low_at] + level * loss
        reached = np.flatnonzero(tail[low_at:] >= goal - 1e-12)
        if reached.size:
            out[r] = float(reached[0])
    return out
