"""The replay against the record, as a figure. Takes tables, returns a Figure (STYLE.md 8)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only; never open a window

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

BOUND_MARKERS = {"exact": ("o", "published count"), "approx": ("s", "published count, approx."),
                 "at_least": ("^", "published count, at least")}


def history_figure(summary: pd.DataFrame, counts: pd.DataFrame,
                   drop_filter: str | None = None,
                   parameters: str = "at the catalogue defaults") -> Figure:
    """Homicides and active groups by year: the replay (median, 90 % of runs; lighter, the
    posterior predictive with the fitted discrepancy when there is one) against the
    observed INEGI and SESNSP homicides and the published group counts (EVIDENCE F12);
    with a counterfactual, a third panel of the paired extra homicides.

    Args:
        summary: `HistoryResult.annual_summary()`.
        counts: `group_counts()`.
        drop_filter: the counterfactual's filter, for the third panel's title.
        parameters: where the parameters came from, for the title.
    """
    extra = "extra_homicides_p50" in summary
    fig, axes = plt.subplots(1, 3 if extra else 2, figsize=(16 if extra else 12, 5),
                             constrained_layout=True)
    complete = _complete_years(summary)
    _homicides(axes[0], complete)
    _groups(axes[1], summary, counts)
    if extra:
        _extra(axes[2], complete, drop_filter or "")
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    runs = int(summary["runs"].iloc[0]) if len(summary) else 0
    fig.suptitle(f"The world of 2007 replayed with the event timeline ({runs} runs, "
                 f"{parameters}) against the record")
    return fig


def _complete_years(summary: pd.DataFrame) -> pd.DataFrame:
    """The years the replay covers whole (yearly sums of a part year would look like a fall)."""
    return summary[summary["weeks"] >= 52]


def _homicides(ax: Axes, summary: pd.DataFrame) -> None:
    years = summary["year"]
    scale = 1e3
    if "predictive_homicides_p05" in summary:
        ax.fill_between(years, summary["predictive_homicides_p05"] / scale,
                        summary["predictive_homicides_p95"] / scale, alpha=0.1, color="C0",
                        label="with the fitted discrepancy: 90 % (posterior predictive)")
    ax.fill_between(years, summary["homicides_p05"] / scale, summary["homicides_p95"] / scale,
                    alpha=0.25, color="C0", label="model, INEGI-comparable: 90 % of runs")
    ax.plot(years, summary["homicides_p50"] / scale, color="C0",
            label="model, INEGI-comparable: median")
    ax.plot(years, summary["organised_crime_homicides_p50"] / scale, color="C0", ls=":",
            label="model: organised-crime part (median)")
    ax.plot(years, summary["sesnsp_victims_p50"] / scale, color="C2", ls="--",
            label="model, SESNSP-comparable: median")
    ax.plot(years, summary["observed_homicides"] / scale, "o", color="k", ms=4,
            label="INEGI registered (observed)")
    ax.plot(years, summary["observed_sesnsp_victims"] / scale, "x", color="C2", ms=6,
            label="SESNSP victims (observed)")
    ax.set_title("Homicides per year", fontsize=10)
    ax.set_ylabel("thousands")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")


def _groups(ax: Axes, summary: pd.DataFrame, counts: pd.DataFrame) -> None:
    years = summary["year"]
    ax.fill_between(years, summary["groups_p05"], summary["groups_p95"], alpha=0.25,
                    color="C1", step="mid", label="model: 90 % of runs")
    ax.step(years, summary["groups_p50"], where="mid", color="C1", label="model: median")
    # counts at one time (or over two adjacent years, drawn between them); cumulative counts
    # over a decade count groups that never coexisted and are left out
    points = counts[counts["year_end"] - counts["year_start"] <= 1]
    for bound, (marker, label) in BOUND_MARKERS.items():
        part = points[points["bound"] == bound]
        if len(part):
            ax.plot((part["year_start"] + part["year_end"]) / 2, part["count"], marker,
                    color="k", ms=5, ls="none", label=label)
    ax.set_yscale("log")
    ax.set_title("Active groups (year end) vs published counts (EVIDENCE F12)", fontsize=10)
    ax.set_ylabel("groups (log scale)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="upper left")


def _extra(ax: Axes, summary: pd.DataFrame, drop_filter: str) -> None:
    years = summary["year"]
    scale = 1e3
    ax.fill_between(years, summary["extra_homicides_p05"] / scale,
                    summary["extra_homicides_p95"] / scale, alpha=0.25, color="C3",
                    label="90 % of paired runs")
    ax.plot(years, summary["extra_homicides_p50"] / scale, color="C3", label="median")
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set_title(f"Extra homicides: replay minus history without\n{drop_filter}", fontsize=10)
    ax.set_ylabel("thousands per year")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
