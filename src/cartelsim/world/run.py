"""`run_world`: the world engine's driver, from a System (or a Scenario) to a Dataset.

It compiles the interventions (`schedule`), lays out the per-run state (`state`), and calls
the compiled step (`step.world_batch`) once for the whole horizon. A run that needs more
room for splinters pauses before its splits; the driver doubles the group axis for the
batch and calls again, until every run has finished or failed. Runs are simulated in
chunks of `chunk` runs; neither the chunk, the batch, the capacity nor the thread count
changes a number (each run reads only its own rows and its own keyed draws).

    >>> ds = run_world(system, weeks=520, engine="stochastic", runs=100, seed=1,
    ...                interventions=[...])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
import xarray as xr

from cartelsim.engines.kernels import STATUS_MESSAGES
from cartelsim.engines.observation import add_observations
from cartelsim.engines.results import build_dataset
from cartelsim.engines.simulate import ENGINES, Progress, initial_members
from cartelsim.errors import CartelsimError
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.mechanisms.finance import Finance
from cartelsim.mechanisms.leadership import LOSS_PARAMETER
from cartelsim.params.catalogue import Params
from cartelsim.scenarios.guards import check_memory, flag_non_finite_runs
from cartelsim.scenarios.schema import Scenario
from cartelsim.system.model import System
from cartelsim.territory.market import DRUGS
from cartelsim.territory.results import TerritoryInputs, add_territory, kernel_arrays
from cartelsim.world import step
from cartelsim.world.params import N_FINANCE, N_PARAMS
from cartelsim.world.quiet import is_quiet, quiet_batch, quiet_serial
from cartelsim.world.rng import run_keys
from cartelsim.world.schedule import EffectArrays, compile_interventions
from cartelsim.world.state import WorldRecord, WorldState

# Catalogue names of the step's parameter vector, in the order of step.P_*.
PARAM_ORDER = (
    "recruitment_rate", "incapacitation", "conflict_lethality", "saturation",
    "integrity_recovery", "conflict_sensitivity", "recruitment_coordination",
    "succession_clarity", "settled_loss_factor", "split_hazard", "split_exponent",
    "split_fraction", "split_min_members", "splinter_rivalry", "splinter_integrity",
    "pressure_arrest_gain", "pressure_hvt_rate", "visibility_exponent", "group_end_members",
    "group_capacity_max", "succession_consolidated", "entry_rate", "entry_members",
    "entrant_rivalry",
)
assert len(PARAM_ORDER) == N_PARAMS
# Catalogue names of the finance vector after its two switches (step.F_*).
FINANCE_ORDER = ("drug_market_value", "market_share_exponent", "member_wage", "bribe_share",
                 "reserve_weeks", "payroll_weeks", "freeze_reversal", "protection_gain",
                 "protection_bribe_half", "protection_decay", "operating_cost_share")
assert len(FINANCE_ORDER) + 2 == N_FINANCE

STATUS_CAPACITY_MESSAGE = ("the run needed more groups than group_capacity_max; it stopped at "
                           "the week of that split")
WORLD_STATUS_MESSAGES = {**STATUS_MESSAGES, step.STATUS_CAPACITY: STATUS_CAPACITY_MESSAGE}
# The operation U.S. pressure drives is a capture (as mechanisms.world.PRESSURE_OPERATION).
PRESSURE_KIND = "captured"
DEFAULT_CHUNK = 4096
# What a run keeps: every group's series, members and deaths per lineage (what the record's
# summaries read, calibration.record_summaries), or national totals only.
RECORDS = ("groups", "lineages", "totals")


BaseStructure = tuple  # (indptr, indices, weights, n_base, alliance strength)


def base_structure(system: System) -> BaseStructure:
    """The base rivalry graph as CSR arrays (sorted columns), the number of base groups and
    their alliance strength s^A: what the step reads from the System."""
    rivalry = sp.csr_array(system.rivalry, dtype=np.float64)
    rivalry.sort_indices()
    return (rivalry.indptr.astype(np.int64), rivalry.indices.astype(np.int64),
            rivalry.data.astype(np.float64), np.int64(system.n_groups),
            system.alliance_strength)


def parameter_vector(params: Params) -> np.ndarray:
    """The step's parameters, float64 [step.N_PARAMS], from catalogue names."""
    return np.array([params[name] for name in PARAM_ORDER], dtype=np.float64)


def finance_vector(params: Params, money: bool, protection: bool) -> np.ndarray:
    """The finance switches and parameters, float64 [step.N_FINANCE]."""
    return np.array([float(money), float(protection)]
                    + [params[name] for name in FINANCE_ORDER], dtype=np.float64)


