"""The model's limits, stated in the brief (counted from the code and data where possible)."""

from __future__ import annotations

import importlib.util

import numpy as np
import xarray as xr

from cartelsim.params.catalogue import CATALOGUE
from cartelsim.report.world import Setup


def homicide_caveat(setup: Setup, status_quo: xr.Dataset) -> str:
    """What the model's homicide numbers mean, shown beside every table that has them."""
    text = ("What the homicide numbers mean: members killed in conflict between groups, "
            "turned into national homicides by fixed ratios (victim_member_share, "
            "homicide_share_of_victims in the parameter catalogue). They are not a forecast "
            "of what INEGI will register; read them as changes against the status quo in the "
            "same worlds.")
    series = setup.system.national_series
    if "homicides" in getattr(series, "columns", ()):
        observed = series["homicides"].dropna()
        if len(observed):
            year = int(observed.index.max())
            model = float(status_quo["homicides"].isel(time=slice(1, 53)).sum("time")
                          .median("run"))
            text += (f" The status quo implies about {model:,.0f} homicides in its first "
                     f"year, against {observed.loc[year]:,.0f} registered by INEGI in {year}: "
                     "levels are not comparable, relative changes are.")
    return text


def limits(setup: Setup, status_quo: xr.Dataset, uncertainty: str = "") -> list[str]:
    """Plain sentences a reader must keep in mind, with the numbers behind them."""
    assumed = [s.name for s in CATALOGUE.values() if s.source.lower().startswith("assumption")]
    out = [
        f"{len(assumed)} of the {len(CATALOGUE)} parameters rest on stated assumptions rather "
        "than measurements (marked in each claim's table). The verdicts are what follows from "
        "those assumptions, not forecasts.",
        uncertainty or "The 90 % intervals show the spread over random worlds at the default "
        "parameters.",
        "Each claim's sensitivity analysis moves its parameters one at a time to the ends of "
        "their plausible ranges (Morris screening in full mode explores them together).",
        "The rates are those the Science 2023 paper fitted to 2012-2022; they have not been "
        "re-fitted to the groups of 2025.",
    ]
    synthetic = int(np.sum(setup.system.synthetic))
    if synthetic:
        out.append(f"{synthetic} of the {setup.system.n_groups} groups are a synthetic tail of "
                   "small local groups, generated to match BACRIM 2020's statistics; they are "
                   "not observed groups.")
    out.append(homicide_caveat(setup, status_quo))
    if importlib.util.find_spec("cartelsim.organisation") is None:
        out.append("The organisation engine (L4: members and their network) is not in this "
                   "version; the leadership shock and its recovery are group-level "
                   "assumptions.")
    out += [
        "Territory (the 32 states, routes to the border, tonnes north by crossing) is on in "
        "C5 and C6 only, and uncalibrated: the default split of the flow over crossings does "
        "not match CBP's seizure shares, the supply moved north is set by demand (arrests and "
        "leader removals cannot lower it; seizures can), and U.S. pressure's feedback from "
        "the flow is off until calibrated (docs/territory.md).",
        ("Groups split when their command breaks, and splinters can split again (the "
         "world engine's open fragmentation); how often rests on the split parameters."
         if "open fragmentation" in str(status_quo.attrs.get("mechanisms", "")) else
         "A group splits at most once per run, and only groups whose leaders an "
         "intervention may remove can split."),
        "The state's policies are inputs: the model does not decide what a government would "
        "do, and it takes no political side.",
    ]
    return out
