"""Figures from results. Each function takes data and returns a matplotlib Figure."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")  # files only; never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

PANELS = (
    ("total_members", "Members (all groups)"),
    ("total_recruits", "Recruits per week"),
    ("total_deaths", "Members killed in conflict per week"),
    ("active_groups", "Active groups"),
)


def national_figure(ds: xr.Dataset, title: str | None = None) -> Figure:
    """Four panels of national series; a median line and a 90 % band when there are runs."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharex=True, constrained_layout=True)
    times = pd.to_datetime(ds.time.values)
    for ax, (var, label) in zip(axes.ravel(), PANELS, strict=True):
        values = ds[var].values.astype(float)
        if values.shape[0] > 1:
            with warnings.catch_warnings():  # flows are NaN at the first date in every run
                warnings.simplefilter("ignore", RuntimeWarning)
                lo, mid, hi = np.nanpercentile(values, [5, 50, 95], axis=0)
            ax.fill_between(times, lo, hi, alpha=0.3, label="90 % of runs")
            ax.plot(times, mid, label="median")
            ax.legend(loc="best", fontsize=8)
        else:
            ax.plot(times, values[0])
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    fig.suptitle(title or ds.attrs.get("title", "cartelsim run"))
    return fig


def reproduction_figure(frame: pd.DataFrame) -> Figure:
    """Members and deaths per week for the published baseline and its continuations."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    for name, part in frame.groupby("scenario", sort=False):
        axes[0].plot(part["date"], part["members"], label=name)
        axes[1].plot(part["date"], part["deaths"], label=name)
    axes[0].set_title("Members (all groups)")
    axes[1].set_title("Members killed in conflict per week")
    for ax in axes:
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("Prieto-Curiel, Campedelli & Hope (2023) reproduced on BACRIM 2020")
    return fig


def save_figure(fig: Figure, path) -> None:
    """Save and close a figure, atomically."""
    from cartelsim.io.atomic import write_atomically

    write_atomically(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)


def comparison_figure(base: xr.Dataset, policy: xr.Dataset, group: str | None = None) -> Figure:
    """Both scenarios (median, 90 % band) and their paired difference over time."""
    from cartelsim.analysis.compare import group_series

    panels = [("homicides", "Homicides per week"), ("total_members", "Members (all groups)"),
              ("active_groups", "Active groups")]
    if group is not None and "command_integrity" in policy:
        panels.append(("command_integrity", f"Command integrity of {group}"))
    fig, axes = plt.subplots(2, len(panels), figsize=(4.2 * len(panels), 7),
                             sharex=True, constrained_layout=True, squeeze=False)
    times = pd.to_datetime(base.time.values)
    names = (base.attrs.get("scenario", "base"), policy.attrs.get("scenario", "policy"))
    for col, (var, label) in enumerate(panels):
        if var == "command_integrity":
            pair = (group_series(base, var, group), group_series(policy, var, group))
        else:
            pair = (base[var], policy[var])
        values = [np.asarray(p.values, dtype=float) for p in pair]
        top, bottom = axes[0, col], axes[1, col]
        for name, array in zip(names, values, strict=True):
            _band(top, times, array, name)
        top.set_title(label, fontsize=10)
        _band(bottom, times, values[1] - values[0], "difference", color="C3")
        bottom.axhline(0.0, color="black", lw=0.8)
        bottom.set_title(f"{names[1]} minus {names[0]} (paired)", fontsize=9)
        for ax in (top, bottom):
            ax.grid(alpha=0.3)
        top.legend(fontsize=7)
    fig.suptitle(f"{names[1]} against {names[0]}: median and 90 % of paired runs")
    return fig


def _band(ax, times, values: np.ndarray, label: str, color: str | None = None) -> None:
    with warnings.catch_warnings():  # flows are NaN at the first date in every run
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, mid, hi = np.nanpercentile(values, [5, 50, 95], axis=0)
    line = ax.plot(times, mid, label=label, color=color)[0]
    ax.fill_between(times, lo, hi, alpha=0.25, color=line.get_color())
