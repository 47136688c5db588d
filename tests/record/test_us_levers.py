"""The timeline's U.S. measures as pressure levers of the territory replay (us_levers.csv):
the replay without territory is unchanged, with territory the levers run between the dated
measures, and dropped measures keep their levers in place at amount 0."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cartelsim.errors import DataFileError
from cartelsim.interventions.plan import InterventionPlan
from cartelsim.record.events import load_events
from cartelsim.record.levers import LEVERS_FILE, load_us_levers
from cartelsim.record.replay import REPLAY_START, build_replay, run_replay
from tests.record.support import edit, set_cells

RUNS, SEED = 2, 5
TARIFF = ("tariff_threat", dt.date(2025, 2, 1), dt.date(2026, 2, 20))
FTO = ("fto_designation", dt.date(2025, 2, 20), None)


@pytest.fixture(scope="module")
def timeline():
    return load_events()


def _levers(scenario):
    return [(i.action, i.start, i.end, i.effect) for i in scenario.interventions
            if i.action != "remove_leader"]


def test_without_territory_the_replay_holds_the_removals_alone(timeline) -> None:
    off = build_replay(timeline, runs=RUNS, seed=SEED)
    on = build_replay(timeline, runs=RUNS, seed=SEED, territory=True)
    assert {i.action for i in off.scenario.interventions} == {"remove_leader"}
    # territory adds the two levers after the removals and changes none of them
    assert on.scenario.interventions[:-2] == off.scenario.interventions
    assert "U.S." not in off.scenario.description
    measures = [u for u in off.uses if u.event.kind == "us_measure"]
    assert len(measures) == 8
    assert all(not u.acts and u.intervention == 0 and "territory on" in u.status
               for u in measures)


def test_with_territory_the_levers_run_between_the_dated_measures(timeline) -> None:
    setup = build_replay(timeline, runs=RUNS, seed=SEED, territory=True)
    assert _levers(setup.scenario) == [(*TARIFF, 0.5), (*FTO, 0.5)]
    status = {u.event.date: u.status for u in setup.uses if u.event.kind == "us_measure"}
    tariff = "applied as tariff_threat 2025-02-01 to 2026-02-20 (territory on)"
    assert status[dt.date(2025, 2, 1)] == status[dt.date(2026, 2, 20)] == tariff
    assert status[dt.date(2025, 2, 20)].startswith("applied as fto_designation 2025-02-20")
    assert status[dt.date(2025, 2, 3)].startswith("not applied")  # the pause ends nothing
    acting = [u for u in setup.uses if u.event.kind == "us_measure" and u.acts]
    count = len(setup.scenario.interventions)
    assert sorted(u.intervention for u in acting) == [count - 1, count - 1, count]


def test_the_scheduled_pressure_is_on_from_february_2025_only(timeline) -> None:
    """What the engine reads each week: u = 0 before the first tariff order, 0.5 with the
    tariff alone, 1 with both levers, 0.5 after the Supreme Court's ruling."""
    scenario = build_replay(timeline, runs=RUNS, seed=SEED, territory=True).scenario
    params = scenario.params()
    start = pd.Timestamp(REPLAY_START)
    plan = InterventionPlan(scenario.build_system(params), params, scenario.interventions,
                            start, scenario.horizon.weeks)

    def week(day: str) -> int:
        return (pd.Timestamp(day) - start).days // 7

    assert max(plan.pressure(w) for w in range(week("2025-01-25"))) == 0.0
    assert plan.pressure(week("2025-02-10")) == pytest.approx(0.5)
    assert plan.pressure(week("2025-06-01")) == pytest.approx(1.0)
    assert plan.pressure(week("2026-04-01")) == pytest.approx(0.5)


