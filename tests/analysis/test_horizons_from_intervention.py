"""Horizons are months after the first intervention, not after the start of the simulation.

A leader killed on 2026-06-01 in a run that starts on 2026-01-01: "1 month" used to mean
2026-01-29, four months before the killing, where the paired worlds are still identical,
so `cartelsim compare --horizons 1` printed a row of zeros dated before the killing.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartelsim.analysis.compare import first_intervention, origin_week, paired_differences
from cartelsim.errors import CartelsimError
from cartelsim.scenarios.runner import run_scenario
from cartelsim.scenarios.schema import parse_scenario

KILLED = dt.date(2026, 6, 1)


def scenario(name: str, interventions: list[dict]) -> dict:
    return {"name": name, "horizon": {"start": "2026-01-01", "weeks": 60},
            "run": {"engine": "stochastic", "runs": 6, "seed": 4},
            "interventions": interventions}


KILLING = [{"action": "remove_leader", "kind": "killed", "succession": "contested",
            "start": str(KILLED), "target": {"groups": ["cjng"]}}]


@pytest.fixture(scope="module")
def worlds():
    base = parse_scenario(scenario("status-quo", []))
    policy = parse_scenario(scenario("killing", KILLING))
    return base, policy, run_scenario(base), run_scenario(policy)


def test_first_intervention_is_the_earliest_start_of_either_scenario() -> None:
    policy = parse_scenario(scenario("killing", KILLING))
    assert first_intervention(policy) == KILLED
    assert first_intervention(parse_scenario(scenario("none", []))) is None
    earlier = parse_scenario(scenario("sweep", [{"action": "arrest_sweep", "effect": 0.1,
                                                 "start": "2026-03-01"}]))
    assert first_intervention(policy, earlier) == dt.date(2026, 3, 1)
    unscheduled = parse_scenario(scenario("now", [{"action": "scale_arrests", "effect": 2}]))
    assert first_intervention(unscheduled) == dt.date(2026, 1, 1)  # from the start


def test_every_row_is_dated_after_the_killing(worlds) -> None:
    base, policy, base_ds, policy_ds = worlds
    since = first_intervention(base, policy)
    table = paired_differences(base_ds, policy_ds, (1, 3), since=since)
    origin = origin_week(policy_ds.time.values, since)
    assert origin == 22  # 151 days: the killing acts in week 22, as the plan rounds it
    assert pd.Timestamp(policy_ds.time.values[origin]).date() == dt.date(2026, 6, 4)
    assert (table["date"] > KILLED).all()
    assert set(table["date"]) == {pd.Timestamp(policy_ds.time.values[origin + w]).date()
                                  for w in (4, 13)}
    # a month after the killing the worlds differ (the group split): not a row of zeros
    month = table[table.horizon_months == 1]
    assert (month["high"] - month["low"] > 0).any() or (month["difference"] != 0).any()


def test_counted_from_the_start_the_same_horizon_is_zeros_before_the_killing(worlds) -> None:
    """What the old default did, still available as since=None: the reproducer."""
    _, _, base_ds, policy_ds = worlds
    table = paired_differences(base_ds, policy_ds, (1,))
    assert (table["date"] < KILLED).all()
    assert np.all(table[["difference", "low", "high"]].to_numpy() == 0.0)


def test_a_horizon_past_the_end_names_the_date_it_counts_from(worlds) -> None:
    _, _, base_ds, policy_ds = worlds
    with pytest.raises(CartelsimError, match=r"9 months after 2026-06-01 is beyond the "
                                             r"simulated 38 weeks after 2026-06-01"):
        paired_differences(base_ds, policy_ds, (9,), since=KILLED)
    with pytest.raises(CartelsimError, match="not inside the simulated"):
        paired_differences(base_ds, policy_ds, (1,), since=dt.date(2030, 1, 1))


def test_compare_counts_its_horizons_from_the_first_intervention(tmp_path: Path) -> None:
    import tomli_w

    (tmp_path / "base.toml").write_text(tomli_w.dumps(scenario("status-quo", [])))
    (tmp_path / "policy.toml").write_text(tomli_w.dumps(scenario("killing", KILLING)))
    done = subprocess.run([sys.executable, "-m", "cartelsim", "compare", "base.toml",
                           "policy.toml", "--horizons", "1,3", "--quiet", "--out", "t.csv"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "t.csv", parse_dates=["date"])
    assert (table["date"].dt.date > KILLED).all()
    assert "months after 2026-06-01, the first intervention" in " ".join(done.stdout.split())
