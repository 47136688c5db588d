"""Calibration to the record on a tiny budget: targets, the synthetic likelihood, the
kingpin summary, determinism with the seed and the posterior file written whole."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cartelsim.calibration.posterior import load_posterior
from cartelsim.calibration.record_fit import _normal_loglik, fit_record, plan_budget
from cartelsim.calibration.record_posterior import calibrate_history, nuisance_draws
from cartelsim.calibration.record_summaries import Removal, kingpin_effect
from cartelsim.calibration.record_targets import record_targets
from cartelsim.errors import CartelsimError

TINY = {"names": ("split_hazard",), "runs_per_point": 2}


def test_targets_up_to_2021_leave_out_later_data():
    full, early = record_targets(2024), record_targets(2021)
    assert list(full.homicide_years) == list(range(2007, 2025))
    assert list(early.homicide_years) == list(range(2007, 2022))
    assert early.log_members is None and full.log_members is not None
    assert 2022 in full.group_years and 2022 not in early.group_years
    assert math.isclose(math.exp(full.log_homicides[-1]), 33_550)  # INEGI 2024, EVIDENCE F32
    # F18's 160-185k read as a 90 % interval: its ends are 1.645 sd from the centre
    assert math.isclose(full.log_members + 1.6448536 * full.members_sd, math.log(185_000),
                        rel_tol=1e-6)


@pytest.mark.parametrize("until", [2010, 2030])
def test_until_outside_the_record_is_a_one_line_error(until):
    with pytest.raises(CartelsimError, match="--until must be a year") as error:
        record_targets(until)
    assert "\n" not in str(error.value)


def test_normal_loglik_by_hand():
    # runs 9 and 11: mean 10, variance (ddof 1) 2; plus an extra sd of 1 -> variance 3
    observed = np.array([10.0])
    simulated = np.array([[9.0], [11.0]])
    assert math.isclose(_normal_loglik(observed, simulated, 0.0), -0.5 * math.log(2 * math.pi * 2))
    expected = -0.5 * 4.0 / 3.0 - 0.5 * math.log(2 * math.pi * 3)
    assert math.isclose(_normal_loglik(np.array([12.0]), simulated, 1.0), expected)


def test_kingpin_effect_is_the_lineage_log_ratio_after_over_before():
    weeks, time = 4, 20
    deaths = np.ones((2, time, 3))
    deaths[:, 11:, 0] = 2.0  # group 0 doubles its deaths after the removal week 10 ...
    deaths[1, 11:, 2] = 6.0  # ... and in run 1 its splinter (group 2) adds 6 a week
    ds = xr.Dataset({"deaths": (("run", "time", "group"), deaths),
                     "group_root": (("run", "group"), np.array([[0, 1, -1], [0, 1, 0]]))})
    effect = kingpin_effect(ds, [Removal(week=10, group=0, year=2010)], weeks=weeks)
    assert np.allclose(effect, [math.log(2.0), math.log((2 + 6) / (1 + 1))])
    # a removal without a full window before it is left out
    assert np.isnan(kingpin_effect(ds, [Removal(week=2, group=0, year=2007)], weeks=weeks)).all()


def test_budget_too_small_is_a_one_line_error():
    with pytest.raises(CartelsimError, match="--budget must allow") as error:
        plan_budget(10, dim=3)
    assert "\n" not in str(error.value)
    with pytest.raises(CartelsimError, match="at least 57 parameter points"):
        plan_budget(56, dim=3)
    assert plan_budget(57, dim=3).steps == 4
    plan = plan_budget(100, dim=3)  # 6 walkers, 12 prior draws, 30 % of 88 to the search
    assert (plan.walkers, plan.starting_draws, plan.mode_search, plan.steps) == (6, 12, 30, 8)


def test_the_walkers_start_around_the_mode_the_search_finds():
    """On a known surface (a normal bump at 0.3 in a 1-parameter space with one
    discrepancy), the search lands near the mode, every walker starts within the ball
    around it, and the chain's draws then centre there."""
    from cartelsim.calibration.record_fit import Space, sample_ensemble

    space = Space(("split_hazard",), nuisance=("sigma_homicides",))
    seen = []

    def log_likelihood(values: np.ndarray) -> float:
        seen.append(values)
        return -0.5 * ((values[0] - 0.3) / 0.02) ** 2 - 0.5 * (math.log(values[1]) / 0.5) ** 2

    run = sample_ensemble(space, log_likelihood, budget=400, seed=2)
    mode = space.values(run.mode)[0]
    assert abs(mode[0] - 0.3) < 0.01 and abs(math.log(mode[1])) < 0.1
    first = run.chain[0]  # after one move from the ball (0.01 wide in [0, 1] units)
    assert np.all(np.abs(first[:, 0] - run.mode[0]) < 0.05)
    draws = space.values(run.chain[run.burn:].reshape(-1, space.dim))
    assert abs(np.median(draws[:, 0]) - 0.3) < 0.02
    assert run.evaluations <= 400 and len(seen) == run.evaluations


