"""U.S. pressure (`us_pressure`, EVIDENCE F27-F28): more arrests while it lasts, and
high-value-target operations arriving as a Poisson process aimed at the visible groups.

Deterministic engine on the embedded Mexico 2025 system: members follow the rate laws, the
operations draw from each run's events stream, so runs differ only by their removals.
Statistical checks accept the expected value within 4 standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import Params
from cartelsim.scenarios.runner import run_scenario
from cartelsim.scenarios.schema import parse_scenario

W, E = 8, 40  # pressure from week 8 (2026-02-26) to week 40 (2026-10-08), horizon 52 weeks
RUNS, WEEKS = 100, 156  # for the removal counts


def scenario(effect: float, *, weeks: int, runs: int, parameters: dict | None = None,
             **timing) -> dict:
    return {
        "name": "pressure-test",
        "horizon": {"start": "2026-01-01", "weeks": weeks},
        "parameters": parameters or {},
        "run": {"engine": "deterministic", "runs": runs, "seed": 0},
        "interventions": [{"action": "us_pressure", "effect": effect, **timing}],
    }


def removals_per_group(ds: xr.Dataset, params: Params) -> np.ndarray:
    """Successful removals [run, group] read off the command-integrity trace.

    Between weeks integrity only recovers, L -> 1 - (1 - L) e^-lambda; any value below that
    is a removal (or a splinter's birth at splinter_integrity: in a slot of the capped
    engines, or in a new column of the world engine, NaN before it exists and read as 1).
    The last row is the trace held to the end of the horizon, so it is not read.
    """
    trace = np.nan_to_num(ds.command_integrity.values, nan=1.0)  # [run, time, group]
    recovered = 1.0 - (1.0 - trace[:, :-2]) * math.exp(-params["integrity_recovery"])
    dropped = np.concatenate([trace[:, :1] < 1.0, trace[:, 1:-1] < recovered - 1e-12], axis=1)
    weeks = trace.shape[1] - 1
    # one drop per removal and per split, week by week
    np.testing.assert_array_equal(dropped.sum(axis=2),
                                  (ds.hvt_removals + ds.splits).values[:, :weeks])
    return dropped.sum(axis=1)


@pytest.fixture(scope="module")
def params() -> Params:
    """The parameters these scenarios run at (the default world: the calibrated posterior)."""
    return parse_scenario(scenario(1.0, weeks=WEEKS, runs=RUNS)).params()


@pytest.fixture(scope="module")
def pressed() -> xr.Dataset:
    return run_scenario(parse_scenario(scenario(1.0, weeks=WEEKS, runs=RUNS)))


# --------------------------------------------------------------------------- arrests


@pytest.mark.parametrize("effect, gain", [(1.0, 0.1), (2.0, 0.25)])
def test_pressure_scales_national_arrests_while_active(params, effect, gain) -> None:
    ds = run_scenario(parse_scenario(scenario(
        effect, weeks=52, runs=3, parameters={"pressure_arrest_gain": gain},
        start="2026-02-26", end="2026-10-08")))
    eta = params["incapacitation"]
    arrests = ds.total_arrests.values  # row t: the week ending at t
    np.testing.assert_allclose(arrests[:, 1:W + 1], eta, rtol=1e-9)
    np.testing.assert_allclose(arrests[:, W + 1:E + 1], eta * (1.0 + gain * effect), rtol=1e-9)
    np.testing.assert_allclose(arrests[:, E + 1:], eta, rtol=1e-9)
    # leader removals happened meanwhile, only while the pressure lasted, and did not
    # change the national arrests
    removals = ds.hvt_removals.values
    assert removals[:, W:E].sum() > 0
    assert removals[:, :W].sum() == 0 and removals[:, E:].sum() == 0


# --------------------------------------------------------------------------- removals


def test_pressure_driven_removals_arrive_at_the_poisson_rate(pressed, params) -> None:
    per_run = pressed.hvt_removals.values.sum(axis=1)
    expected = params["pressure_hvt_rate"] * 1.0 * WEEKS  # active for the whole horizon
    se = math.sqrt(expected / RUNS)
    assert abs(per_run.mean() - expected) < 4 * se, (per_run.mean(), expected, se)
    # a Poisson count: its variance is its mean (the sample variance of n Poisson draws has
    # variance about (mu + 2 mu^2) / n)
    se_var = math.sqrt((expected + 2 * expected**2) / RUNS)
    assert abs(per_run.var(ddof=1) - expected) < 4 * se_var, (per_run.var(ddof=1), expected)
    assert (pressed.hvt_removals.values[:, WEEKS] == 0).all()  # no week after the horizon


def test_pressure_removals_land_more_often_on_larger_groups(pressed, params) -> None:
    hits = removals_per_group(pressed, params).sum(axis=0)
    members0 = pressed.members.values[0, 0]
    real = np.array([not str(g).endswith("_splinter") and not str(g).startswith("split-")
                     for g in pressed.group.values])  # splinters: capped and world engine
    order = [g for g in np.argsort(-members0, kind="stable") if real[g]]
    largest, tenth = order[0], order[9]
    assert hits[largest] > hits[tenth], (hits[largest], hits[tenth])
    assert hits[order[:10]].sum() > hits[order[10:]].sum()


@pytest.mark.parametrize("timing", [{}, {"start": "2026-02-26", "end": "2026-10-08"}],
                         ids=["whole-horizon", "part"])
def test_no_pressure_no_removals_and_no_change(params, timing) -> None:
    weeks = 104
    ds = run_scenario(parse_scenario(scenario(0.0, weeks=weeks, runs=2, **timing)))
    assert (ds.hvt_removals.values == 0).all()
    assert (ds.splits.values == 0).all()
    integrity = ds.command_integrity.values  # NaN where a group does not exist (entrants)
    assert (integrity[~np.isnan(integrity)] == 1.0).all()
    np.testing.assert_allclose(ds.total_arrests.values[:, 1:], params["incapacitation"],
                               rtol=1e-9)
    status_quo = run_scenario(parse_scenario({**scenario(0.0, weeks=weeks, runs=2),
                                              "interventions": []}))
    real = [str(g) for g in status_quo.group.values]
    members = ds.members.sel(group=real).values
    if timing:  # its dates cut the horizon into segments: the same model, other rounding
        np.testing.assert_allclose(members, status_quo.members.values, rtol=1e-9, atol=1e-9)
    else:  # one segment, empty splinter slots: the published model bit for bit
        np.testing.assert_array_equal(members, status_quo.members.values)


def test_pressure_acts_on_the_whole_country_only() -> None:
    data = scenario(1.0, weeks=52, runs=1, target={"groups": ["cjng"]})
    with pytest.raises(CartelsimError) as info:
        parse_scenario(data, source="pressure.toml")
    message = str(info.value)
    assert "pressure.toml" in message and "interventions[1]" in message
    assert "us_pressure acts on the whole country" in message
    assert "\n" not in message
    for target in ({"largest": 3}, {"rivals_of": "cjng"}):
        with pytest.raises(CartelsimError, match="whole country"):
            parse_scenario(scenario(1.0, weeks=52, runs=1, target=target))
