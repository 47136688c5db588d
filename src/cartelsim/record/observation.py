"""From the model's violence to what is counted: the observed series of a replay.

The engines' `homicides` (``engines.observation``) are the victims implied by members killed
in conflict (deaths / victim_member_share x homicide_share_of_victims). Nobody counts those
alone. This module adds, beside them and without changing them, the series the record can be
compared with:

* ``homicides_organised_crime``: the same victims, named for what they are here: homicides
  of organised-crime conflict (no official series counts them; estimates of the share exist,
  EVIDENCE F32);
* ``homicides_baseline``: homicides unrelated to organised crime (catalogue
  ``baseline_homicides``, people per year, spread evenly over the weeks);
* ``homicides_inegi``: the sum of both, comparable to INEGI's registered homicides
  (``national_homicides()["inegi_registered"]``, EVIDENCE F32);
* ``victims_sesnsp``: ``sesnsp_inegi_ratio`` x ``homicides_inegi``, comparable to SESNSP
  victims of intentional homicide (``national_homicides()["sesnsp_victims"]``);
* ``missing_persons``: the disappearances implied by the same deaths, comparable to the
  yearly growth of the RNPDNO count of people still missing (EVIDENCE F34).

Every added variable names the series it is comparable to in its ``comparable_to`` attribute.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from cartelsim.params.catalogue import Params

WEEKS_PER_YEAR = 365.25 / 7.0

COMPARABLE = {
    "homicides_organised_crime": (
        "no official series; estimates of the organised-crime share of homicides (about 6 in "
        "10 in 2016, Semaforo Delictivo/Lantia; EVIDENCE F32)"),
    "homicides_baseline": "no official series (homicides unrelated to organised crime)",
    "homicides_inegi": (
        "INEGI registered homicides (death records, by year of registration): "
        "cartelsim.record.national_homicides()['inegi_registered'], EVIDENCE F32"),
    "victims_sesnsp": (
        "SESNSP victims of intentional homicide (homicidio doloso + feminicidio): "
        "cartelsim.record.national_homicides()['sesnsp_victims']"),
    "missing_persons": (
        "yearly growth of the RNPDNO count of people still missing, about 8,000-11,000 a year "
        "in 2022-2025 (EVIDENCE F34)"),
}
OBSERVED = tuple(COMPARABLE)


def add_observed_series(ds: xr.Dataset, params: Params) -> xr.Dataset:
    """Add the observed national series (people per week, shape [run, time]) to `ds`.

    Needs ``total_deaths`` (members killed per week); the first date, where flows are NaN,
    stays NaN. Returns `ds` with the variables of `OBSERVED` added; `homicides` and
    `disappearances` are left as they are.
    """
    victims = ds["total_deaths"] / params["victim_member_share"]
    share = params["homicide_share_of_victims"]
    organised = victims * share
    weekly_baseline = params["baseline_homicides"] / WEEKS_PER_YEAR
    baseline = xr.full_like(organised, weekly_baseline).where(organised.notnull())
    inegi = organised + baseline
    series = {
        "homicides_organised_crime": (organised, (
            "homicides of organised-crime conflict: members killed / victim_member_share x "
            "homicide_share_of_victims (equal to `homicides`)")),
        "homicides_baseline": (baseline, (
            "homicides unrelated to organised crime: baseline_homicides / 52.18 each week")),
        "homicides_inegi": (inegi, (
            "homicides as INEGI registers them: organised-crime homicides plus the baseline")),
        "victims_sesnsp": (inegi * params["sesnsp_inegi_ratio"], (
            "victims of intentional homicide as SESNSP counts them: sesnsp_inegi_ratio x "
            "the INEGI-comparable homicides")),
        "missing_persons": (victims * (1.0 - share), (
            "people disappeared by organised-crime conflict: members killed / "
            "victim_member_share x (1 - homicide_share_of_victims); no baseline")),
    }
    for name, (values, description) in series.items():
        ds[name] = values
        ds[name].attrs = {
            "units": "people per week",
            "description": f"{description}, over the week ending at the date",
            "comparable_to": COMPARABLE[name],
        }
    return ds


def annual(ds: xr.Dataset, name: str) -> xr.DataArray:
    """A weekly flow summed by calendar year of the week's end: shape [run, year].

    The first date, whose flows are NaN, counts as zero. The last year holds only the weeks
    simulated (a replay to mid-2026 gives half of 2026).
    """
    values = ds[name].fillna(0.0)
    totals = values.groupby("time.year").sum("time")
    totals.attrs = {**ds[name].attrs, "units": "people per year"}
    return totals


def year_end(ds: xr.Dataset, name: str) -> xr.DataArray:
    """A stock at the last simulated date of each calendar year: shape [run, year]."""
    years = ds["time"].dt.year.values
    last = np.flatnonzero(np.r_[years[1:] != years[:-1], True])
    picked = ds[name].isel(time=last)
    return picked.assign_coords(year=("time", years[last])).swap_dims(time="year") \
        .drop_vars(["time", "week"], errors="ignore")
