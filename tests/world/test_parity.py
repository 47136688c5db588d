"""The world engine against today's engines: the published model exactly, and the same
leadership mechanism (one removal, one split) as `mechanisms.world.WorldPlan`."""

from __future__ import annotations

import numpy as np
import pytest

from cartelsim.engines.simulate import simulate
from cartelsim.scenarios.runner import run_scenario
from cartelsim.scenarios.schema import parse_scenario
from cartelsim.world import STEP_ORDER, describe_step
from cartelsim.world.run import run_world

FLOWS = ("recruits", "arrests", "deaths", "exits")


def test_step_order_is_declared_once_and_listable() -> None:
    names = [name for name, _ in STEP_ORDER]
    assert names[:2] == ["targets", "recovery"] and names[-1] == "record"
    assert names.index("splits") < names.index("flows") < names.index("ends")
    text = describe_step()
    assert all(f"{k + 1:2d}. {name}:" in text for k, name in enumerate(names))


def test_published_model_on_bacrim_is_reproduced_week_by_week(bacrim_system) -> None:
    """Mechanisms idle, no intervention: the deterministic world step gives today's
    deterministic engine (the published model) to 1e-4, in fact bit for bit."""
    ours = run_world(bacrim_system, weeks=520, initial="zipf")
    ref = simulate(bacrim_system, weeks=520, initial="zipf")
    for name in ("members", *FLOWS):
        a, b = ours[name].values, ref[name].values
        np.testing.assert_allclose(a[:, 1:], b[:, 1:], rtol=1e-4, err_msg=name)
        np.testing.assert_array_equal(a, b, err_msg=name)
    for name in ("total_members", "active_groups", "homicides"):
        np.testing.assert_array_equal(ours[name].values, ref[name].values, err_msg=name)
    assert (ours.group_end_week.values == -1).all()


def _flagship(engine: str, runs: int, fragmentation: str, weeks: int = 156) -> dict:
    return {
        "name": "flagship-test",
        "horizon": {"start": "2026-01-01", "weeks": weeks},
        "run": {"engine": engine, "runs": runs, "seed": 3},
        "mechanisms": {"fragmentation": fragmentation},
        "parameters": {"entry_rate": 0.0},  # the capped engines have no entry
        "interventions": [{"action": "remove_leader", "kind": "killed",
                           "succession": "contested", "start": "2026-02-22",
                           "target": {"groups": ["cjng"]}}],
    }


def test_one_removal_without_split_matches_todays_engine() -> None:
    """A settled removal (no contest, so no split): same integrity path and members."""
    data = _flagship("deterministic", 1, "open")
    data["interventions"][0]["succession"] = "settled"
    ours = run_scenario(parse_scenario(data))
    ref = run_scenario(parse_scenario(_flagship("deterministic", 1, "capped")
                                      | {"interventions": data["interventions"]}))
    n = ours.sizes["group"]
    np.testing.assert_allclose(ours.command_integrity.values,
                               ref.command_integrity.values[:, :, :n], rtol=0, atol=1e-15)
    np.testing.assert_allclose(ours.members.values, ref.members.values[:, :, :n], rtol=1e-12)
    assert ours.hvt_removals.values.sum() == ref.hvt_removals.values.sum() == 1


def test_one_split_matches_todays_engine_in_distribution() -> None:
    """Contested killing of CJNG's leader, stochastic: the split week, the splinter's size
    and CJNG's members agree with today's engine within sampling error (4 s.e.)."""
    runs = 120
    ours = run_scenario(parse_scenario(_flagship("stochastic", runs, "open")))
    ref = run_scenario(parse_scenario(_flagship("stochastic", runs, "capped")))
    assert (ours.status.values == 0).all() and (ref.status.values == 0).all()
    split_ours, split_ref = ours.splits.values.sum(axis=1), ref.splits.values.sum(axis=1)
    assert split_ours.max() <= 1  # a splinter is not contested: one split only here
    p_ours, p_ref = split_ours.mean(), split_ref.mean()
    se = np.sqrt(p_ours * (1 - p_ours) / runs + p_ref * (1 - p_ref) / runs) + 1e-9
    assert abs(p_ours - p_ref) <= 4 * se
    for name, group in (("members", "cjng"),):
        a = ours[name].sel(group=group).values[:, -1]
        b = ref[name].sel(group=group).values[:, -1]
        se = np.sqrt(a.var(ddof=1) / runs + b.var(ddof=1) / runs)
        assert abs(a.mean() - b.mean()) <= 4 * se, (a.mean(), b.mean(), se)
    ours_total = ours.total_members.values[:, -1]
    ref_total = ref.total_members.values[:, -1]
    se = np.sqrt(ours_total.var(ddof=1) / runs + ref_total.var(ddof=1) / runs)
    assert abs(ours_total.mean() - ref_total.mean()) <= 4 * se


@pytest.mark.parametrize("engine", ["deterministic", "stochastic"])
def test_the_flag_chooses_the_engine(engine: str) -> None:
    """"capped" runs the older engines, "open" (the default) the world engine."""
    capped = run_scenario(parse_scenario(_flagship(engine, 1, "capped", weeks=10)))
    opened = run_scenario(parse_scenario(_flagship(engine, 1, "open", weeks=10)))
    assert "fragmentation" not in capped.attrs and opened.attrs["fragmentation"] == "open"
    assert "group_parent" in opened and "group_parent" not in capped
