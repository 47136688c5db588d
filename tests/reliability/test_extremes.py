"""Extreme but valid inputs on both engines, with every mechanism on.

Worlds: no rivals, everyone a rival of everyone (at the loader's maximum weight), one group,
zero and enormous recruitment, populations of one member and of a hundred million, and every
catalogue parameter at its hard minimum and maximum. Whatever happens, each run is either ok
(every value finite, no negative members or flows) or reported as failed through `status`
(STYLE.md 10: like solve_ivp, a failure is data): never NaN or a negative count under an ok
status, never a silent failure.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cartelsim.engines.kernels import STATUS_OK
from cartelsim.engines.simulate import simulate
from cartelsim.interventions.plan import InterventionPlan
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.mechanisms.splinters import with_splinter_slots
from cartelsim.mechanisms.world import WorldPlan
from cartelsim.params.catalogue import CATALOGUE, Params
from cartelsim.system.model import System

from .support import LONG

START = pd.Timestamp("2026-01-01")
WEEKS = 60
RUNS = 3 if LONG else 1  # one run avoids the batch kernels' thread start-up in the fast suite
ENGINES = ("deterministic", "stochastic")
# Every kind of action at once: a leader killed with a contested succession (splits), a
# sweep, money frozen, protection prosecuted, U.S. pressure.
ACTIONS = (
    InterventionSpec(action="remove_leader", kind="killed", succession="contested",
                     start=dt.date(2026, 2, 5), target={"largest": 1}),
    InterventionSpec(action="arrest_sweep", effect=0.2, start=dt.date(2026, 3, 5)),
    InterventionSpec(action="freeze_assets", effect=0.5, start=dt.date(2026, 1, 15)),
    InterventionSpec(action="prosecute_corruption", effect=0.2, start=dt.date(2026, 1, 15)),
    InterventionSpec(action="us_pressure", effect=3.0, start=dt.date(2026, 4, 1)),
)


def run_world(system: System, params: Params, engine: str, runs: int = RUNS,
              weeks: int = WEEKS) -> xr.Dataset:
    """The scenario runner's path for a hand-made System: splinter slots, the world plan
    with money and protection on, and the interventions above."""
    from cartelsim.engines.simulate import initial_members

    policy = InterventionPlan(system, params, ACTIONS, START, weeks, "extremes")
    reference = initial_members(system, params, 1, "zipf", 0, "deterministic")
    parents = np.flatnonzero(policy.removal_targets(reference))
    if parents.size:
        system = with_splinter_slots(system, parents, params["splinter_rivalry"],
                                     params["split_fraction"])
        policy = InterventionPlan(system, params, ACTIONS, START, weeks, "extremes")
    members0 = initial_members(system, params, runs, "zipf", 5, engine)
    plan = WorldPlan(policy, weeks, 5, money=True, protection=True)
    return simulate(system, params, weeks=weeks, runs=runs, engine=engine, seed=5, start=START,
                    initial=members0, plan=plan)


def assert_ok_or_reported(ds: xr.Dataset) -> np.ndarray:
    """Every ok run is finite and non-negative everywhere; every run with a NaN or a
    negative count is marked failed. Returns the status per run."""
    status = ds["status"].values
    ok = status == STATUS_OK
    assert status.shape == (ds.sizes["run"],)
    for name in ("total_members", "total_recruits", "total_arrests", "total_deaths",
                 "total_exits", "members", "recruits", "arrests", "deaths", "exits",
                 "command_integrity", "money", "protection"):
        if name not in ds:
            continue
        values = ds[name].values  # [run, time(, group)]
        if name not in ("total_members", "members", "command_integrity", "money", "protection"):
            values = values[:, 1:]  # flows are NaN on the first date by definition
        broken = (~np.isfinite(values) | (values < -1e-9)).reshape(len(status), -1).any(axis=1)
        assert not (broken & ok).any(), f"{name}: NaN or negative values in runs with status ok"
        if name == "total_members":
            assert broken[~ok].all(), "a run marked failed looks complete"
    assert (ds["active_groups"].values[ok] >= 0).all()
    assert (ds["active_groups"].values[~ok] == -1).any(axis=1).all()
    return status


WORLDS = {  # make = the tests' tiny-system builder (tests/conftest.py)
    "no-rivals": lambda make: make(6, alliances=[(0, 1, 2.0), (2, 3, 1.0)]),
    "everyone-rival": lambda make: make(  # at the loaders' largest weight
        12, rivalries=[(i, j, 1e6) for i in range(12) for j in range(i + 1, 12)]),
    "one-group": lambda make: make(1),
    "two-groups-allied-and-rival": lambda make: make(2, [(0, 1, 13.0)], [(0, 1, 6.0)]),
    "isolated-many": lambda make: make(300),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("world", WORLDS)
def test_extreme_worlds(world: str, engine: str, params: Params, make_system) -> None:
    status = assert_ok_or_reported(run_world(WORLDS[world](make_system), params, engine))
    if world in ("no-rivals", "one-group", "isolated-many"):
        assert (status == STATUS_OK).all()  # nothing extreme in the rates: must run


PARAMETER_CASES = {
    "zero-recruitment": {"recruitment_rate": 0.0},
    "enormous-recruitment": {"recruitment_rate": 1.0},
    "one-member": {"initial_members": 1.0},
    "no-members": {"initial_members": 0.0},
    "hundred-million-members": {"initial_members": 1e8},
    "no-incapacitation": {"incapacitation": 0.0},
    "maximal-incapacitation": {"incapacitation": 1e6},
    "maximal-lethality": {"conflict_lethality": 1e-3},
    "maximal-saturation": {"saturation": 1e-2},
    "everything-zero": {name: 0.0 for name in ("recruitment_rate", "incapacitation",
                                               "conflict_lethality", "saturation")},
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", PARAMETER_CASES)
def test_extreme_rates(case: str, engine: str, params: Params, make_system) -> None:
    system = make_system(8, rivalries=[(0, 1, 5.0), (1, 2, 1.0), (3, 4, 13.0)],
                         alliances=[(0, 3, 2.0)])
    values = params.override(PARAMETER_CASES[case], origin="extreme")
    status = assert_ok_or_reported(run_world(system, values, engine))
    # a single member cannot meet 110 arrests a week: those runs must fail, and say so
    if case in ("zero-recruitment", "no-incapacitation", "everything-zero", "no-members"):
        assert (status == STATUS_OK).all(), case


BOUNDS = [(name, side) for name in CATALOGUE for side in ("minimum", "maximum")]


# Every bound on both engines in the long profile; in the fast suite each bound runs on one
# engine, alternating, so both engines still meet minima and maxima.
BOUND_CASES = [(n, s, e) for k, (n, s) in enumerate(BOUNDS) for e in ENGINES
               if LONG or e == ENGINES[(k // 2 + k) % 2]]


@pytest.mark.parametrize(("name", "side", "engine"), [
    pytest.param(n, s, e, id=f"{n}-{s}-{e}") for n, s, e in BOUND_CASES])
def test_each_parameter_at_its_hard_bound(name: str, side: str, engine: str,
                                          params: Params, mexico) -> None:
    """On Mexico 2025 (150 groups, the real graph) with every mechanism and action on."""
    bound = getattr(CATALOGUE[name], side)
    values = params.override({name: bound}, origin="extreme")
    assert_ok_or_reported(run_world(mexico, values, engine, weeks=30))


def test_a_failed_run_is_reported_by_the_cli(tmp_path) -> None:
    """`cartelsim run` with rates beyond the weekly step: the runs fail, the command says so
    on stderr, and the results file carries status != 0 (never a complete-looking file)."""
    from .support import cli

    (tmp_path / "s.toml").write_text(
        'name = "too-fast"\n[system]\ngroups = 25\n[horizon]\nweeks = 20\n'
        '[parameters]\nrecruitment_rate = 1.0\n[run]\nengine = "stochastic"\nruns = 2\n',
        encoding="utf-8")
    outcome = cli("run", "s.toml", "--quiet", "--out", "r.nc", cwd=tmp_path)
    assert outcome.code == 0, outcome.stderr
    assert "2 run(s) failed" in outcome.stderr
    with xr.open_dataset(tmp_path / "r.nc") as ds:
        assert (ds["status"].values != STATUS_OK).all()


def test_runs_that_went_non_finite_are_marked_failed(mexico, params: Params) -> None:
    """The scenario runner's safety net: a run whose national series hold NaN under status ok
    (as mechanisms/finance.py produced at protection_decay = 0 before 55146ca) is marked
    failed, status 3."""
    from cartelsim.scenarios.guards import STATUS_NOT_FINITE, flag_non_finite_runs

    ds = simulate(mexico, params, weeks=6, runs=3, engine="stochastic", seed=1, start=START)
    assert flag_non_finite_runs(ds) == 0
    ds["total_deaths"].values[1, 4] = np.nan
    ds["total_members"].values[2, 5] = np.inf
    assert flag_non_finite_runs(ds) == 2
    assert ds["status"].values.tolist() == [STATUS_OK, STATUS_NOT_FINITE, STATUS_NOT_FINITE]
    assert f"{STATUS_NOT_FINITE} = " in ds["status"].attrs["description"]


def test_finance_zero_division_is_reported_not_silent() -> None:
    """End to end through a scenario: whatever finance.py does at protection_decay = 0, no
    run reports status ok with NaN in it."""
    from cartelsim.scenarios.runner import run_scenario
    from cartelsim.scenarios.schema import parse_scenario

    scenario = parse_scenario({
        "name": "zero-decay", "system": {"groups": 30}, "horizon": {"weeks": 10},
        # entry off: at zero decay the old groups' protection nears 1, so national arrests
        # fall on unprotected entrants, whose rates then pass the step's limit: a reported
        # stop (status 2), not the silent NaN this test guards against
        "parameters": {"protection_decay": 0.0, "entry_rate": 0.0},
        "mechanisms": {"protection": True},
        "interventions": [{"action": "remove_leader", "kind": "killed",
                           "target": {"groups": ["cjng"]}}]})
    ds = run_scenario(scenario)  # RuntimeWarnings from cartelsim are errors in the suite
    assert_ok_or_reported(ds)
    assert (ds["status"] == STATUS_OK).all()  # fixed in finance.py (55146ca)
