"""C5 and C6 on the territory mechanisms: their scenarios run with territory on, the flow
north is in tonnes by crossing and adds up, cut and diverted are told apart by stated rules,
and the sections of the small brief say what their numbers say."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cartelsim.report.claims import c5_pressure, c6_flow
from cartelsim.report.claims.base import Context
from cartelsim.report.model import Estimate
from cartelsim.report.sensitivity import Plan
from cartelsim.report.verdict import (
    BOTH_WAYS,
    MOSTLY_CUT,
    MOSTLY_DIVERTED,
    NOT_SUPPORTED,
    SUPPORTED,
    UNCERTAIN,
    combine,
    cut_or_diverted,
    judge,
    judge_cut,
)
from cartelsim.report.world import Runner, make_setup


@pytest.fixture(scope="module")
def ctx() -> Context:
    """Two worlds for 120 weeks: the two years of C6's policies fit from the policy date."""
    setup = make_setup("mexico2025", weeks=120, runs=2, seed=3)
    return Context(setup, Runner(setup), Plan(swing_parameters=0, runs=2))


@pytest.fixture(scope="module")
def runs(ctx):
    return {label: ctx.runner.run(data) for label, data in c6_flow.scenarios(ctx).items()}


def test_the_scenarios_run_with_territory_and_the_intended_levers(ctx) -> None:
    for data in [*c6_flow.scenarios(ctx).values()]:
        assert data["mechanisms"]["territory"] is True
    levers = [item["action"] for item in c5_pressure.levers(ctx)["interventions"]]
    assert levers == ["tariff_threat", "fto_designation"]
    crackdown = c6_flow.crackdown(ctx)["interventions"][0]
    assert crackdown["action"] == "crossing_crackdown"
    assert crackdown["crossing"] == c6_flow.CROSSING
    assert c5_pressure.status_quo(ctx)["interventions"] == []


def test_results_carry_tonnes_by_crossing_and_no_flow_index(runs) -> None:
    for ds in runs.values():
        assert ds["flow_north"].dims == ("run", "time", "crossing")
        assert "state_homicides" in ds and "flow_index" not in ds
        assert float(ds["flow_north"].isel(time=slice(1, None)).min()) >= 0.0


def test_the_split_by_crossing_adds_up_to_the_total(runs) -> None:
    base, cracked = runs["status quo"], runs["crackdown"]
    weeks = c6_flow.window(cracked)
    assert weeks.stop - weeks.start == 104  # the crackdown's two years, whole
    change = c6_flow.tonnes(cracked, weeks) - c6_flow.tonnes(base, weeks)  # (run, crossing)
    total = (cracked["flow_north"].isel(time=weeks).sum(("time", "crossing"))
             - base["flow_north"].isel(time=weeks).sum(("time", "crossing")))
    np.testing.assert_allclose(change.sum("crossing").values, total.values, rtol=1e-9,
                               atol=1e-9)
    flows = c6_flow.measure(runs)
    assert flows.weeks == 104
    assert flows.at_crossing.median + flows.elsewhere.median == pytest.approx(
        flows.total["crackdown"].median, abs=1e-6)
    # what the crossing lost went elsewhere or was seized: supply is unchanged
    seized = c6_flow.tonnes(cracked, weeks, "seized_north") - c6_flow.tonnes(
        base, weeks, "seized_north")
    np.testing.assert_allclose((change.sum("crossing") + seized.sum("crossing")).values, 0.0,
                               atol=1e-6)


def test_the_crackdown_moves_tonnes_away_from_its_crossing(runs) -> None:
    flows = c6_flow.measure(runs)
    assert flows.at_crossing.high < 0 < flows.elsewhere.low
    assert 0.0 < flows.diverted.low <= flows.diverted.high <= 100.0
    assert flows.seized.low > 0  # three times the seizure share where it acts
    # raids remove members, not demand: the supply moved north does not change
    assert flows.total["raids"].low == pytest.approx(0.0, abs=1e-6)
    assert flows.total["raids"].high == pytest.approx(0.0, abs=1e-6)


