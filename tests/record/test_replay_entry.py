"""The replay with new local groups entering (entry_rate, EVIDENCE F11) and with removals of
groups formed after 2007 acting on their 2007 lineage (El Mencho, CJNG -> milenio)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cartelsim.record.events import load_events
from cartelsim.record.observation import year_end
from cartelsim.record.replay import REPLAY_START, build_replay, run_replay

RUNS, SEED = 2, 7
MENCHO = dt.date(2026, 2, 22)
# F11: 171 unaffiliated local groups over 2009-Oct 2020 (615 weeks), about 0.28 a week
RATE = 0.28


@pytest.fixture(scope="module")
def timeline():
    return load_events()


def replay(timeline, rate: float, dropped=()):
    setup = build_replay(timeline, runs=RUNS, seed=SEED, dropped=dropped,
                         parameters={"entry_rate": rate})
    return setup, run_replay(setup)


def test_entry_moves_the_group_counts_towards_the_record(timeline) -> None:
    _, closed = replay(timeline, 0.0)
    _, opened = replay(timeline, RATE)
    before = year_end(closed, "active_groups")
    after = year_end(opened, "active_groups")
    assert not closed.group_entrant.values.any() and opened.group_entrant.values.any()
    for year in (2011, 2018):
        assert (after.sel(year=year).values > before.sel(year=year).values + 20).all()
    weeks_2018 = (pd.Timestamp("2019-01-01") - pd.Timestamp(REPLAY_START)).days / 7
    # entrants to the end of 2018 are about RATE x weeks; some have ended since
    assert (after.sel(year=2018).values < before.sel(year=2018).values
            + RATE * weeks_2018 + 5 * np.sqrt(RATE * weeks_2018)).all()


def test_el_menchos_removal_acts_on_the_largest_group_of_the_milenio_lineage(timeline) -> None:
    setup, factual = replay(timeline, RATE)
    use = next(u for u in setup.uses if u.event.date == MENCHO)
    assert use.event.group == "cjng" and use.acts
    assert use.status == "applied to the largest group of the milenio lineage"
    spec = setup.scenario.interventions[use.intervention - 1]
    assert (spec.target.largest, spec.target.lineage, spec.kind) == (1, "milenio", "killed")
    _, without = replay(timeline, RATE, dropped=[use.event])
    week = int(round((pd.Timestamp(MENCHO) - pd.Timestamp(REPLAY_START)).days / 7))
    extra = factual.hvt_removals.values[:, week] - without.hvt_removals.values[:, week]
    np.testing.assert_array_equal(extra, 1.0)  # one more removal, in every run
    milenio = list(factual.group.values).index("milenio")
    integrity = factual.command_integrity.values[:, week]
    members = factual.members.values[:, week]
    for r in range(RUNS):
        ours = np.flatnonzero((factual.group_root.values[r] == milenio) & (members[r] > 0))
        target = ours[np.argmax(members[r, ours])]
        assert integrity[r, target] < without.command_integrity.values[r, week, target]