def run_world(
    system: System,
    params: Params | None = None,
    *,
    interventions: Sequence[InterventionSpec] = (),
    weeks: int = 520,
    runs: int = 1,
    engine: str = "deterministic",
    seed: int = 0,
    start: str | pd.Timestamp = "2012-01-01",
    initial: str | np.ndarray = "auto",
    record: str = "groups",
    capacity: int | None = None,
    chunk: int = DEFAULT_CHUNK,
    first_run: int = 0,
    progress: Progress | None = None,
    source: str = "interventions",
    money: bool = False,
    protection: bool = False,
    territory: bool = False,
) -> xr.Dataset:
    """Simulate `runs` worlds on `system` with open-ended fragmentation.

    Args are those of `engines.simulate.simulate`, plus `interventions` (validated specs),
    `capacity` (initial length of the group axis; results do not depend on it) and `chunk`
    (runs per compiled call; results do not depend on it either); `money` and `protection`
    switch on those L2 mechanisms (`mechanisms.finance`); `territory` adds the 32 states
    (`territory.results`: state_deaths, state_homicides). Groups that ever existed are
    labelled by `group_parent`, `group_root`, `group_birth_week`, `group_end_week`.
    """
    if engine not in ENGINES:
        raise CartelsimError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if record not in RECORDS:
        raise CartelsimError(f"record must be one of {', '.join(RECORDS)}, got {record!r}")
    if not isinstance(weeks, int | np.integer) or weeks < 1:
        raise CartelsimError(f"weeks must be a positive whole number, got {weeks!r}")
    if not isinstance(runs, int | np.integer) or runs < 1:
        raise CartelsimError(f"runs must be a positive whole number, got {runs!r}")
    if system.parent is not None and (system.parent >= 0).any():
        raise CartelsimError("the world engine creates splinters itself; give it a system "
                             "without splinter slots")
    switches = {"money": money, "protection": protection, "territory": territory}
    for number, spec in enumerate(interventions, start=1):
        for switch in spec.kind_of_action.needs:
            if not switches[switch]:
                raise CartelsimError(f"{source}[{number}] ({spec.action}) acts on {switch}; "
                                     "switch it on")
    params = params or Params.defaults()
    start_date = pd.Timestamp(start)
    effects = compile_interventions(
        system, params, interventions, start_date, weeks, source,
        visible_share=params["state_visible_weight"] if territory else 1.0)
    members0 = initial_members(system, params, runs, initial, seed, engine, first_run)
    n_base = system.n_groups
    cap_max = int(params["group_capacity_max"])
    if n_base > cap_max:
        raise CartelsimError(f"group_capacity_max = {cap_max} is below the system's "
                             f"{n_base} groups")
    capacity = min(max(capacity or first_capacity(n_base, params, weeks), n_base), cap_max)
    keep = record == "groups"
    base = base_structure(system)
    layout = TerritoryInputs.make(system, params, interventions, start_date, weeks,
                                  source) if territory else None
    parts = []
    for lo in range(0, runs, chunk):
        hi = min(runs, lo + chunk)
        parts.append(_simulate_chunk(system, params, effects, members0[lo:hi], weeks,
                                     engine == "stochastic", keep, seed, first_run + lo,
                                     capacity, money, protection, base, layout,
                                     by_lineage=record == "lineages"))
        if progress is not None:  # in weeks, as engines.simulate: the chunks done so far
            progress(weeks * hi // runs, weeks)
    state, out = _concatenate(parts, keep)
    ds = _dataset(system, params, engine, seed, start_date, first_run, state, out, keep,
                  initial, money, protection)
    return ds if layout is None else add_territory(ds, layout, out, params)


def _simulate_chunk(system: System, params: Params, effects: EffectArrays,
                    members0: np.ndarray, weeks: int, stochastic: bool, keep: bool, seed: int,
                    first_run: int, capacity: int, money: bool = False,
                    protection: bool = False, base: BaseStructure | None = None,
                    layout: TerritoryInputs | None = None, shortcut: bool = True,
                    by_lineage: bool = False) -> tuple[WorldState, WorldRecord]:
    """One chunk of runs through the compiled step. A quiet deterministic world (no
    intervention, money, protection or territory) takes `world.quiet`'s shortcut, which gives
    the same numbers bit for bit; `shortcut=False` forces the full step (tests compare)."""
    runs = members0.shape[0]
    base = base or base_structure(system)
    alliance, base = base[-1], base[:-1]
    quiet = (shortcut and not by_lineage  # the shortcut keeps no lineage record
             and is_quiet(stochastic, effects.rows, money, protection, layout is not None,
                          params["entry_rate"]))
    if quiet:  # no draws, so no stream keys; no splits, so no room for splinters
        keys = tuple(np.zeros(runs, dtype=np.uint64) for _ in range(3))
        capacity = system.n_groups
    else:
        keys = tuple(run_keys(seed, name, first_run, runs)
                     for name in ("demography", "events", "interventions"))
    money0 = protection0 = None
    if money or protection:  # start where each group's flows settle, as mechanisms.finance
        start = Finance(params, members0, 0, money=money, protection=protection)
        money0, protection0 = start.money, start.protection
    state = WorldState.start(members0, alliance, capacity, keep or layout is not None, keys,
                             effects.rows, effects.most_largest, money0, protection0)
    out = WorldRecord.start(state, weeks, keep, finance=money or protection,
                            states=layout.states.n_states if layout else 0,
                            crossings=layout.routes.n_crossings if layout else 0,
                            drugs=len(DRUGS) if layout else 0,
                            lineages=system.n_groups if by_lineage else 0)
    p = parameter_vector(params)
    fin = finance_vector(params, money, protection)
    if layout is not None:  # drugs earn by the tonne (territory); the pot keeps the rest
        fin[2 + FINANCE_ORDER.index("drug_market_value")] = params["territory_other_revenue"]
    if quiet:
        shortcut_kernel = quiet_batch if runs > 1 else quiet_serial
        shortcut_kernel(weeks, keep, p, *base[:3], int(base[3]), state.members,
                        state.alliance, state.end, state.live, state.n_live, state.week,
                        state.status, state.hist_net, state.hist_comps, state.hist_sums,
                        state.since, state.jumped, out.totals, out.active, out.members,
                        out.flows, out.integrity)
        return state, out
    delta_pressure = params[LOSS_PARAMETER[PRESSURE_KIND]]
    kernel = step.world_batch if runs > 1 else step.world_serial
    while True:
        kernel(weeks, stochastic, keep, p, fin, base, effects.as_tuple(), state.as_tuple(),
               out.as_tuple(), delta_pressure, kernel_arrays(layout, out))
        paused = state.status == step.STATUS_PAUSED
        if not paused.any():
            break
        wanted = int(state.need[paused].max())
        grown = state.capacity
        while grown < wanted:
            grown *= 2
        grown = min(grown, int(params["group_capacity_max"]))
        state.grow(grown)
        out.grow(grown)
        state.status[paused] = step.STATUS_OK
    return state, out


def _concatenate(parts: list[tuple[WorldState, WorldRecord]],
                 keep: bool) -> tuple[WorldState, WorldRecord]:
    """One state and record for all chunks (group axes widened to the widest)."""
    if len(parts) == 1:
        return parts[0]
    widest = max(state.capacity for state, _ in parts)
    for state, out in parts:
        state.grow(widest)
        out.grow(widest)
    states = [s for s, _ in parts]
    records = [o for _, o in parts]
    state = WorldState(*(np.concatenate([getattr(s, name) for s in states])
                         for name in WorldState.__dataclass_fields__))
    out = WorldRecord(*(np.concatenate([getattr(o, name) for o in records])
                        for name in WorldRecord.__dataclass_fields__))
    return state, out


def _dataset(system: System, params: Params, engine: str, seed: int, start: pd.Timestamp,
             first_run: int, state: WorldState, out: WorldRecord, keep: bool,
             initial: str | np.ndarray, money: bool = False,
             protection: bool = False) -> xr.Dataset:
    ds = build_dataset(
        system=system, params=params, engine=engine, seed=seed, start=start, week_offset=0,
        totals=out.totals, active=out.active, group_members=None, group_flows=None,
        status=state.status, observable={"hvt_removals": out.hvt, "seizures": out.seizures},
        first_run=first_run,
        extra_attrs={"initial": initial if isinstance(initial, str) else "given",
                     "world_step": "; ".join(name for name, _ in step.STEP_ORDER),
                     "fragmentation": "open"},
    )
    ds["status"].attrs["description"] = "; ".join(
        f"{k} = {v}" for k, v in WORLD_STATUS_MESSAGES.items())
    ds["splits"] = (("run", "time"), out.splits)
    ds["splits"].attrs.update(units="groups", description="groups that split on the date")
    ds["groups_ever"] = (("run",), state.n_used.copy())
    ds["groups_ever"].attrs.update(
        units="groups", description="groups that existed at some time in the run (base "
        "groups, splinters and entrants)")
    if keep:
        _add_groups(ds, system, state, out, money, protection)
    if out.lineages.shape[0]:
        _add_lineages(ds, system, out)
    return add_observations(ds, params)


def _add_lineages(ds: xr.Dataset, system: System, out: WorldRecord) -> None:
    """Members and deaths per lineage (a base group with its splinters and entrants), for
    record = "lineages"; NaN from a failed run's failure on, as the totals."""
    failed = np.isnan(out.totals[:, :, 0])
    out.lineages[failed] = np.nan
    ds.coords["lineage"] = list(system.group_ids)
    dims = ("run", "time", "lineage")
    ds["lineage_members"] = (dims, out.lineages[:, :, 0])
    ds["lineage_members"].attrs.update(
        units="people", description="members of the lineage's live groups on the date")
    ds["lineage_deaths"] = (dims, out.lineages[:, :, 1])
    ds["lineage_deaths"].attrs.update(
        units="people per week", description="conflict deaths of the lineage's groups over "
        "the week to the date")


def _add_groups(ds: xr.Dataset, system: System, state: WorldState, out: WorldRecord,
                money: bool, protection: bool) -> None:
    """Per-group series and the labels of every group that ever existed."""
    n = system.n_groups
    width = int(state.n_used.max())
    extra = width - n
    failed = np.flatnonzero(state.status != 0)
    for r in failed:  # NaN from the failure on, also in columns added after it
        bad = np.flatnonzero(np.isnan(out.totals[r, :, 0]))
        if bad.size:
            out.members[r, bad[0]:] = np.nan
            out.flows[r, bad[0]:] = np.nan
            out.integrity[r, bad[0]:] = np.nan
            if out.money.shape[0]:
                out.money[r, bad[0]:] = np.nan
                out.protection[r, bad[0]:] = np.nan
    ds.coords["group"] = list(system.group_ids) + [f"split-{k + 1}" for k in range(extra)]
    ds.coords["group_name"] = ("group", list(system.group_names)
                               + [new_group_name(k + 1) for k in range(extra)])
    ds.coords["home_state"] = ("group", list(system.home_states) + [""] * extra)
    ds.coords["synthetic"] = ("group", np.concatenate([system.synthetic.astype(bool),
                                                       np.zeros(extra, dtype=bool)]))
    dims = ("run", "time", "group")
    ds["members"] = (dims, out.members[:, :, :width])
    for f, name in enumerate(("recruits", "arrests", "deaths", "exits")):
        ds[name] = (dims, out.flows[:, :, f, :width])
    ds["command_integrity"] = (dims, out.integrity[:, :, :width])
    ds["split_transfers"] = (dims, out.transfers[:, :, :width])
    if money:
        ds["money"] = (dims, out.money[:, :, :width])
        ds["money"].attrs.update(units="US$ million", description="money held by the group "
                                 "(L2); NaN where the group does not exist")
    if protection:
        ds["protection"] = (dims, out.protection[:, :, :width])
        ds["protection"].attrs.update(units="0-1", description="political protection (share "
                                      "of the state's action it deflects); NaN where the "
                                      "group does not exist")
    labels = {
        "group_parent": (state.parent, "group index it split from (-1: a base group, a new "
                                       "group that entered (group_entrant) or no group in "
                                       "this run)"),
        "group_root": (state.root, "base group of its lineage; a splinter's home state is its "
                                   "root's (-1: no group in this run)"),
        "group_birth_week": (state.birth, "week of the split or entry that created it (0: "
                                          "base group, -1: no group in this run)"),
        "group_end_week": (state.end, "date index at which its members fell below "
                                      "group_end_members (-1: still alive or never existed)"),
    }
    for name, (values, description) in labels.items():
        ds[name] = (("run", "group"), values[:, :width].copy())
        ds[name].attrs["description"] = description
    column = np.arange(width)
    ds["group_entrant"] = (("run", "group"), (state.parent[:, :width] < 0)
                           & (state.root[:, :width] >= 0) & (column >= n)[None, :])
    ds["group_entrant"].attrs["description"] = (
        "a new local group that entered (entry_rate) in its root's lineage, not a splinter")
    for name in ("members", "recruits", "arrests", "deaths", "exits"):
        ds[name].attrs.update(units="members" if name == "members" else "members per week",
                              description=f"{name} per group (0 where the group does not exist)")
    ds["command_integrity"].attrs.update(
        units="1 = intact command", description="command integrity L during the week starting "
        "at the date (after removals on that date); NaN where the group does not exist")
    ds["split_transfers"].attrs.update(
        units="members", description="members moved into (+) or out of (-) the group when a "
        "group split, over the week ending at the date")


def run_world_scenario(scenario: Scenario, progress: Progress | None = None, *,
                       params: Params | None = None, first_run: int = 0,
                       runs: int | None = None) -> xr.Dataset:
    """`scenarios.runner.run_scenario` for `[mechanisms] fragmentation = "open"`: the same
    arguments and labels, the world engine underneath."""
    params = params or scenario.params()
    system = scenario.build_system(params)
    runs = runs or scenario.run.runs
    check_memory(scenario, runs, 2 * system.n_groups)
    ds = run_world(system, params, interventions=scenario.interventions,
                   weeks=scenario.horizon.weeks, runs=runs, engine=scenario.run.engine,
                   seed=scenario.run.seed, start=pd.Timestamp(scenario.start),
                   initial=scenario.run.initial, record=scenario.run.record,
                   first_run=first_run, progress=progress,
                   source=f"{scenario.source}: interventions",
                   money=scenario.mechanisms.money, protection=scenario.mechanisms.protection,
                   territory=scenario.mechanisms.territory)
    flag_non_finite_runs(ds)
    ds.attrs.update(
        scenario=scenario.name, scenario_description=scenario.description,
        scenario_file=scenario.source, scenario_digest=scenario.digest,
        mechanisms=f"leadership, open fragmentation (world engine), money "
        f"{'on' if scenario.mechanisms.money else 'off'}, protection "
        f"{'on' if scenario.mechanisms.protection else 'off'}, territory "
        f"{'on' if scenario.mechanisms.territory else 'off'}",
        interventions=" | ".join(item.describe() for item in scenario.interventions) or "none",
    )
    return ds


# Fill of each per-group variable in a column where no group exists (as the step writes it);
# other float variables get 0 (members-like), whole numbers -1 (labels), booleans False.
_EMPTY_GROUP = {"command_integrity": np.nan, "money": np.nan, "protection": np.nan}
_FLOWS = ("recruits", "arrests", "deaths", "exits")  # NaN on the first date, as every column


def _empty(name: str, dtype: np.dtype) -> object:
    if name in _EMPTY_GROUP:
        return _EMPTY_GROUP[name]
    return {"f": 0.0, "i": -1, "b": False}.get(dtype.kind, np.nan)


def first_capacity(n_base: int, params: Params, weeks: int) -> int:
    """The group axis a batch starts with: the base groups, room for splinters, and the
    entrants expected over the horizon with a margin. Results do not depend on it; every
    doubling of a full axis copies the whole record, which cost a third of a replay's time
    at F11's entry rate before the entrants were counted in."""
    entrants = math.ceil(1.25 * params["entry_rate"] * weeks)
    return n_base + max(32, n_base // 4) + entrants


def new_group_name(k: int) -> str:
    """Name of the k-th column after the System's groups: in one run it may hold a splinter,
    in another a group that entered (the column is shared by all runs)."""
    return f"new group {k} (a splinter or an entrant: see group_parent, group_entrant)"


def widen_groups(ds: xr.Dataset, width: int) -> xr.Dataset:
    """World-engine results with the group axis padded to `width` columns, the new ones
    holding no group (as a batch whose busiest run made more splinters writes them), so
    results of different slices of runs line up: splinters are labelled split-1, split-2,
    ... after the System's groups in every run, whatever the slice."""
    have = ds.sizes.get("group", 0)
    if width <= have:
        return ds
    labels = [str(g) for g in ds.group.values]
    n_base = sum(not label.startswith("split-") for label in labels)
    extra = [f"split-{k + 1}" for k in range(have - n_base, width - n_base)]
    fills = {name: _empty(name, variable.dtype) for name, variable in ds.data_vars.items()
             if "group" in variable.dims}
    out = ds.reindex(group=labels + extra, fill_value=fills)
    new = {"group_name": [new_group_name(int(label[6:])) for label in extra],
           "home_state": [""] * len(extra), "synthetic": [False] * len(extra)}
    for name, values in new.items():
        if name in ds.coords:
            out = out.assign_coords({name: ("group", np.concatenate(
                [ds[name].values, np.array(values, dtype=ds[name].dtype)]))})
    for name in _FLOWS:
        if name in out and "time" in out[name].dims:
            out[name].loc[{"time": out.time.values[0], "group": extra}] = np.nan
    return out


def join_runs(parts: Sequence[xr.Dataset]) -> xr.Dataset:
    """Slices of one scenario's runs joined over runs (world-engine group axes widened to
    the widest first; see `widen_groups`)."""
    width = max(part.sizes.get("group", 0) for part in parts)
    return xr.concat([widen_groups(part, width) for part in parts], dim="run",
                     combine_attrs="override", data_vars="all")
