"""Stage 2 of the calibration: the territory fitted to the state record, the national
posterior held fixed.

The replay of 2007 (`record.replay`, world engine) runs with territory on, every parameter
of the national posterior at its median (`load_posterior().median()`, stage 1, `cartelsim
calibrate history`), and the territory parameters of `FITTED` free. Territory moves deaths
between states and does not change the national series (the allocation adds up to L1's
deaths), so stage 1 is unaffected by stage 2 and the two fits can be made one after the
other.

Targets, compared on the log scale:

* **state shares**: each state's share of the national SESNSP homicide victims, per year
  2015..min(`until`, 2018) (the packaged `sesnsp_state_year.csv`; Oaxaca's missing months of
  2015 and 2016 scaled up by the months it has), against the replay's ``state_homicides``
  summed by calendar year;
* **INEGI state-year points**: a state's INEGI registered homicides over the national INEGI
  count of the year, for the 91 points published pages give (22 states, 2015-2024, no 2017;
  `inegi_state_year.csv`), up to `until`, against the same replay shares. They share the
  state block's discrepancy (both are a state's share of the nation's homicides; INEGI
  counts deaths by place of occurrence, SESNSP victims in prosecutors' files);
* **crossing shares**: the share of the flow north through the ports of two CBP field
  offices, San Diego and Laredo (`OFFICE_SHARES`), against the replay's ``flow_north``
  summed over 2019-2022 and grouped by the ``cbp_field_office`` of nodes.csv. With no
  crackdown every crossing seizes the same share, so the model's shares of seizures equal its
  shares of the flow.

The likelihood is `record_fit`'s Gaussian synthetic likelihood (Wood 2010): mean and variance
over `RUNS_PER_POINT` paired replays with fixed seeds, plus a fitted model discrepancy per
block (`NUISANCE`, log-uniform on `SIGMA_BOUNDS`) and, for the crossing shares, the fixed
spread of the CBP figures. Sampled with `record_fit.sample_ensemble` (emcee).

Left out on purpose: ``territory_route_violence`` and ``territory_crossing_cost`` act only
through crackdowns at crossings (`territory.kernel`: the diverted traffic, and a cost that
is the same at every crossing until a crackdown multiplies it); the replay has none, so the
state record cannot inform them (a test checks that they do not move the replay's states).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from cartelsim.calibration.posterior import load_posterior
from cartelsim.calibration.record_fit import (
    SIGMA_BOUNDS,
    EnsembleRun,
    Progress,
    Space,
    _normal_loglik,
    sample_ensemble,
    world_seed,
)
from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import CATALOGUE
from cartelsim.record.events import load_events
from cartelsim.record.observed import national_homicides
from cartelsim.record.replay import build_replay, run_replay
from cartelsim.system.csvtable import read_data_file, read_table
from cartelsim.territory.network import NODE_COLUMNS
from cartelsim.territory.observed import (
    FULL_YEARS,
    INEGI_YEARS,
    read_inegi_state_year,
    read_state_year,
)

FITTED = ("territory_presence_other", "territory_presence_spread", "territory_route_dispersion",
          "territory_us_km_weight", "territory_control_penalty")
NOT_FITTED = ("territory_route_violence", "territory_crossing_cost")  # need crackdowns
NUISANCE = ("sigma_states", "sigma_crossings")
RUNS_PER_POINT = 4  # paired replays per point: a mean and a variance at ~0.2 s a point
FIRST_YEAR = FULL_YEARS[0]
CROSSING_YEARS = (2019, 2022)  # the fiscal years of the CBP office figures (market.csv)
Z90 = 1.6448536269514722
# 90 % intervals of a field office's share of drugs seized at southwest-border ports, read
# off market.csv (methamphetamine, cocaine and fentanyl mix as the model's supply):
# San Diego: 63 % of methamphetamine (FY2019), 54 % of fentanyl and 58 % of
#   methamphetamine (FY2022), 61 % of methamphetamine and 48 % of cocaine (office and
#   sector since FY2020) -> 0.48-0.63;
# Laredo: 30,400 lb of 148,700 lb methamphetamine (FY2022; the total from San Diego's
#   86,227 lb = 58 %) = 20 %, cocaine 10,243 of 58,600 lb = 17.5 %, 23 % of
#   methamphetamine and 34 % of cocaine (office and Rio Grande Valley sector since FY2020)
#   -> 0.17-0.34. Fentanyl (2 % at Laredo, FY2022) is a small part of the tonnes.
# Tucson and El Paso are left free: the rows give Tucson's fentanyl only (36-60 %).
# Field offices (nodes.csv cbp_field_office): San Diego = San Ysidro, Otay Mesa, Tecate,
# Calexico and Andrade plus San Diego's air and sea ports (CBP release of 9 Feb 2011,
# https://www.cbp.gov/newsroom/local-media-release/busy-weekend-cbp-officers-san-diego-imperial-counties),
# so Tijuana and Mexicali; Laredo = the eight ports from Del Rio to Brownsville (nodes.csv).
OFFICE_SHARES = {"San Diego": (0.48, 0.63), "Laredo": (0.17, 0.34)}


@dataclass(frozen=True)
class TerritoryTargets:
    """Observed log shares: states [year, state] and field offices [office], with the
    fixed measurement spread of the office shares (log scale, from the 90 % intervals)."""

    years: tuple[int, ...]  # SESNSP years
    states: tuple[str, ...]
    log_state_shares: np.ndarray  # [year, state]
    offices: tuple[str, ...]
    log_office_shares: np.ndarray  # [office]
    office_sd: np.ndarray  # [office]
    until: int
    inegi_points: tuple[tuple[int, str], ...] = ()  # (year, state code)
    log_inegi_shares: np.ndarray = field(default_factory=lambda: np.zeros(0))  # [point]

    @property
    def inegi_years(self) -> tuple[int, ...]:
        return tuple(sorted({year for year, _ in self.inegi_points}))

    @property
    def count(self) -> int:
        return int(self.log_state_shares.size + self.log_office_shares.size
                   + self.log_inegi_shares.size)

    def describe(self) -> dict[str, str]:
        """The data fitted, for the posterior's metadata."""
        return {
            "state_shares": (f"each state's share of national SESNSP homicide victims "
                             f"(homicidio doloso + feminicidio), {self.years[0]}-{self.years[-1]} "
                             "(cartelsim/data/territory/sesnsp_state_year.csv)"),
            "inegi_points": (f"{len(self.inegi_points)} INEGI state-year counts over the "
                             f"national INEGI count, {self.inegi_years[0]}-"
                             f"{self.inegi_years[-1]} (cartelsim/data/territory/"
                             "inegi_state_year.csv, each row citing its page)"
                             if self.inegi_points else "none up to --until"),
            "crossing_shares": ("share of drugs seized at the ports of CBP field offices "
                                + ", ".join(f"{o} {lo:.0%}-{hi:.0%}" for o, (lo, hi)
                                            in OFFICE_SHARES.items())
                                + " (market.csv, FY2019-FY2022), against the flow north "
                                f"{CROSSING_YEARS[0]}-{CROSSING_YEARS[1]} by field office "
                                "(nodes.csv cbp_field_office)"),
        }