def test_logit_coordinates_keep_every_proposal_inside_and_find_an_edge_mode():
    """A surface piled against the range's low end (split_hazard's range starts at 0.05):
    in logit coordinates no proposal falls outside, so every proposal is simulated, the
    acceptance is higher than in unit coordinates from the same start, the chain comes
    back in unit coordinates inside the box, and the same seed gives the same chain."""
    from cartelsim.calibration.record_fit import Space, sample_ensemble

    space = Space(("split_hazard",), nuisance=("sigma_homicides",))

    def log_likelihood(values: np.ndarray) -> float:
        return -(values[0] - 0.05) / 0.01 - 0.5 * (math.log(values[1]) / 0.5) ** 2

    unit = sample_ensemble(space, log_likelihood, budget=800, seed=3)
    logit = sample_ensemble(space, log_likelihood, budget=800, seed=3, coordinates="logit")
    again = sample_ensemble(space, log_likelihood, budget=800, seed=3, coordinates="logit")
    assert np.array_equal(logit.chain, again.chain)
    assert np.array_equal(logit.mode, unit.mode)  # the search is the same
    assert logit.evaluations > unit.evaluations  # none outside the box is skipped
    assert logit.acceptance.mean() > unit.acceptance.mean()
    low, high = np.array(space.bounds).T
    assert np.all((logit.chain > low) & (logit.chain < high))
    draws = space.values(logit.chain[logit.burn:].reshape(-1, space.dim))
    assert 0.05 < np.median(draws[:, 0]) < 0.07  # an exponential of scale 0.01 above 0.05
    with pytest.raises(CartelsimError, match="coordinates must be one of unit, logit"):
        sample_ensemble(space, log_likelihood, budget=800, seed=3, coordinates="polar")


def test_the_chain_is_determined_by_the_seed():
    first = fit_record(budget=66, seed=5, until=2021, **TINY)
    again = fit_record(budget=66, seed=5, until=2021, **TINY)
    other = fit_record(budget=66, seed=6, until=2021, **TINY)
    assert np.array_equal(first.chain, again.chain)
    assert not np.array_equal(first.chain, other.chain)
    values = first.draws()
    assert (values["split_hazard"].between(0.05, 0.5)).all()  # inside the catalogue range


def test_calibrate_history_writes_a_whole_posterior(tmp_path):
    posterior, paths = calibrate_history(tmp_path / "fit", budget=66, seed=1, until=2021,
                                         coordinates="logit", **TINY)
    assert not list(tmp_path.glob("*.part"))
    loaded = load_posterior(tmp_path / "fit")
    assert loaded.parameters == ("split_hazard",)
    pd.testing.assert_frame_equal(loaded.draws, posterior.draws)
    meta = json.loads(paths["metadata"].read_text())
    assert meta["years_fitted"] == [2007, 2021] and meta["seed"] == 1
    assert meta["library"].startswith("emcee") and meta["revision"]
    assert meta["replay"]["fragmentation"] == "open"
    assert meta["coordinates"] == "logit" and meta["command"].endswith("--coordinates logit")
    assert {"parameter_points", "replays", "walkers", "steps"} <= set(meta["budget"])
    assert "members" not in meta["data"]  # F18 (2022) lies after the cut-off
    assert len(nuisance_draws(loaded, "sigma_homicides")) == len(loaded.draws)
    slices = pd.read_csv(paths["slices"])  # the likelihood along each parameter
    assert slices["parameter"].unique().tolist() == ["split_hazard"] and len(slices) == 21
    assert set(meta["likelihood_slices"]["split_hazard"]) == {"loglik_range", "best_share",
                                                              "flat"}
    table = pd.read_csv(paths["identifiability"])
    assert list(table["parameter"]) == ["split_hazard"]
    assert paths["figure"].read_bytes().startswith(b"\x89PNG")


def test_the_record_by_lineage_gives_the_summaries_of_every_groups_series():
    """The calibration's replays keep members and deaths per lineage only (run.record =
    "lineages"); the summaries it compares equal those of the full per-group replay, with
    entrants and splinters in the lineages, and every other series is unchanged."""
    from cartelsim.calibration.record_summaries import applied_removals, summarise
    from cartelsim.record.events import load_events
    from cartelsim.record.replay import build_replay, run_replay

    targets = record_targets()
    values = {"entry_rate": 0.3, "entrant_rivalry": 4.0, "split_hazard": 0.5}
    datasets = {}
    for record in ("groups", "lineages"):
        setup = build_replay(load_events(), runs=3, seed=4, parameters=values, record=record)
        datasets[record] = run_replay(setup)
    full, lean = datasets["groups"], datasets["lineages"]
    assert "deaths" not in lean and lean.sizes["lineage"] < full.sizes["group"]
    removals = applied_removals(setup, [str(g) for g in lean["lineage"].values])
    assert len(removals) > 10
    a, b = summarise(full, removals, targets), summarise(lean, removals, targets)
    for name in ("log_homicides", "log_groups", "log_members"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), name)
    np.testing.assert_allclose(a.log_kingpin, b.log_kingpin, rtol=1e-10)
    for name in ("total_members", "homicides", "active_groups", "splits"):
        np.testing.assert_array_equal(full[name].values, lean[name].values, name)
    first = full.members.where(full.group_root == 0).sum("group")
    np.testing.assert_allclose(lean.lineage_members.isel(lineage=0).values, first.values,
                               rtol=1e-12)
