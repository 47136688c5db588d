"""Figures from results. Each function takes data and returns a matplotlib Figure.

Figures are made as `matplotlib.figure.Figure` objects, not through pyplot: they never show
themselves or open a window, are freed with their last reference, are safe to make in server
threads, and leave the user's backend alone (so a notebook, after `%matplotlib inline`,
draws a returned figure once).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

PANELS = (
    ("homicides", "Homicides per week"),
    ("total_members", "Members (all groups)"),
    ("active_groups", "Active groups"),
    ("total_recruits", "Recruits per week"),
    ("total_deaths", "Members killed in conflict per week"),
    ("total_arrests", "Arrests per week"),
)
GROUP_PANELS = (
    ("members", "Members"),
    ("deaths", "Members killed in conflict per week"),
    ("command_integrity", "Command integrity (1 = intact)"),
)


def new_figure(width: float, height: float) -> Figure:
    """An empty figure outside pyplot, laid out without overlaps (see the module doc)."""
    return Figure(figsize=(width, height), layout="constrained")


def style_axes(ax, counts: bool = False) -> None:
    """A few readable date ticks, thousands separators, a light grid; whole-number ticks
    for `counts` (such as active groups)."""
    locator = AutoDateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.yaxis.set_major_formatter(FuncFormatter(_tick))
    if counts:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)


def _tick(value: float, _position: int) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"


def national_figure(ds: xr.Dataset, title: str | None = None) -> Figure:
    """Six panels of national series, homicides first; a median line and a 90 % band when
    there are runs. Series missing from `ds` (older files) are left out."""
    panels = [(var, label) for var, label in PANELS if var in ds]
    fig = new_figure(13, 7)
    axes = fig.subplots(2, (len(panels) + 1) // 2, sharex=True, squeeze=False)
    for ax in axes.ravel()[len(panels):]:
        ax.set_visible(False)
    times = pd.to_datetime(ds.time.values)
    for ax, (var, label) in zip(axes.ravel(), panels, strict=False):
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
        style_axes(ax, counts=var == "active_groups")
    fig.suptitle(title or ds.attrs.get("title", "cartelsim run"))
    return fig


def reproduction_figure(frame: pd.DataFrame) -> Figure:
    """Members and deaths per week for the published baseline and its continuations."""
    fig = new_figure(12, 4.5)
    axes = fig.subplots(1, 2)
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
    """Save a figure atomically; close it if pyplot made it (other modules' figures)."""
    from cartelsim.io.atomic import write_atomically

    write_atomically(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    if getattr(fig.canvas, "manager", None) is not None:
        import matplotlib.pyplot as plt

        plt.close(fig)


def comparison_figure(base: xr.Dataset, policy: xr.Dataset, group: str | None = None) -> Figure:
    """Both scenarios (median, 90 % band) and their paired difference over time."""
    from cartelsim.analysis.compare import group_series

    panels = [("homicides", "Homicides per week"), ("total_members", "Members (all groups)"),
              ("active_groups", "Active groups")]
    if group is not None and "command_integrity" in policy:
        panels.append(("command_integrity", f"Command integrity of {group}"))
    fig = new_figure(4.2 * len(panels), 7)
    axes = fig.subplots(2, len(panels), sharex=True, squeeze=False)
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
            style_axes(ax, counts=var == "active_groups")
        top.legend(fontsize=7)
    fig.suptitle(f"{names[1]} against {names[0]}: median and 90 % of paired runs")
    return fig


def _band(ax, times, values: np.ndarray, label: str, color: str | None = None) -> None:
    with warnings.catch_warnings():  # flows are NaN at the first date in every run
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, mid, hi = np.nanpercentile(values, [5, 50, 95], axis=0)
    line = ax.plot(times, mid, label=label, color=color, lw=1.3)[0]
    ax.fill_between(times, lo, hi, alpha=0.25, color=line.get_color(), lw=0)


def groups_figure(ds: xr.Dataset, groups: list[str], title: str | None = None) -> Figure:
    """One panel per per-group series (members, members killed, command integrity), one
    colour per group in `groups` (ids in `ds`): median line and 90 % band over runs."""
    panels = [(var, label) for var, label in GROUP_PANELS if var in ds]
    fig = new_figure(4.4 * len(panels), 5.0)
    axes = fig.subplots(1, len(panels), sharex=True, squeeze=False)[0]
    times = pd.to_datetime(ds.time.values)
    names = dict(zip(ds.group.values.tolist(), ds.group_name.values.tolist(), strict=True))
    for ax, (var, label) in zip(axes, panels, strict=True):
        for index, group in enumerate(groups):
            values = np.asarray(ds[var].sel(group=group).values, dtype=float)  # [run, time]
            _band(ax, times, values, _short(str(names[group])), color=f"C{index % 10}")
        ax.set_title(label, fontsize=10)
        style_axes(ax)
        if var == "command_integrity":
            ax.set_ylim(-0.02, 1.02)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(groups), 5),
               fontsize=8, frameon=False)
    fig.suptitle(title or f"{ds.attrs.get('scenario', 'run')} by group: median and 90 % of "
                 f"{ds.sizes['run']} run(s)")
    return fig


def _short(name: str, width: int = 28) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"
