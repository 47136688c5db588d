"""The brief on a posterior: each paired world runs with its own draw, in both arms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cartelsim.calibration.posterior import Posterior
from cartelsim.errors import CartelsimError
from cartelsim.report import uncertainty
from cartelsim.report.world import Runner, make_setup, scenario_data


@pytest.fixture()
def posterior_file(tmp_path):
    """Four draws of two parameters, far apart, with unequal weights."""
    draws = pd.DataFrame({"incapacitation": [60.0, 110.0, 160.0, 200.0],
                          "split_hazard": [0.02, 0.05, 0.1, 0.2]})
    posterior = Posterior(draws, np.array([0.1, 0.2, 0.3, 0.4]), {"method": "test"})
    csv_path, _ = posterior.save(tmp_path / "post")
    return csv_path


def test_draws_are_reproducible_and_come_from_the_posterior(posterior_file):
    chosen = uncertainty.choose(posterior_file)
    first, again = chosen.draws(12, seed=3), chosen.draws(12, seed=3)
    assert first == again and len(first) == 12
    assert {d["incapacitation"] for d in first} <= {60.0, 110.0, 160.0, 200.0}
    assert chosen.draws(12, seed=4) != first
    assert "parameter uncertainty" in chosen.statement
    assert "chain is short" not in chosen.statement  # no diagnostics: nothing to say


def test_a_short_chain_is_said_beside_the_intervals(tmp_path):
    draws = pd.DataFrame({"split_hazard": [0.1, 0.2]})
    meta = {"diagnostics": {"kept_steps_per_autocorrelation": 8.7}}
    short = Posterior(draws, np.array([0.5, 0.5]), meta).save(tmp_path / "short")[0]
    statement = uncertainty.choose(short).statement
    assert "kept steps are 8.7 times" in statement and "too narrow" in statement
    meta["diagnostics"]["kept_steps_per_autocorrelation"] = 60.0
    long = Posterior(draws, np.array([0.5, 0.5]), meta).save(tmp_path / "long")[0]
    assert "chain is short" not in uncertainty.choose(long).statement


def test_smc_particles_barely_refreshed_are_said_beside_the_intervals(tmp_path):
    draws = pd.DataFrame({"split_hazard": [0.1, 0.2]})
    meta = {"sampler": "smc", "diagnostics": {"final_mutation_ratio": 0.3}}
    stale = Posterior(draws, np.array([0.5, 0.5]), meta).save(tmp_path / "stale")[0]
    assert "moved 30% of them" in uncertainty.choose(stale).statement
    meta["diagnostics"]["final_mutation_ratio"] = 0.9
    fresh = Posterior(draws, np.array([0.5, 0.5]), meta).save(tmp_path / "fresh")[0]
    assert "refreshed" not in uncertainty.choose(fresh).statement


def test_without_a_posterior_the_brief_says_noise_only(posterior_file):
    assert uncertainty.choose(posterior_file, noise_only=True).posterior is None
    assert "noise only" in uncertainty.choose(None, noise_only=True).statement


def test_a_missing_posterior_file_is_a_one_line_error(tmp_path):
    with pytest.raises(CartelsimError, match="--posterior .*no such file"):
        uncertainty.choose(tmp_path / "absent.csv")


def test_each_world_runs_with_its_draw_in_both_arms(posterior_file):
    """Before the removal, the two arms of world k are the same world (same draw, same
    noise); and world k differs from the default-parameter world k (the draw is used)."""
    from dataclasses import replace

    setup = make_setup("mexico2025", weeks=20, runs=4, seed=9)
    chosen = uncertainty.choose(posterior_file)
    drawn = replace(setup, draws=chosen.draws(4, 9), posterior=chosen.source)
    removal = scenario_data(drawn, "removal", [{
        "action": "remove_leader", "kind": "killed", "succession": "contested",
        "start": drawn.removal_date, "target": {"groups": [drawn.target]}}])
    quiet = scenario_data(drawn, "status-quo", [])
    runner, plain = Runner(drawn), Runner(setup)
    base, policy = runner.run(quiet), runner.run(removal)
    default = plain.run(quiet)
    before = int(np.searchsorted(base.week.values, (drawn.removal_date - drawn.start).days // 7))
    window = slice(0, before)
    assert np.array_equal(base["total_members"].isel(time=window).values,
                          policy["total_members"].isel(time=window).values)
    arrests = base["total_arrests"].isel(time=slice(1, before)).mean("time").values
    assert not np.allclose(arrests, default["total_arrests"].isel(time=slice(1, before))
                           .mean("time").values)
    # more incapacitation, more arrests: the worlds are ordered as their draws
    eta = np.array([d["incapacitation"] for d in drawn.draws])
    order = np.argsort(eta, kind="stable")
    distinct = np.diff(eta[order]) > 0
    assert np.all(np.diff(arrests[order])[distinct] > 0)
    # the cache keeps posterior and default results apart
    assert runner.cache.keys().isdisjoint(plain.cache.keys())


def test_the_brief_names_its_posterior_and_what_its_intervals_carry(posterior_file):
    from cartelsim.report.brief import BriefConfig, build_brief

    brief = build_brief(BriefConfig(quick=True, runs=4, seed=2, claims=("C1",),
                                    swing_parameters=0, workers=1, replay_runs=0,
                                    posterior=posterior_file))
    assert str(posterior_file) in brief.settings["parameters"]
    assert "parameter uncertainty" in brief.uncertainty
    assert any("parameter uncertainty" in line for line in brief.limits)
    assert brief.claims[0].sensitivity.centre == "the calibrated posterior"


def test_more_worlds_than_draws_take_the_draws_again_in_order():
    """A Morris point runs at least 10 worlds; with fewer draws (a small brief) world k takes
    draw k modulo the number of draws instead of failing."""
    from cartelsim.params.catalogue import Params
    from cartelsim.report.world import world_params

    draws = tuple({"split_hazard": value} for value in (0.1, 0.2, 0.3))
    _, each = world_params(Params.defaults(), draws, "p.csv", {"integrity_recovery": 0.05}, 7)
    assert [p["split_hazard"] for p in each] == [0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.1]
    assert all(p["integrity_recovery"] == 0.05 for p in each)  # the swing on every world