def observed_state_years(table: pd.DataFrame | None = None,
                         years: tuple[int, ...] = FULL_YEARS) -> pd.DataFrame:
    """SESNSP victims per state (rows, codes) and year (columns), a state-year with missing
    months scaled to 12 (as `territory.validation.observed_by_year`)."""
    table = read_state_year() if table is None else table
    rows = table[table["year"].isin(years)]
    victims = rows["homicide_victims"] * 12.0 / rows["months"]
    return victims.groupby([rows["state_code"], rows["year"]]).sum().unstack("year")


def territory_targets(until: int = INEGI_YEARS[-1]) -> TerritoryTargets:
    """The observed shares from 2015 to `until` (SESNSP to 2018 at most).

    Raises:
        CartelsimError: `until` outside 2015-2024 (the years of the state counts shipped).
    """
    if not INEGI_YEARS[0] <= until <= INEGI_YEARS[-1]:
        raise CartelsimError(f"--until must be a year from {INEGI_YEARS[0]} to "
                             f"{INEGI_YEARS[-1]} (SESNSP state counts 2015-2018, INEGI state "
                             f"points to 2024), got {until}")
    years = tuple(y for y in FULL_YEARS if y <= until)
    by_year = observed_state_years(years=years)
    shares = (by_year / by_year.sum(axis=0)).T  # [year, state]
    low = np.log([lo for lo, _ in OFFICE_SHARES.values()])
    high = np.log([hi for _, hi in OFFICE_SHARES.values()])
    points, log_points = inegi_point_shares(until)
    return TerritoryTargets(
        years=years, states=tuple(by_year.index), log_state_shares=np.log(shares.to_numpy()),
        offices=tuple(OFFICE_SHARES), log_office_shares=(low + high) / 2,
        office_sd=(high - low) / 2 / Z90, until=until, inegi_points=points,
        log_inegi_shares=log_points)


