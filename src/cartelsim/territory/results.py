"""The territory part of a world run's results: the arrays the step writes into, and the
labelled variables made from them.

Contract (issue 14): a `state` dimension with INEGI codes "01".."32" and

* ``state_deaths (run, time, state)``: members killed in conflict in the state over the week
  ending at the date (`territory.kernel`); sums over states to ``total_deaths``;
* ``flow_north (run, time, crossing)``: tonnes per week that cross into the U.S. at each
  crossing (node ids of data/territory), after ``seized_north`` (tonnes seized there);
* ``state_homicides (run, time, state)``: people per week, the observation model applied per
  state: organised-crime homicides = state_deaths / victim_member_share x
  homicide_share_of_victims (as the national ``homicides``), plus the homicides unrelated to
  organised crime, ``baseline_homicides`` per year (as `record.observation`) spread over the
  states by population (2020 census). It therefore sums over states to ``homicides`` +
  baseline_homicides / 52.18.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from cartelsim.errors import CartelsimError
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.params.catalogue import Params
from cartelsim.system.model import System
from cartelsim.territory.corridors import RouteTable, crackdowns, route_table
from cartelsim.territory.kernel import N_TERRITORY, TP_FLOW_GAIN
from cartelsim.territory.market import DRUGS
from cartelsim.territory.states import StateLayout, state_layout

if TYPE_CHECKING:
    from cartelsim.world.state import WorldRecord

WEEKS_PER_YEAR = 365.25 / 7.0


def drug_supply(params: Params) -> np.ndarray:
    """Tonnes of each drug (market.DRUGS order) a week that reach the crossings: seized
    tonnes a year / seizure share / weeks a year."""
    seized = np.array([params[f"territory_seized_{drug}"] for drug in DRUGS])
    return seized / params["territory_seizure_share"] / WEEKS_PER_YEAR


def drug_prices(params: Params) -> np.ndarray:
    """Wholesale US$ per kg of each drug (market.DRUGS order)."""
    return np.array([params[f"territory_price_{drug}"] for drug in DRUGS])


def territory_vector(params: Params) -> np.ndarray:
    """The kernel's parameters (kernel.TP_*): all drugs' supply in tonnes per week
    (`drug_supply`), then seizure share, crossing cost, dispersion, route violence, then U.S.
    pressure's feedback (territory.pressure), the reference flow north (supply less
    seizures without crackdowns), the control penalty and how often control is re-read, and
    the structural answer's shares for finance and anti-corruption."""
    finance, corruption = (params["state_structural_finance"],
                           params["state_structural_corruption"])
    if finance + corruption > 1.0 + 1e-12:
        raise CartelsimError(f"parameters state_structural_finance ({finance:g}) + "
                             f"state_structural_corruption ({corruption:g}) = "
                             f"{finance + corruption:g}: expected at most 1 (the rest of the "
                             "structural answer is recruitment prevention)")
    supply = float(drug_supply(params).sum())
    reference = supply * (1.0 - params["territory_seizure_share"])  # flow north, no crackdown
    vector = np.array([supply, params["territory_seizure_share"],
                       params["territory_crossing_cost"], params["territory_route_dispersion"],
                       params["territory_route_violence"], params["us_pressure_flow_gain"],
                       params["us_pressure_response_weeks"], params["state_visible_weight"],
                       params["pressure_structural_gain"], reference,
                       params["territory_control_penalty"], params["territory_control_weeks"],
                       params["state_structural_finance"], params["state_structural_corruption"]])
    assert vector.size == N_TERRITORY
    return vector


@dataclass(frozen=True)
class TerritoryInputs:
    """What a territorial run needs besides the System: presence, routes, the crackdown
    factor per week and crossing, and the kernel's parameters."""

    states: StateLayout
    routes: RouteTable
    factors: np.ndarray  # [week, crossing]
    vector: np.ndarray
    supply: np.ndarray  # [drug] tonnes a week
    prices: np.ndarray  # [drug] US$ per kg
    route_extra: np.ndarray  # [week, route] km-equivalents from segment crackdowns

    @classmethod
    def make(cls, system: System, params: Params, interventions: Sequence[InterventionSpec],
             start: pd.Timestamp, weeks: int, source: str) -> TerritoryInputs:
        states = state_layout(system, params)
        routes = route_table(params, states.codes)
        cracked = crackdowns(system, params, interventions, start, weeks, routes, source)
        return cls(states, routes, cracked.crossing, territory_vector(params),
                   drug_supply(params), drug_prices(params), cracked.route_extra)


