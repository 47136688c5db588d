"""Global sensitivity indices (SALib) from sampled inputs X and model outputs Y.

Analysis takes numbers and returns tables and figures (STYLE.md 8); the runs that produce
Y are made by `ensembles.sensitivity`.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze

from cartelsim.errors import CartelsimError


def indices(method: str, problem: dict, X: np.ndarray, Y: np.ndarray, seed: int) -> pd.DataFrame:
    """One row per parameter with its indices and their 95 % confidence half-widths.

    Morris: mu_star (mean absolute elementary effect), its confidence, sigma.
    Sobol: S1 (first order), ST (total), each with its confidence.
    """
    if not np.isfinite(Y).all():
        raise CartelsimError(f"{int((~np.isfinite(Y)).sum())} sampled runs failed (NaN "
                             "output); narrow the ranges or check the failed runs' status")
    if method == "morris":
        result = morris_analyze.analyze(problem, X, Y, num_resamples=200, seed=seed)
        frame = pd.DataFrame({"parameter": problem["names"], "mu_star": result["mu_star"],
                              "mu_star_conf": result["mu_star_conf"], "sigma": result["sigma"]})
        return frame.sort_values("mu_star", ascending=False, ignore_index=True)
    if method == "sobol":
        result = sobol_analyze.analyze(problem, Y, calc_second_order=False, num_resamples=200,
                                       seed=seed)
        frame = pd.DataFrame({"parameter": problem["names"], "S1": result["S1"],
                              "S1_conf": result["S1_conf"], "ST": result["ST"],
                              "ST_conf": result["ST_conf"]})
        return frame.sort_values("ST", ascending=False, ignore_index=True)
    raise CartelsimError(f"method must be morris or sobol, got {method!r}")


def indices_figure(table: pd.DataFrame, method: str, title: str) -> Figure:
    """Horizontal bars of the main index with its confidence interval."""
    column, conf = ("mu_star", "mu_star_conf") if method == "morris" else ("ST", "ST_conf")
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(table) + 1.5), constrained_layout=True)
    order = table.iloc[::-1]
    ax.barh(order["parameter"], order[column], xerr=order[conf], capsize=3, color="C0")
    if method == "sobol":
        ax.scatter(order["S1"], order["parameter"], color="C3", zorder=3, label="S1")
        ax.legend()
    ax.set_xlabel({"mu_star": "mu* (mean |elementary effect|)", "ST": "total-order index ST"}
                  [column])
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    return fig
