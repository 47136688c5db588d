"""Money and protection in the world step against `mechanisms.finance` (today's engine)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from cartelsim.scenarios.examples import examples_dir
from cartelsim.scenarios.runner import run_scenario
from cartelsim.scenarios.schema import Scenario, load_scenario

SCENARIOS = examples_dir()


def variant(name: str, fragmentation: str, engine: str, runs: int, weeks: int) -> Scenario:
    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    return scenario.model_copy(update={
        "run": scenario.run.model_copy(update={"runs": runs, "engine": engine}),
        "horizon": scenario.horizon.model_copy(update={"weeks": weeks}),
        "mechanisms": scenario.mechanisms.model_copy(update={"fragmentation": fragmentation}),
        # the capped engines have no new-group entry: compare the engines without it
        "parameters": {**scenario.parameters, "entry_rate": 0.0},
    })


def both(name: str, engine: str, runs: int, weeks: int) -> tuple[xr.Dataset, xr.Dataset]:
    return (run_scenario(variant(name, "open", engine, runs, weeks)),
            run_scenario(variant(name, "capped", engine, runs, weeks)))


def test_money_and_protection_follow_the_same_equations() -> None:
    """No intervention, deterministic: members, money and protection agree to rounding."""
    ours, ref = both("status-quo-money-protection", "deterministic", 1, 156)
    n = ours.sizes["group"]
    for name in ("members", "money", "protection", "command_integrity"):
        np.testing.assert_allclose(ours[name].values, ref[name].values[..., :n], rtol=1e-12,
                                   atol=1e-12, err_msg=name)


def test_pressure_freezes_and_prosecution_agree_in_distribution() -> None:
    """HVT under U.S. pressure plus freezes and prosecution, stochastic: removals,
    seizures, CJNG's money and protection and total members agree within 4 s.e."""
    runs = 48
    ours, ref = both("hvt-plus-finance-protection", "stochastic", runs, 104)
    assert (ours.status.values == 0).all() and (ref.status.values == 0).all()

    def close(a: np.ndarray, b: np.ndarray, what: str) -> None:
        se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        assert abs(a.mean() - b.mean()) <= 4 * se + 1e-12 * abs(b.mean()), (
            what, a.mean(), b.mean(), se)

    close(ours.hvt_removals.values.sum(axis=1), ref.hvt_removals.values.sum(axis=1), "hvt")
    close(ours.seizures.values.sum(axis=1), ref.seizures.values.sum(axis=1), "seizures")
    close(ours.total_members.values[:, -1], ref.total_members.values[:, -1], "members")
    for name in ("money", "protection"):
        close(ours[name].sel(group="cjng").values[:, -1],
              ref[name].sel(group="cjng").values[:, -1], name)
    assert np.isfinite(ours.money.values[:, :, :150]).all()