def kernel_arrays(inputs: TerritoryInputs | None,
                  out: WorldRecord) -> tuple[np.ndarray, ...]:
    """The tuple the world step reads (kernel.territory_week unpacks it); empty arrays when
    territory is off (the step then skips its sub-step). U.S. pressure's feedback state
    starts where the flow north at its reference level drives it (us_pressure_flow_gain)."""
    if inputs is None:
        none_f, none_i = np.zeros(0), np.zeros(0, dtype=np.int64)
        return (np.zeros((0, 0)), np.zeros(1, dtype=np.int64), none_i, none_f, none_i, none_i,
                none_i, none_f, np.zeros(1, dtype=np.int64), none_i, np.zeros((0, 0)),
                np.zeros((0, 0, 0)), np.zeros((0, 0, 0, 0)), np.zeros((0, 0, 0, 0)),
                np.zeros((0, 0)), none_f, none_f, np.zeros((0, 0)), np.zeros((0, 0)),
                np.zeros((0, 0)), np.zeros((0, 0)))
    s, k = inputs.states, inputs.routes
    out.us_pressure_state[:, 0] = inputs.vector[TP_FLOW_GAIN]
    return (s.presence, s.ptr, s.cols, inputs.vector, k.origin_state, k.cand_origin,
            k.cand_crossing, k.cand_km, k.state_ptr, k.state_idx, inputs.factors,
            out.state_deaths, out.drug_north, out.drug_seized, out.us_pressure_state,
            inputs.supply, inputs.prices, k.origin_drugs, k.onward_km, k.region_demand,
            inputs.route_extra)


def _weekly(ds: xr.Dataset, values: np.ndarray) -> np.ndarray:
    """NaN at the first date (no week has ended) and where the run failed."""
    values = values.copy()
    values[:, 0] = np.nan
    failed = np.isnan(ds["total_deaths"].values)  # [run, time]
    failed = failed.reshape(failed.shape + (1,) * (values.ndim - 2))
    values[np.broadcast_to(failed, values.shape)] = np.nan
    return values


def add_territory(ds: xr.Dataset, inputs: TerritoryInputs, out: WorldRecord,
                  params: Params) -> xr.Dataset:
    """Add the state and crossing coordinates and the territory variables to `ds`."""
    layout = inputs.states
    deaths = _weekly(ds, out.state_deaths)
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
    ds = ds.assign_coords(crossing=list(inputs.routes.crossing_ids), drug=list(DRUGS))
    for name, values, what in (
            ("flow_north", out.drug_north, "that crossed into the U.S. at the crossing"),
            ("seized_north", out.drug_seized, "seized at the crossing")):
        by_drug = _weekly(ds, values)  # [run, time, drug, crossing]
        ds[f"{name}_by_drug"] = (("run", "time", "drug", "crossing"), by_drug)
        ds[f"{name}_by_drug"].attrs.update(
            units="tonnes per week", description=f"tonnes of each drug {what} over the week "
            "ending at the date (cartelsim.territory.kernel)")
        ds[name] = (("run", "time", "crossing"), by_drug.sum(axis=2))
        ds[name].attrs.update(units="tonnes per week", description=f"drugs {what} over the "
                              "week ending at the date, all drugs (cartelsim.territory.kernel)")
    ds["crackdown_factor"] = (("time", "crossing"),
                              np.vstack([inputs.factors, inputs.factors[-1:]]))
    ds["crackdown_factor"].attrs.update(
        units="cost multiplier", description="crossing_crackdown factor in the week starting "
        "at the date (1 = none)")
    pressure = out.us_pressure_state.copy()
    pressure[np.isnan(ds["total_deaths"].values)] = np.nan
    pressure[:, 0] = out.us_pressure_state[:, 0]
    ds["us_pressure_state"] = (("run", "time"), pressure)
    ds["us_pressure_state"].attrs.update(
        units="pressure u", description="U.S. pressure's feedback state at the date, driven "
        "by the flow north (territory.pressure); scheduled us_pressure comes on top")
    ds["state_rival_pairs"] = (("state",), layout.rival_pairs)
    ds["state_rival_pairs"].attrs.update(
        units="pairs of groups", description="contested state: pairs of rival base groups "
        "both present in it at the start (territory.states)")
    return ds
