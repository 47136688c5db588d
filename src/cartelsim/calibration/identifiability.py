"""Which parameters the record pins down: posterior against prior width, and correlations.

A parameter is *pinned down* when its posterior 90 % interval is well inside its prior's
(`PINNED_SHARE`); a pair is *traded off* when the data fix a combination of the two
(|r| >= `STRONG_CORRELATION` between their draws). When the fit sliced the likelihood
(`slices`, kept in the metadata) and a parameter's slice is flat while it trades off with no
other, the record says nothing about it whatever the sampler's interval: its verdict is
"not pinned down (flat likelihood)", since a narrower interval there shows where the
sampler started. Analysis only: takes draws, returns tables and figures (STYLE.md 8).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from cartelsim.calibration.posterior import Posterior
from cartelsim.calibration.slices import SLICES_KEY
from cartelsim.params.catalogue import CATALOGUE

# A posterior 90 % interval narrower than half the prior's is "pinned down"; one wider than
# 80 % of it, "not pinned down" (the data say little beyond the prior); between, "partly".
PINNED_SHARE = 0.5
LOOSE_SHARE = 0.8
STRONG_CORRELATION = 0.5
PRIOR_MASS = 0.9
FLAT_VERDICT = "not pinned down (flat likelihood)"
COLOURS = {"pinned down": "#2a7", "partly": "#d93", "not pinned down": "#c44",
           FLAT_VERDICT: "#c44"}


def identifiability_table(posterior: Posterior) -> pd.DataFrame:
    """One row per fitted catalogue parameter.

    Columns: parameter, prior_low, prior_high (the catalogue range, a uniform prior),
    median, low_5, high_95, width_share (posterior 90 % width / prior 90 % width),
    edge (the median is in the outer 10 % of the range: "low", "high" or ""),
    loglik_range (how far the log-likelihood moves along the parameter's slice through
    the median; NaN when the fit kept no slices), verdict.
    """
    low, high, median = posterior.quantile(0.05), posterior.quantile(0.95), posterior.median()
    slices = posterior.meta.get(SLICES_KEY, {})
    traded = {name for pair in strong_pairs(correlation_matrix(posterior)) for name in pair[:2]}
    rows = []
    for name in posterior.parameters:
        spec = CATALOGUE[name]
        span = spec.high - spec.low
        share = (high[name] - low[name]) / (PRIOR_MASS * span) if span > 0 else float("nan")
        position = (median[name] - spec.low) / span if span > 0 else 0.5
        found = slices.get(name, {})
        loglik_range = found.get("loglik_range")
        rows.append({
            "parameter": name, "prior_low": spec.low, "prior_high": spec.high,
            "median": median[name], "low_5": low[name], "high_95": high[name],
            "width_share": share,
            "edge": "low" if position < 0.1 else "high" if position > 0.9 else "",
            "loglik_range": float("nan") if loglik_range is None else float(loglik_range),
            "verdict": (FLAT_VERDICT if found.get("flat") and name not in traded else
                        "pinned down" if share < PINNED_SHARE else
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
    labels = [f"{name} (flat)" if verdict == FLAT_VERDICT else name
              for name, verdict in zip(order["parameter"], order["verdict"], strict=True)]
    left.barh(labels, order["width_share"], color=[COLOURS[v] for v in order["verdict"]])
    for value in (PINNED_SHARE, LOOSE_SHARE):
        left.axvline(value, color="grey", lw=0.8, ls="--")
    left.set_xlim(0, max(1.05, float(order["width_share"].max()) + 0.05))
    left.set_xlabel("posterior 90 % width / prior 90 % width")
    left.set_title("What the record pins down (green) and what it does not (red; flat: the\n"
                   "likelihood does not move along the parameter)")
    image = right.imshow(corr.to_numpy(float), cmap="RdBu_r", vmin=-1, vmax=1)
    ticks = range(len(corr))
    right.set_xticks(ticks, corr.columns, rotation=90, fontsize=8)
    right.set_yticks(ticks, corr.index, fontsize=8)
    right.set_title("Posterior correlations")
    figure.colorbar(image, ax=right, shrink=0.8)
    return figure