def test_dropped_measures_leave_the_levers_in_place_at_zero(timeline) -> None:
    measures = [e for e in timeline if e.kind == "us_measure"]
    factual = build_replay(timeline, runs=RUNS, seed=SEED, territory=True)
    dropped = build_replay(timeline, runs=RUNS, seed=SEED, territory=True, dropped=measures)
    assert _levers(dropped.scenario) == [(*TARIFF, 0.0), (*FTO, 0.0)]
    # paired worlds: the same interventions in the same places, only the amounts differ
    assert factual.scenario.interventions[:-2] == dropped.scenario.interventions[:-2]
    assert [(i.action, i.start, i.end) for i in factual.scenario.interventions] == [
        (i.action, i.start, i.end) for i in dropped.scenario.interventions]
    assert all(u.status == "dropped" for u in dropped.uses if u.intervention
               and u.event.kind == "us_measure")
    # dropping the FTO designation alone leaves the tariff lever acting
    fto = [e for e in measures if e.date == FTO[1]]
    one = build_replay(timeline, runs=RUNS, seed=SEED, territory=True, dropped=fto)
    assert _levers(one.scenario) == [(*TARIFF, 0.5), (*FTO, 0.0)]


def test_the_packaged_levers_cite_their_sources() -> None:
    levers = load_us_levers()
    assert [lever.lever for lever in levers] == ["tariff_threat", "fto_designation"]
    assert all(lever.source_urls and lever.notes for lever in levers)


@pytest.mark.parametrize(("cells", "problem"), [
    ({"lever": "tarif_threat"}, "did you mean 'tariff_threat'"),
    ({"end": "2025-01-01"}, "must come after start"),
    ({"amount": "abc"}, "amount 'abc' is not a number"),
    ({"source_url": ""}, "empty source_url"),
    ({"start": "2025-13-01"}, "start '2025-13-01' is not a date"),
])
def test_a_malformed_row_is_a_one_line_error_naming_file_and_line(history_dir, cells,
                                                                   problem) -> None:
    edit(history_dir / LEVERS_FILE, set_cells(1, **cells))
    with pytest.raises(DataFileError) as caught:
        load_us_levers(history_dir)
    message = str(caught.value)
    assert "\n" not in message and problem in message
    assert message.startswith(f"{history_dir / LEVERS_FILE}, line 3:")


def test_the_territory_replay_reads_the_edited_levers(history_dir, timeline) -> None:
    edit(history_dir / LEVERS_FILE, set_cells(0, amount="2"))
    setup = build_replay(timeline, runs=RUNS, seed=SEED, territory=True,
                         data=str(history_dir))
    assert _levers(setup.scenario)[0] == (*TARIFF, 2.0)
    edit(history_dir / LEVERS_FILE, set_cells(0, amount="-1"))
    with pytest.raises(DataFileError, match=r"line 2: amount must be non-negative"):
        build_replay(timeline, runs=RUNS, seed=SEED, territory=True, data=str(history_dir))


@pytest.fixture(scope="module")
def worlds(timeline):
    """A two-run replay without territory, with it, and with it but the U.S. measures
    dropped (the levers at 0), on the catalogue defaults."""
    measures = [e for e in timeline if e.kind == "us_measure"]
    return tuple(run_replay(build_replay(timeline, runs=RUNS, seed=SEED, **options))
                 for options in ({}, {"territory": True},
                                 {"territory": True, "dropped": measures}))


def test_the_levers_move_the_territory_replay_from_february_2025_only(worlds) -> None:
    off, on, zero = worlds
    before, after = slice(None, "2025-01-31"), slice("2025-02-01", None)
    for name in ("homicides", "members"):  # members: all groups together (splits differ)
        first, second = (ds[name].sum([d for d in ds[name].dims if d not in ("run", "time")])
                         for ds in (on, zero))
        np.testing.assert_array_equal(first.sel(time=before).values,
                                      second.sel(time=before).values)
        assert not np.array_equal(first.sel(time=after).values,
                                  second.sel(time=after).values)
    # levers at 0 act on nothing: the national series is the replay without territory's
    np.testing.assert_array_equal(zero["homicides"].values, off["homicides"].values)
