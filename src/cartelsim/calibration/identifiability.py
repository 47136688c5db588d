"""Which parameters the record pins down: posterior against prior width, and correlations.

A parameter is *pinned down* when its posterior 90 % interval is well inside its prior's
(`PINNED_SHARE`); a pair is *traded off* when the data fix a combination of the two
(|r| >= `STRONG_CORRELATION` between their draws). Analysis only: takes draws, returns
tables and figures (STYLE.md 8).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from cartelsim.calibration.posterior import Posterior
from cartelsim.params.catalogue import CATALOGUE

# A posterior 90 % interval narrower than half the prior's is "pinned down"; one wider than
# 80 % of it, "not pinned down" (the data say little beyond the prior); between, "partly".
PINNED_SHARE = 0.5
LOOSE_SHARE = 0.8
STRONG_CORRELATION = 0.5
PRIOR_MASS = 0.9


def identifiability_table(posterior: Posterior) -> pd.DataFrame:
    """One row per fitted catalogue parameter.

    Columns: parameter, prior_low, prior_high (the catalogue range, a uniform prior),
    median, low_5, high_95, width_share (posterior 90 % width / prior 90 % width),
    edge (the median is in the outer 10 % of the range: "low", "high" or ""), verdict.
    """
    low, high, median = posterior.quantile(0.05), posterior.quantile(0.95), posterior.median()
    rows = []
    for name in posterior.parameters:
        spec = CATALOGUE[name]
        span = spec.high - spec.low
        share = (high[name] - low[name]) / (PRIOR_MASS * span) if span > 0 else float("nan")
        position = (median[name] - spec.low) / span if span > 0 else 0.5
        rows.append({
            "parameter": name, "prior_low": spec.low, "prior_high": spec.high,
            "median": median[name], "low_5": low[name], "high_95": high[name],
            "width_share": share,
            "edge": "low" if position < 0.1 else "high" if position > 0.9 else "",
            "verdict": ("pinned down" if share < PINNED_SHARE else
                        "not pinned down" if share > LOOSE_SHARE else "partly"),
        })
    return pd.DataFrame(rows)


def correlation_matrix(posterior: Posterior) -> pd.DataFrame:
    """Weighted Pearson correlations between the parameters' draws."""
    values = posterior.draws.to_numpy(float)
    matrix = np.atleast_2d(np.cov(values, rowvar=False, aweights=posterior.weights))
    sd = np.sqrt(np.diag(matrix))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = matrix / np.outer(sd, sd)
    return pd.DataFrame(corr, index=posterior.parameters, columns=posterior.parameters)


def strong_pairs(corr: pd.DataFrame) -> list[tuple[str, str, float]]:
    """Pairs with |r| >= STRONG_CORRELATION, strongest first."""
    names = list(corr.index)
    pairs = [(a, b, float(corr.iloc[i, j])) for i, a in enumerate(names)
             for j, b in enumerate(names) if i < j and abs(corr.iloc[i, j]) >= STRONG_CORRELATION]
    return sorted(pairs, key=lambda p: -abs(p[2]))


def identifiability_figure(table: pd.DataFrame, corr: pd.DataFrame) -> Figure:
    """Left: posterior 90 % width as a share of the prior's; right: correlations."""
    figure = Figure(figsize=(13, 5.5), layout="constrained")
    left, right = figure.subplots(1, 2, width_ratios=(1, 1.2))
    order = table.sort_values("width_share")
    colours = ["#2a7" if s < PINNED_SHARE else "#c44" if s > LOOSE_SHARE else "#d93"
               for s in order["width_share"]]
    left.barh(order["parameter"], order["width_share"], color=colours)
    for value in (PINNED_SHARE, LOOSE_SHARE):
        left.axvline(value, color="grey", lw=0.8, ls="--")
    left.set_xlim(0, max(1.05, float(order["width_share"].max()) + 0.05))
    left.set_xlabel("posterior 90 % width / prior 90 % width")
    left.set_title("What the record pins down (green) and what it does not (red)")
    image = right.imshow(corr.to_numpy(float), cmap="RdBu_r", vmin=-1, vmax=1)
    ticks = range(len(corr))
    right.set_xticks(ticks, corr.columns, rotation=90, fontsize=8)
    right.set_yticks(ticks, corr.index, fontsize=8)
    right.set_title("Posterior correlations")
    figure.colorbar(image, ax=right, shrink=0.8)
    return figure
