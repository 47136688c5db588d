"""The tempered SMC sampler of the record fit: it recovers a known posterior and its
evidence, follows its seed, and writes a whole posterior file through `calibrate_history`."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from cartelsim.calibration.posterior import PACKAGED_2021, PACKAGED_NAME, load_posterior
from cartelsim.calibration.record_fit import Space
from cartelsim.calibration.record_posterior import (
    calibrate_history,
    choose_sampler,
    nuisance_draws,
    sampler_options,
)
from cartelsim.calibration.record_smc import sample_smc
from cartelsim.errors import CartelsimError

SPACE = Space(("split_hazard", "split_exponent"), nuisance=())
WIDTH = SPACE.high - SPACE.low
CENTRE = SPACE.low + 0.3 * WIDTH
SD = 0.05 * WIDTH


def gaussian(values: np.ndarray) -> float:
    """A Gaussian likelihood well inside the box: the posterior is this Gaussian."""
    return float(-0.5 * np.sum(((values - CENTRE) / SD) ** 2))


def test_smc_recovers_a_gaussian_posterior_and_its_evidence():
    run = sample_smc(SPACE, gaussian, particles=400, mcmc_steps=4, seed=1)
    values = SPACE.values(run.particles)
    assert run.phi[0] == 0 and run.phi[-1] == 1 and len(run.phi) >= 3
    # 400 particles: the mean within 0.2 sd, the sd within 15 %
    np.testing.assert_allclose((values.mean(axis=0) - CENTRE) / SD, 0, atol=0.2)
    np.testing.assert_allclose(values.std(axis=0) / SD, 1, atol=0.15)
    # evidence: the Gaussian's integral over the uniform prior on the [0, 1] coordinates
    assert run.log_evidence == pytest.approx(math.log(2 * math.pi * 0.05 ** 2), abs=0.3)
    assert run.unique > 300 and np.all(run.mutation_ratio > 0.5)
    assert run.evaluations <= 400 * (1 + 4 * (len(run.phi) - 1))


def test_smc_follows_its_seed():
    first = sample_smc(SPACE, gaussian, particles=40, mcmc_steps=2, seed=3)
    again = sample_smc(SPACE, gaussian, particles=40, mcmc_steps=2, seed=3)
    other = sample_smc(SPACE, gaussian, particles=40, mcmc_steps=2, seed=4)
    assert np.array_equal(first.particles, again.particles)
    assert np.array_equal(first.phi, again.phi)
    assert not np.array_equal(first.particles, other.particles)


def test_undefined_likelihoods_die_out():
    """Points where the likelihood is undefined (-inf) get no weight once phi > 0."""
    def half(values: np.ndarray) -> float:
        return -math.inf if values[0] < CENTRE[0] else gaussian(values)

    run = sample_smc(SPACE, half, particles=100, mcmc_steps=3, seed=2)
    assert np.all(np.isfinite(run.log_likelihood))
    assert np.all(SPACE.values(run.particles)[:, 0] >= CENTRE[0])


def test_smc_options_are_checked():
    with pytest.raises(CartelsimError, match="--particles must be at least 4"):
        sample_smc(SPACE, gaussian, particles=3)
    with pytest.raises(CartelsimError, match="target ESS"):
        sample_smc(SPACE, gaussian, target_ess=1.0)


def test_calibrate_history_by_smc_writes_a_whole_posterior(tmp_path):
    posterior, paths = calibrate_history(tmp_path / "fit", seed=1, until=2021, sampler="smc",
                                         particles=6, mcmc_steps=1, search_points=4,
                                         names=("split_hazard",), runs_per_point=2)
    assert not list(tmp_path.glob("*.part"))
    loaded = load_posterior(tmp_path / "fit")
    assert loaded.parameters == ("split_hazard",) and len(loaded.draws) == 6
    pd.testing.assert_frame_equal(loaded.draws, posterior.draws)
    meta = json.loads(paths["metadata"].read_text())
    assert meta["sampler"] == "smc" and meta["library"].startswith("smcpy ")
    assert meta["command"] == ("cartelsim calibrate history --sampler smc --particles 6 "
                               "--mcmc-steps 1 --search-points 4 --seed 1 --until 2021")
    assert meta["diagnostics"]["phi"][-1] == 1.0
    assert meta["budget"]["parameter_points"] >= 6 + 72 and meta["budget"]["particles"] == 6
    assert meta["budget"]["mode_search"] == 4 and "split_hazard" in meta["mode"]
    assert len(nuisance_draws(loaded, "sigma_groups")) == 6
    assert paths["figure"].read_bytes().startswith(b"\x89PNG")


def test_smc_from_a_starting_point_reaches_the_same_posterior():
    """Started around a point away from the posterior, the path still ends at it."""
    start = np.array([0.6, 0.6])
    run = sample_smc(SPACE, gaussian, particles=400, mcmc_steps=4, seed=1, start=start)
    values = SPACE.values(run.particles)
    np.testing.assert_allclose((values.mean(axis=0) - CENTRE) / SD, 0, atol=0.25)
    np.testing.assert_allclose(values.std(axis=0) / SD, 1, atol=0.2)


@pytest.mark.parametrize("sampler, budget, coordinates, chosen", [
    (None, None, None, "smc"),  # the default
    (None, 16000, None, "emcee"),  # emcee's options choose it, as older recorded commands do
    (None, None, "logit", "emcee"),
    ("emcee", None, None, "emcee"),
    ("smc", None, None, "smc"),
])
def test_the_sampler_is_smc_unless_emcee_is_asked_for(sampler, budget, coordinates, chosen):
    assert choose_sampler(sampler, budget, coordinates) == chosen


@pytest.mark.parametrize("sampler, budget, message", [
    ("smc", 4000, "--budget and --coordinates apply to --sampler emcee"),
    ("nuts", None, "--sampler must be one of emcee, smc, got 'nuts'"),
])
def test_a_sampler_that_cannot_be_is_refused(sampler, budget, message):
    with pytest.raises(CartelsimError, match=message):
        choose_sampler(sampler, budget, None)


def test_the_command_and_the_api_fill_the_same_defaults():
    """One place settles each sampler's options: what `calibrate history` runs without
    options is what `calibrate_history` runs without them."""
    assert sampler_options() == ("smc", {"particles": 500, "mcmc_steps": 15,
                                         "search_points": 5000, "start": "mode"})
    assert sampler_options("emcee") == ("emcee", {"budget": 16000, "coordinates": "logit"})
    assert sampler_options(budget=66, coordinates="unit") == ("emcee", {"budget": 66,
                                                                       "coordinates": "unit"})
    with pytest.raises(CartelsimError, match="--particles, --mcmc-steps, --search-points and "
                                             "--start apply to --sampler smc"):
        sampler_options("emcee", particles=100)
    with pytest.raises(CartelsimError, match="--coordinates must be one of"):
        sampler_options(coordinates="polar")
    with pytest.raises(CartelsimError, match="--particles must be at least 8"):
        sampler_options(particles=5, dim=4)
    with pytest.raises(CartelsimError, match="--start must be one of mode, slices"):
        sampler_options(start="prior")
    with pytest.raises(CartelsimError, match="needs the mode search"):
        sampler_options(start="slices", search_points=0)
    with pytest.raises(CartelsimError, match="and --start apply to --sampler smc"):
        sampler_options("emcee", start="slices")


def test_a_start_uniform_along_flat_coordinates():
    """BoxNormal starts the marked coordinates uniform on their bounds (a flat slice: the
    posterior there is about the prior), the others as truncated normals at the centre."""
    from cartelsim.calibration.record_smc import BoxNormal

    box = BoxNormal(np.array([0.1, 0.1]), np.array([0.05, 0.05]), [(0.0, 1.0), (0.0, 1.0)],
                    uniform=np.array([True, False]))
    draws = box.rvs(4000, np.random.default_rng(0))
    assert 0.45 < draws[:, 0].mean() < 0.55 and draws[:, 0].max() > 0.9  # uniform
    assert abs(draws[:, 1].mean() - 0.1) < 0.02 and draws[:, 1].max() < 0.4  # around 0.1
    uniform_part = box.logpdf(np.array([[0.9, 0.1]])) - box.logpdf(np.array([[0.2, 0.1]]))
    assert uniform_part == pytest.approx(0.0)


def test_a_fit_started_by_slices_says_which_parameters_started_uniform(tmp_path):
    posterior, paths = calibrate_history(tmp_path / "fit", seed=1, until=2021, sampler="smc",
                                         particles=6, mcmc_steps=1, search_points=4,
                                         start="slices", names=("split_hazard",),
                                         runs_per_point=2)
    meta = json.loads(paths["metadata"].read_text())
    assert meta["command"] == ("cartelsim calibrate history --sampler smc --particles 6 "
                               "--mcmc-steps 1 --search-points 4 --start slices --seed 1 "
                               "--until 2021")
    assert "uniform along the parameters whose likelihood slice" in meta["method"]
    assert meta["budget"]["parameter_points"] >= 72 + 4 + 21  # draws, search, slices


@pytest.mark.parametrize("name", [PACKAGED_NAME, PACKAGED_2021])
def test_a_packaged_posteriors_recorded_command_still_chooses_its_sampler(name):
    meta = load_posterior(packaged=name).meta
    words = meta["command"].split()
    option = {flag: words[k + 1] for k, flag in enumerate(words[:-1]) if flag.startswith("--")}
    budget = int(option["--budget"]) if "--budget" in option else None
    assert choose_sampler(option.get("--sampler"), budget, option.get("--coordinates")) == \
        meta.get("sampler", "emcee")