def inegi_point_shares(until: int) -> tuple[tuple[tuple[int, str], ...], np.ndarray]:
    """The INEGI state-year points up to `until` and their log shares of the national
    INEGI count of their year (`record.observed.national_homicides`)."""
    table = read_inegi_state_year()
    table = table[table["year"] <= until].sort_values(["year", "state_code"])
    national = national_homicides()["inegi_registered"]
    shares = table["homicides"].to_numpy() / national.loc[table["year"]].to_numpy()
    points = tuple(zip(table["year"].astype(int), table["state_code"], strict=True))
    return points, np.log(shares)


def crossing_offices() -> dict[str, str]:
    """Crossing node id -> CBP field office (nodes.csv, cbp_field_office)."""
    def read(path: Path) -> dict[str, str]:
        return {row.text("id"): row.text("cbp_field_office")
                for row in read_table(path, NODE_COLUMNS) if row.text("kind") == "crossing"}
    return read_data_file("territory", None, "nodes.csv", read)


@dataclass(frozen=True)
class TerritorySummaries:
    """Simulated log shares, one row per run."""

    log_state_shares: np.ndarray  # [run, year, state]
    log_office_shares: np.ndarray  # [run, office]
    log_inegi_shares: np.ndarray  # [run, point]


def state_year_shares(ds: xr.Dataset, years: tuple[int, ...], states: tuple[str, ...]
                      ) -> np.ndarray:
    """Each state's share of the replay's homicides by calendar year: [run, year, state]."""
    values = ds["state_homicides"].sel(state=list(states)).transpose(
        "run", "time", "state").to_numpy()
    year_of = ds["time"].dt.year.to_numpy()
    sums = np.stack([np.nansum(values[:, year_of == y], axis=1) for y in years], axis=1)
    return sums / sums.sum(axis=2, keepdims=True)


def office_shares(ds: xr.Dataset, offices: tuple[str, ...],
                  flow: xr.DataArray | None = None) -> np.ndarray:
    """Share of the flow north (or of `flow`, one drug's) through each office's crossings
    over `CROSSING_YEARS`: [run, office]."""
    office_of = crossing_offices()
    flow = ds["flow_north"] if flow is None else flow
    flow = flow.sel(time=slice(f"{CROSSING_YEARS[0]}-01-01", f"{CROSSING_YEARS[1]}-12-31"))
    totals = flow.sum("time", skipna=True).transpose("run", "crossing")
    labels = [office_of[str(c)] for c in totals["crossing"].values]
    by = np.stack([totals.to_numpy()[:, [lab == o for lab in labels]].sum(axis=1)
                   for o in offices], axis=1)
    return by / totals.to_numpy().sum(axis=1, keepdims=True)


def summarise_territory(ds: xr.Dataset, targets: TerritoryTargets) -> TerritorySummaries:
    runs = ds.sizes["run"]
    inegi = np.zeros((runs, 0))
    if targets.inegi_points:
        years = targets.inegi_years
        shares = state_year_shares(ds, years, targets.states)  # of all 32 states
        column = {code: k for k, code in enumerate(targets.states)}
        inegi = np.stack([shares[:, years.index(y), column[code]]
                          for y, code in targets.inegi_points], axis=1)
    with np.errstate(divide="ignore"):
        return TerritorySummaries(
            log_state_shares=np.log(state_year_shares(ds, targets.years, targets.states)),
            log_office_shares=np.log(office_shares(ds, targets.offices)),
            log_inegi_shares=np.log(inegi))


