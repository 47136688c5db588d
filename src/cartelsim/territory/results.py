"""The territory part of a world run's results: the arrays the step writes into, and the
labelled variables made from them.

Contract (issue 14): a `state` dimension with INEGI codes "01".."32" and

* ``state_deaths (run, time, state)``: members killed in conflict in the state over the week
  ending at the date (`territory.kernel`); sums over states to ``total_deaths``;
* ``state_homicides (run, time, state)``: people per week, the observation model applied per
  state: organised-crime homicides = state_deaths / victim_member_share x
  homicide_share_of_victims (as the national ``homicides``), plus the homicides unrelated to
  organised crime, ``baseline_homicides`` per year (as `record.observation`) spread over the
  states by population (2020 census). It therefore sums over states to ``homicides`` +
  baseline_homicides / 52.18.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from cartelsim.params.catalogue import Params
from cartelsim.territory.states import StateLayout

WEEKS_PER_YEAR = 365.25 / 7.0


def kernel_arrays(layout: StateLayout | None,
                  state_deaths: np.ndarray) -> tuple[np.ndarray, ...]:
    """The tuple the world step reads (presence, ptr, cols, state_deaths); empty arrays when
    territory is off (the step then skips its sub-step)."""
    if layout is None:
        return (np.zeros((0, 0)), np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64),
                np.zeros((0, 0, 0)))
    return (layout.presence, layout.ptr, layout.cols, state_deaths)


def add_territory(ds: xr.Dataset, layout: StateLayout, state_deaths: np.ndarray,
                  params: Params) -> xr.Dataset:
    """Add the state coordinate, ``state_deaths`` and ``state_homicides`` to `ds`."""
    deaths = state_deaths.copy()
    deaths[:, 0, :] = np.nan  # no week has ended at the first date (as total_deaths)
    failed = np.isnan(ds["total_deaths"].values)
    deaths[np.broadcast_to(failed[:, :, None], deaths.shape)] = np.nan
    ds = ds.assign_coords(state=list(layout.codes),
                          state_name=("state", list(layout.names)),
                          state_population=("state", layout.population))
    ds["state_deaths"] = (("run", "time", "state"), deaths)
    ds["state_deaths"].attrs.update(
        units="members per week", description="members killed in conflict in the state over "
        "the week ending at the date: each group's deaths go to the states where it meets its "
        "rivals (cartelsim.territory.kernel)")
    organised = deaths / params["victim_member_share"] * params["homicide_share_of_victims"]
    baseline = params["baseline_homicides"] / WEEKS_PER_YEAR * layout.population_share
    ds["state_homicides"] = (("run", "time", "state"), organised + baseline[None, None, :])
    ds["state_homicides"].attrs.update(
        units="people per week", description="homicides in the state over the week ending at "
        "the date: its conflict deaths through the observation model, plus baseline_homicides "
        "spread by population (cartelsim.territory.results)")
    ds["state_rival_pairs"] = (("state",), layout.rival_pairs)
    ds["state_rival_pairs"].attrs.update(
        units="pairs of groups", description="contested state: pairs of rival base groups "
        "both present in it at the start (territory.states)")
    return ds