def test_route_states_follow_the_crossing_cost(ctx) -> None:
    codes = c6_flow.route_states(ctx)
    assert codes and all(len(c) == 2 and c.isdigit() for c in codes)
    # with no cost at the crossings, a crackdown's factor multiplies nothing: no diversion
    assert c6_flow.route_states(ctx, {"territory_crossing_cost": 0.0}) == []


def shares() -> st.SearchStrategy[Estimate]:
    values = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)
    return st.tuples(values, values, values).map(sorted).map(
        lambda v: Estimate("diverted", "%", v[1], v[0], v[2], 20, digits=1))


@given(shares())
def test_cut_or_diverted_never_contradicts_its_interval(share) -> None:
    words = cut_or_diverted(share)
    assert (words == MOSTLY_DIVERTED) == (share.low > 50.0)
    assert (words == MOSTLY_CUT) == (share.high < 50.0)
    if words == BOTH_WAYS:
        assert share.low <= 50.0 <= share.high
    verdict = judge_cut(share, "It cuts")
    assert verdict.reason.startswith(f"“It cuts” — {verdict.label}:")
    assert verdict.label == {MOSTLY_CUT: SUPPORTED, MOSTLY_DIVERTED: NOT_SUPPORTED,
                             BOTH_WAYS: UNCERTAIN}[words]


def test_no_tonnes_kept_is_neither_cut_nor_diverted() -> None:
    empty = Estimate("diverted", "%", float("nan"), float("nan"), float("nan"), 0)
    assert cut_or_diverted(empty).startswith("neither")
    assert judge_cut(empty, "It cuts").label == UNCERTAIN


def section(brief, claim: str):
    return next(c for c in brief.claims if c.id == claim)


def test_c6_judges_the_total_and_says_cut_or_diverted(small_brief) -> None:
    c6 = section(small_brief, "C6")
    labels = [e.label for e in c6.estimates]
    assert any("tonnes north over the 104 weeks" in label for label in labels)
    assert any("crossed elsewhere (diverted)" in label for label in labels)
    assert any("new routes" in label for label in labels)
    assert [title[:3] for title, _ in c6.parts] == ["(a)", "(b)", "(c)", "(d)"]
    # no swings in the small brief: the verdict is the parts combined, worded from them
    assert c6.verdict == combine([v for _, v in c6.parts])
    diverted = next(e for e in c6.estimates if "(diverted)" in e.label)
    assert cut_or_diverted(diverted) in c6.headline
    total = c6.estimates[0]
    assert c6.parts[0][1] == judge(total, "lower", c6_flow.PARTS[0][2])
    assert any("change in homicides by state" in f.caption or "Homicides per 100,000" in
               f.caption for f in c6.figures)


def test_c5_reports_removals_costs_tonnes_and_the_visible_weight(small_brief) -> None:
    c5 = section(small_brief, "C5")
    labels = [e.label for e in c5.estimates]
    for word in ("extra leader removals", "arrests", "homicides", "active groups", "members",
                 "tonnes north"):
        assert any(word in label for label in labels), word
    for v in c5_pressure.VISIBLE_LEVELS[:-1]:
        assert any(label.endswith(f", v = {v:g}") for label in labels)
    removals = c5.estimates[0]
    assert c5.parts[0][1] == judge(removals, "higher", "Pressure raises observable results")
    structural = next(e for e in c5.estimates
                      if e.label.startswith("extra leader removals") and e.label.endswith(
                          "v = 0"))
    # v = 0: no pressure is answered with visible operations, so no extra captures
    assert structural.low == structural.high == 0.0


def test_the_maps_section_draws_the_territorial_status_quo(small_brief) -> None:
    captions = [f.caption for f in small_brief.maps.figures]
    assert any("tonnes per week north by crossing" in c for c in captions)
    assert not any("no crossing dimension" in n for n in small_brief.maps.notes)
