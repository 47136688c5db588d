"""The model's limits, stated in the brief (counted from the code and data where possible)."""

from __future__ import annotations

import importlib.util

import numpy as np
import xarray as xr

from cartelsim.analysis import flow
from cartelsim.params.catalogue import CATALOGUE
from cartelsim.report.world import Setup


def limits(setup: Setup, status_quo: xr.Dataset) -> list[str]:
    """Plain sentences a reader must keep in mind, with the numbers behind them."""
    assumed = [s.name for s in CATALOGUE.values() if s.source.lower().startswith("assumption")]
    out = [
        f"{len(assumed)} of the {len(CATALOGUE)} parameters rest on stated assumptions rather "
        "than measurements (marked in each claim's table). The verdicts are what follows from "
        "those assumptions, not forecasts.",
        "The 90 % intervals show the spread over random worlds at the default parameters. "
        "Uncertainty about the parameters themselves is explored only in each claim's "
        "sensitivity analysis, one parameter at a time unless Morris screening is shown.",
        "The rates are those the Science 2023 paper fitted to 2012-2022; they have not been "
        "re-fitted to the groups of 2025.",
    ]
    synthetic = int(np.sum(setup.system.synthetic))
    if synthetic:
        out.append(f"{synthetic} of the {setup.system.n_groups} groups are a synthetic tail of "
                   "small local groups, generated to match BACRIM 2020's statistics; they are "
                   "not observed groups.")
    series = setup.system.national_series
    if "homicides" in getattr(series, "columns", ()):
        observed = series["homicides"].dropna()
        if len(observed):
            year = int(observed.index.max())
            model = float(status_quo["homicides"].isel(time=slice(1, 53)).sum("time")
                          .median("run"))
            out.append(f"Observation model: the status quo implies about {model:,.0f} "
                       f"homicides in its first year, against {observed.loc[year]:,.0f} "
                       f"registered by INEGI in {year}; read homicide numbers as relative "
                       "changes, not levels.")
    if importlib.util.find_spec("cartelsim.organisation") is None:
        out.append("The organisation engine (L4: members and their network) is not in this "
                   "version; the leadership shock and its recovery are group-level "
                   "assumptions.")
    out += [
        "There is no territory and no trafficking routes: the model cannot show violence "
        "moving along routes or traffic displaced by interdiction. " + flow.LIMITS,
        "A group splits at most once per run, and only groups whose leaders an intervention "
        "may remove can split.",
        "The state's policies are inputs: the model does not decide what a government would "
        "do, and it takes no political side.",
    ]
    return out
