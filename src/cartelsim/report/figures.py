"""Figures for the brief. Each function takes data and returns a matplotlib Figure;
`embed` turns one into base64 PNG for the self-contained page (and closes it)."""

from __future__ import annotations

import base64
import io
import warnings
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # files only; never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.figure import Figure as MplFigure  # noqa: E402

from cartelsim.report.model import Estimate, Figure, Swing  # noqa: E402

DPI = 80


def embed(fig: MplFigure, caption: str) -> Figure:
    """PNG bytes of `fig` as base64 (no timestamp in the metadata, so the same numbers
    give the same bytes), then close it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    return Figure(base64.b64encode(buffer.getvalue()).decode("ascii"), caption)


def _band(ax, times, values: np.ndarray, label: str, color: str | None = None) -> None:
    with warnings.catch_warnings():  # flows are NaN at the first date in every run
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, mid, hi = np.nanpercentile(values, [5, 50, 95], axis=0)
    line = ax.plot(times, mid, label=label, color=color, lw=1.6)[0]
    ax.fill_between(times, lo, hi, alpha=0.2, color=line.get_color(), lw=0)


def fans(panels: Sequence[tuple[str, dict[str, xr.DataArray]]], title: str,
         reference: float | None = None) -> MplFigure:
    """One panel per (title, {scenario: series (run, time)}): median and 90 % of worlds."""
    fig, axes = plt.subplots(1, len(panels), figsize=(max(8.0, 4.6 * len(panels)), 3.6),
                             constrained_layout=True, squeeze=False)
    for ax, (panel_title, series) in zip(axes[0], panels, strict=True):
        for label, values in series.items():
            times = values["time"].values
            if np.issubdtype(times.dtype, np.datetime64):
                times = pd.to_datetime(times)
            else:
                ax.set_xlabel("weeks", fontsize=8)
            _band(ax, times, np.asarray(values.values, dtype=float), label)
        if reference is not None:
            ax.axhline(reference, color="black", lw=0.7)
        ax.set_title(panel_title, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
        ax.tick_params(labelsize=8)
    fig.suptitle(title + " (median and 90 % of worlds)", fontsize=11)
    return fig


def differences(estimates: Sequence[Estimate], title: str, relative: bool = True) -> MplFigure:
    """Paired differences as points with their 90 % intervals, against zero."""
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(estimates) + 1.4), constrained_layout=True)
    labels = [e.label for e in estimates][::-1]
    scale = [100.0 / abs(e.base) if relative and e.base else 1.0 for e in estimates][::-1]
    mids = [e.median * s for e, s in zip(estimates[::-1], scale, strict=True)]
    lows = [e.low * s for e, s in zip(estimates[::-1], scale, strict=True)]
    highs = [e.high * s for e, s in zip(estimates[::-1], scale, strict=True)]
    y = np.arange(len(labels))
    colors = ["C2" if h < 0 else "C3" if lo > 0 else "C7" for lo, h in zip(lows, highs,
                                                                               strict=True)]
    ax.hlines(y, lows, highs, colors=colors, lw=3)
    ax.scatter(mids, y, color="black", zorder=3, s=18)
    ax.axvline(0.0, color="black", lw=0.8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("% of the status quo (policy minus status quo, paired)" if relative
                  else "policy minus status quo (paired)", fontsize=9)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    return fig


def swings(default: Estimate, rows: Sequence[Swing], title: str) -> MplFigure:
    """A tornado chart: the headline number with each parameter at its low and high end."""
    names = list(dict.fromkeys(s.parameter for s in rows))
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(names) + 1.4), constrained_layout=True)
    for k, name in enumerate(names[::-1]):
        for swing in (s for s in rows if s.parameter == name):
            color = "C0" if swing.end == "low" else "C1"
            est = swing.estimate
            ax.hlines(k + (0.12 if swing.end == "high" else -0.12), est.low, est.high,
                      color=color, lw=3, label=f"{swing.end} end" if k == 0 else None)
            ax.scatter([est.median], [k + (0.12 if swing.end == "high" else -0.12)],
                       color="black", s=12, zorder=3)
    ax.axvspan(default.low, default.high, color="grey", alpha=0.2, label="defaults")
    ax.axvline(0.0, color="black", lw=0.8)
    ax.set_yticks(np.arange(len(names)), names[::-1], fontsize=8)
    ax.set_xlabel(f"{default.label} ({default.unit})", fontsize=9)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="best")
    ax.grid(alpha=0.3, axis="x")
    return fig


def pressure(levels: Sequence[float], observable: Sequence[Estimate],
             structural: dict[str, Sequence[Estimate]], title: str,
             xlabel: str = "U.S. pressure u") -> MplFigure:
    """Observable results (left) and structural outcomes (right) at each level of `xlabel`
    (U.S. pressure, or the share of it the state answers with visible operations)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
    x = np.asarray(levels, dtype=float)
    left.errorbar(x, [e.median for e in observable],
                  yerr=[[e.median - e.low for e in observable],
                        [e.high - e.median for e in observable]], marker="o", capsize=3)
    left.set_title("Observable: extra leader removals a year", fontsize=10)
    for k, (label, ests) in enumerate(structural.items()):
        rel = [100.0 / abs(e.base) if e.base else 1.0 for e in ests]
        right.errorbar(x + 0.03 * k, [e.median * r for e, r in zip(ests, rel, strict=True)],
                       yerr=[[(e.median - e.low) * r for e, r in zip(ests, rel, strict=True)],
                             [(e.high - e.median) * r for e, r in zip(ests, rel, strict=True)]],
                       marker="o", capsize=3, label=label)
    right.axhline(0.0, color="black", lw=0.8)
    right.set_title("Structural: change against the status quo (%)", fontsize=10)
    right.legend(fontsize=7)
    for ax in (left, right):
        ax.set_xlabel(xlabel, fontsize=9)
        ax.grid(alpha=0.3)
    fig.suptitle(title + " (median and 90 % interval of paired worlds)", fontsize=11)
    return fig


def aftermath(killed: np.ndarray, quiet: np.ndarray, split: Sequence[float],
              name: str) -> MplFigure:
    """Monthly lineage deaths (run, month) with and without the killing, and P(split)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
    months = np.arange(1, killed.shape[1] + 1)
    for values, label in ((killed, "leader killed"), (quiet, "no killing")):
        lo, mid, hi = np.percentile(values, [5, 50, 95], axis=0)
        line = left.plot(months, mid, marker="o", ms=3, label=label)[0]
        left.fill_between(months, lo, hi, alpha=0.2, color=line.get_color(), lw=0)
    left.set_title(f"{name} and its splinters: members killed a month", fontsize=10)
    left.legend(fontsize=7)
    right.step(months, np.asarray(split) * 100, where="post", marker="o", ms=3)
    right.set_ylim(0, 100)
    right.set_title(f"Worlds in which {name} has split (%)", fontsize=10)
    for ax in (left, right):
        ax.set_xlabel("months after the killing", fontsize=9)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    fig.suptitle("The first months after the killing (median and 90 % of worlds)", fontsize=11)
    return fig