def territory_loglik(summaries: TerritorySummaries, targets: TerritoryTargets,
                     sigma_states: float, sigma_crossings: float) -> float:
    """Gaussian synthetic log-likelihood of the observed shares (-inf if undefined)."""
    runs = summaries.log_state_shares.shape[0]
    total = _normal_loglik(targets.log_state_shares.ravel(),
                           summaries.log_state_shares.reshape(runs, -1), sigma_states)
    if targets.log_inegi_shares.size:
        total += _normal_loglik(targets.log_inegi_shares, summaries.log_inegi_shares,
                                sigma_states)
    extra = np.hypot(targets.office_sd, sigma_crossings)
    mean = summaries.log_office_shares.mean(axis=0)
    variance = summaries.log_office_shares.var(axis=0, ddof=1) + extra ** 2
    total += float(np.sum(-0.5 * (targets.log_office_shares - mean) ** 2 / variance
                          - 0.5 * np.log(2 * np.pi * variance)))
    return total if math.isfinite(total) else -math.inf


class TerritoryReplay:
    """Territory parameters -> the replay with territory on, national posterior fixed."""

    def __init__(self, seed: int, runs: int = RUNS_PER_POINT,
                 national: Mapping[str, float] | None = None) -> None:
        self.seed = world_seed(seed)
        self.runs = runs
        self.national = dict(load_posterior().median() if national is None else national)
        self.events = load_events()

    def __call__(self, values: Mapping[str, float], runs: int | None = None) -> xr.Dataset:
        setup = build_replay(self.events, runs=runs or self.runs, seed=self.seed,
                             parameters={**self.national, **values}, territory=True)
        return run_replay(setup)


@dataclass(frozen=True)
class TerritoryFit:
    """The chain of the territory fit and what it was run with."""

    space: Space
    targets: TerritoryTargets
    run: EnsembleRun
    budget: int
    runs_per_point: int
    seed: int

    def draws(self, limit: int = 1000) -> pd.DataFrame:
        """Post-burn-in draws in parameter units (sigmas included), thinned evenly."""
        kept = self.run.chain[self.run.burn:].reshape(-1, self.space.dim)
        if kept.shape[0] > limit:
            kept = kept[np.linspace(0, kept.shape[0] - 1, limit).round().astype(int)]
        return pd.DataFrame(self.space.values(kept),
                            columns=[*self.space.names, *self.space.nuisance])


def fit_territory(*, budget: int, seed: int = 0, until: int = INEGI_YEARS[-1],
                  names: tuple[str, ...] = FITTED, runs_per_point: int = RUNS_PER_POINT,
                  progress: Progress | None = None) -> TerritoryFit:
    """Sample the posterior of `names` given the state shares and INEGI points 2015..`until`
    and the CBP office shares. `budget` counts parameter points; same seed, same chain."""
    for name in names:
        if name not in CATALOGUE:
            raise CartelsimError(f"{name!r} is not a catalogue parameter")
    targets = territory_targets(until)
    space = Space(tuple(names), NUISANCE)
    replay = TerritoryReplay(seed, runs_per_point)
    k = len(names)

    def log_likelihood(values: np.ndarray) -> float:
        try:
            ds = replay(dict(zip(names, map(float, values[:k]), strict=True)))
        except CartelsimError:
            return -math.inf
        return territory_loglik(summarise_territory(ds, targets), targets,
                                float(values[k]), float(values[k + 1]))

    run = sample_ensemble(space, log_likelihood, budget=budget, seed=seed, progress=progress)
    return TerritoryFit(space, targets, run, budget, runs_per_point, seed)


__all__ = ["CROSSING_YEARS", "FITTED", "NOT_FITTED", "NUISANCE", "OFFICE_SHARES",
           "RUNS_PER_POINT", "SIGMA_BOUNDS", "TerritoryFit", "TerritoryReplay",
           "TerritoryTargets", "fit_territory", "office_shares", "observed_state_years",
           "state_year_shares", "summarise_territory", "territory_loglik", "territory_targets"]
