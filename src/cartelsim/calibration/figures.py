"""Figures of a Bayesian calibration: chains, the joint posterior, and the predictive band."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only; never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cartelsim.calibration.bayesian import Posterior  # noqa: E402


def posterior_figure(posterior: Posterior) -> Figure:
    """Left: each column's walkers over the steps (burn-in shaded). Right: marginal
    histograms on the diagonal and pairwise scatter of the kept draws below it."""
    columns = posterior.columns
    k = len(columns)
    fig = plt.figure(figsize=(4 + 2.6 * k, max(2.2 * k, 4.5)), constrained_layout=True)
    grid = fig.add_gridspec(k, k + 2)
    steps = np.arange(posterior.chain.shape[0])
    draws = posterior.samples
    thin = draws[:: max(1, len(draws) // 3000)]  # scatter at most ~3000 points
    for i, name in enumerate(columns):
        trace = fig.add_subplot(grid[i, :2])
        trace.plot(steps, posterior.chain[:, :, i], lw=0.4, alpha=0.5, color="C0")
        trace.axvspan(0, posterior.burn, color="grey", alpha=0.2, lw=0)
        trace.set_ylabel(name, fontsize=8)
        trace.set_yscale("log")
        trace.tick_params(labelsize=7)
        if i == k - 1:
            trace.set_xlabel("step (grey: burn-in)", fontsize=8)
        for j in range(i + 1):
            ax = fig.add_subplot(grid[i, 2 + j])
            if i == j:
                ax.hist(np.log10(draws[:, i]), bins=40, color="C0", alpha=0.8)
                lo, mid, hi = np.percentile(np.log10(draws[:, i]), [5, 50, 95])
                for v, style in ((lo, ":"), (mid, "-"), (hi, ":")):
                    ax.axvline(v, color="black", ls=style, lw=0.8)
                ax.set_yticks([])
            else:
                ax.scatter(np.log10(thin[:, j]), np.log10(thin[:, i]), s=1, alpha=0.3,
                           color="C0")
            ax.tick_params(labelsize=6)
            if i == k - 1:
                ax.set_xlabel(f"log10 {columns[j]}", fontsize=7)
            if j == 0 and i != j:
                ax.set_ylabel(f"log10 {name}", fontsize=7)
    walkers, total = posterior.chain.shape[1], posterior.chain.shape[0]
    status = "converged" if posterior.converged() else "NOT converged (chains too short)"
    fig.suptitle(f"Posterior on {posterior.system_name}: {walkers} walkers x {total} steps, "
                 f"acceptance {np.mean(posterior.acceptance):.2f}, "
                 f"max autocorrelation {np.nanmax(posterior.tau):.0f} steps, {status}",
                 fontsize=10)
    return fig


def predictive_figure(posterior: Posterior) -> Figure:
    """The observed series against the posterior predictive median and 90 % band."""
    target = posterior.target
    series = [("homicides", target.homicides, "Homicides per year (INEGI)"),
              ("disappearances", target.disappearances, "Disappearances per year (RNPDNO)")]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    for ax, (name, observed, title) in zip(axes, series, strict=True):
        band = posterior.predictive.get(name)
        if band is not None:
            ax.fill_between(target.years, band[0], band[2], alpha=0.3, color="C0",
                            label="posterior predictive 90 %")
            ax.plot(target.years, band[1], color="C0", label="predictive median")
        seen = np.isfinite(observed)
        ax.plot(target.years[seen], observed[seen], "o", color="black", ms=4, label="observed")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7)
    fig.suptitle(f"{posterior.system_name}: model from {posterior.start} against the "
                 "national series", fontsize=10)
    return fig


def draws_frame(posterior: Posterior) -> pd.DataFrame:
    """The kept draws as a table (one column per parameter and sigma)."""
    return pd.DataFrame(posterior.samples, columns=list(posterior.columns))
