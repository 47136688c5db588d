"""Bayesian calibration (emcee): recovery, determinism, diagnostics, the command, bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartelsim.calibration import bayesian
from cartelsim.calibration.bayesian import Forward, parameter_file_text, sample
from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import Params
from cartelsim.scenarios.schema import parse_scenario, read_parameter_file

TRUTH = {"recruitment_rate": 2.3e-3, "conflict_lethality": 1.3e-8}
NOISE = 0.05


@pytest.fixture(scope="module")
def synthetic(bacrim_system):
    """BACRIM 2020 with a national series made by the model at TRUTH (2012-2021), times
    log-normal noise of sd 0.05 from a fixed generator."""
    names = list(TRUTH)
    years = np.arange(2012, 2022)
    forward = Forward(bacrim_system, names, Params.defaults(), "2012-01-01", years)
    hom, dis, _, ok = forward(np.array([[TRUTH[n] for n in names]]))
    assert ok.all()
    rng = np.random.default_rng(12345)
    series = pd.DataFrame({
        "homicides": hom[0] * np.exp(NOISE * rng.standard_normal(10)),
        "missing_persons": dis[0] * np.exp(NOISE * rng.standard_normal(10)),
        "arrests": np.nan}, index=pd.Index(years, name="year"))
    return replace(bacrim_system, national_series=series)


@pytest.fixture(scope="module")
def posterior(synthetic):
    return sample(synthetic, list(TRUTH), walkers=12, steps=400, burn=150, seed=5,
                  predictive_draws=100)


def test_recovers_known_parameters_within_the_posterior_interval(posterior) -> None:
    """Synthetic data made at recruitment 2.3e-3 and conflict lethality 1.3e-8 (both away
    from the defaults the walkers start near) with 5 % log-normal noise: each true value lies
    inside its 90 % posterior interval, the intervals are much narrower than the priors
    (they span a factor 37.5 and 50), and the fitted noise covers the true 0.05."""
    table = posterior.table().set_index("parameter")
    for name, value in TRUTH.items():
        assert table.loc[name, "low_5"] <= value <= table.loc[name, "high_95"], name
        assert table.loc[name, "interval_share_of_prior"] < 0.3, name
    assert table.loc["sigma", "low_5"] < NOISE * 1.6
    assert table.loc["sigma", "high_95"] > NOISE * 0.6
    assert 0.15 < np.mean(posterior.acceptance) < 0.8


def test_predictive_band_covers_the_data(posterior) -> None:
    """The posterior predictive 90 % band contains most observed years (at least 80 %)."""
    covered = []
    for name, observed in (("homicides", posterior.target.homicides),
                           ("disappearances", posterior.target.disappearances)):
        band = posterior.predictive[name]
        assert band.shape == (3, 10)
        assert (band[0] <= band[1]).all() and (band[1] <= band[2]).all()
        covered += list((band[0] <= observed) & (observed <= band[2]))
    assert np.mean(covered) >= 0.8


def test_parameter_file_carries_medians_intervals_and_warnings(posterior, tmp_path) -> None:
    text = parameter_file_text(posterior)
    path = tmp_path / "bayes.toml"
    path.write_text(text, encoding="utf-8")
    values = read_parameter_file(path)
    assert values == pytest.approx(posterior.medians())
    assert "90 % interval" in text and "sigma:" in text and "acceptance" in text
    assert "Highest-density draw: recruitment_rate = " in text
    # 250 kept steps are fewer than 50 autocorrelation times here: said, not hidden
    assert not posterior.converged()
    assert "WARNING: chains too short" in text
    scenario = parse_scenario({"parameters_file": "bayes.toml"}, source="s.toml",
                              base=tmp_path)
    assert scenario.params().origin("conflict_lethality").startswith("calibrated")


def test_same_seed_same_chain(bacrim_system) -> None:
    def chain(seed: int) -> np.ndarray:
        return sample(bacrim_system, ["conflict_lethality"], walkers=4, steps=15, burn=5,
                      seed=seed, predictive_draws=10).chain

    first = chain(3)
    assert np.array_equal(first, chain(3))
    assert not np.array_equal(first, chain(4))


@pytest.mark.parametrize("names, options, fragment", [
    (["conflict_lethalty"], {}, "unknown parameter 'conflict_lethalty'; did you mean"),
    (["split_hazard"], {}, "does not act on the national series"),
    ([], {}, "at least one parameter"),
    (["saturation", "saturation"], {}, "repeated"),
    (["saturation"], {"walkers": 3}, "at least 4, got 3"),
    (["saturation"], {"walkers": 5}, "must be even"),
    (["saturation"], {"steps": 10, "burn": 10}, "--burn must be"),
])
def test_bad_inputs_are_clear_errors(bacrim_system, names, options, fragment) -> None:
    with pytest.raises(CartelsimError, match=__import__("re").escape(fragment)):
        sample(bacrim_system, names, **{"walkers": 8, "steps": 10, "burn": 2, **options})


def test_an_empty_range_is_refused(bacrim_system, monkeypatch) -> None:
    monkeypatch.setattr(bayesian, "search_bounds", lambda name: (1e-8, 1e-8))
    with pytest.raises(CartelsimError, match="empty or non-positive range"):
        sample(bacrim_system, ["conflict_lethality"], walkers=4, steps=5, burn=1)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cartelsim", "calibrate", *args], cwd=cwd,
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})


def test_calibrate_bayes_command(bacrim_dir: Path, tmp_path: Path) -> None:
    done = _cli("--method", "bayes", "--data", str(bacrim_dir), "--parameters",
                "conflict_lethality", "--walkers", "4", "--steps", "30", "--burn", "10",
                "--out", "post.toml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Posterior" in done.stdout and "acceptance" in done.stdout
    assert "chains too short" in done.stdout
    assert "conflict_lethality" in read_parameter_file(tmp_path / "post.toml")
    assert (tmp_path / "post.png").stat().st_size > 10_000
    assert (tmp_path / "post-predictive.png").stat().st_size > 10_000


@pytest.mark.parametrize("args, fragment", [
    (("--parameters", "nope"), "unknown parameter 'nope'"),
    (("--walkers", "2"), "--walkers must be even and at least"),
    (("--steps", "10", "--burn", "20"), "--burn must be"),
    (("--method", "abc"), "--method must be least-squares or bayes"),
    (("--system", "mars"), "--system must be one of"),
])
def test_calibrate_bad_input_exits_2(bacrim_dir: Path, tmp_path: Path, args, fragment) -> None:
    done = _cli("--method", "bayes", "--data", str(bacrim_dir), *args, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and fragment in lines[0], \
        done.stderr
    assert not (tmp_path / "outputs").exists()


def test_correlated_pairs_and_medians_off_the_ridge_are_reported(posterior) -> None:
    """A posterior whose two parameters lie on a line (log b = log a + noise) is reported as
    correlated; marginal medians with a low posterior density raise a warning."""
    rng = np.random.default_rng(1)
    a = rng.lognormal(size=(200, 4))
    b = a * np.exp(0.01 * rng.standard_normal(a.shape))
    chain = np.stack([a, b, np.full(a.shape, 0.1)], axis=2)
    fake = bayesian.Posterior(
        names=("recruitment_rate", "saturation"), chain=chain,
        log_prob=rng.normal(size=a.shape), burn=50, acceptance=np.full(4, 0.4),
        tau=np.array([1.0, 1.0, 1.0]), target=posterior.target, system_name="test",
        start="2012-01-01", seed=0, median_log_prob=-50.0)
    pairs = fake.correlated_pairs()
    assert [(x, y) for x, y, _ in pairs] == [("recruitment_rate", "saturation")]
    assert pairs[0][2] > 0.99
    notes = fake.warnings()
    assert any("off the posterior's ridge" in n for n in notes)
    assert not any("chains too short" in n for n in notes)  # 150 steps >= 50 x tau = 50
    assert fake.best() == dict(zip(fake.columns, fake.samples[
        int(np.argmax(fake.log_prob[50:].reshape(-1)))], strict=True))


def test_unusable_series_are_clear_errors(bacrim_system, make_system) -> None:
    with pytest.raises(CartelsimError, match="has no national homicide series"):
        sample(make_system(3, rivalries=[(0, 1, 1.0)]), ["saturation"], walkers=4, steps=5,
               burn=1)
    series = bacrim_system.national_series.copy()
    series.loc[2015, "missing_persons"] = 0.0
    with pytest.raises(CartelsimError, match="disappearances of 2015 is 0; a log-normal"):
        sample(replace(bacrim_system, national_series=series), ["saturation"], walkers=4,
               steps=5, burn=1)
    short = bacrim_system.national_series.loc[2020:]
    with pytest.raises(CartelsimError, match="fewer than 3 yearly values"):
        sample(replace(bacrim_system, national_series=short.iloc[:1]), ["saturation"],
               walkers=4, steps=5, burn=1)
