"""Paired counterfactual histories: the same worlds without chosen events.

A counterfactual is the replay scenario with the events a FILTER selects left out
(`filters`), run with the same seed and runs. Run k of both histories draws from the same
random streams (STYLE.md 5), and a dropped removal keeps its place as an operation that
fails (`replay.build_replay`), so the difference factual[k] - counterfactual[k] is the
effect of the events in world k; its spread over worlds is the interval reported.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from cartelsim.errors import CartelsimError
from cartelsim.record.events import Event
from cartelsim.record.filters import EventFilter

QUANTILES = (0.05, 0.50, 0.95)
# A run whose engine status is not 0 (failed, or numbers not finite) is left out of every
# summary; see engines.kernels.STATUS_MESSAGES.
STATUS_OK = 0


def select_dropped(events: Sequence[Event], chosen: EventFilter) -> tuple[Event, ...]:
    """The events `chosen` selects; a filter that selects none is an error (it would
    silently compare the replay with itself)."""
    dropped = chosen.select(events)
    if not dropped:
        raise CartelsimError(f"--drop-events {chosen.text!r} matches no event of the "
                             f"timeline ({len(events)} events); check the kinds, groups and "
                             "dates")
    return dropped


def check_paired(factual: xr.Dataset, counterfactual: xr.Dataset) -> None:
    """Refuse to difference results that are not the same worlds."""
    same = (np.array_equal(factual["run"].values, counterfactual["run"].values)
            and np.array_equal(factual["time"].values, counterfactual["time"].values)
            and factual.attrs.get("seed") == counterfactual.attrs.get("seed")
            and factual.attrs.get("engine") == counterfactual.attrs.get("engine"))
    if not same:
        raise CartelsimError("the factual and counterfactual histories are not paired: they "
                             "need the same runs, dates, seed and engine")


def usable_runs(*datasets: xr.Dataset) -> np.ndarray:
    """Runs (bool [run]) that completed in every dataset."""
    ok = np.ones(datasets[0].sizes["run"], dtype=bool)
    for ds in datasets:
        if "status" in ds:
            ok &= ds["status"].values == STATUS_OK
    return ok


def run_quantiles(values: xr.DataArray, ok: np.ndarray,
                  quantiles: Sequence[float] = QUANTILES) -> pd.DataFrame:
    """Quantiles over the usable runs of a [run, year] array: one row per year, one column
    per quantile (NaN where no run is usable)."""
    data = np.asarray(values.transpose("run", "year").values, dtype=float)[ok]
    years = values["year"].values
    if data.shape[0] == 0:
        table = np.full((years.size, len(quantiles)), np.nan)
    else:
        table = np.quantile(data, quantiles, axis=0).T
    return pd.DataFrame(table, index=pd.Index(years, name="year"),
                        columns=[f"p{round(100 * q):02d}" for q in quantiles])


def paired_difference(factual: xr.DataArray, counterfactual: xr.DataArray) -> xr.DataArray:
    """factual - counterfactual, run by run ([run, year])."""
    difference = factual - counterfactual
    difference.attrs = {
        "units": factual.attrs.get("units", ""),
        "description": "factual minus counterfactual history, run by run (paired worlds)",
    }
    return difference
