"""The replay of 2007 to mid-2026: the scenario it builds from the timeline, paired
counterfactual histories, the labelled results, the table and the figure."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from matplotlib.figure import Figure

import cartelsim
from cartelsim.calibration.posterior import load_posterior
from cartelsim.errors import CartelsimError
from cartelsim.io.export import load_results
from cartelsim.record.api import history
from cartelsim.record.events import load_events
from cartelsim.record.replay import (
    REPLAY_END,
    REPLAY_START,
    build_replay,
    replay_weeks,
    run_replay,
)
from cartelsim.record.result import COLUMNS, EXTRA_COLUMNS, PREDICTIVE_COLUMNS
from cartelsim.record.world import history_world

RUNS, SEED = 3, 11
DROP = "kind=removal;from=2010;to=2010"
FIRST_DROPPED = np.datetime64("2010-07-29")  # the first removal of 2010 that acts (Coronel)


@pytest.fixture(scope="module")
def timeline():
    return load_events()


@pytest.fixture(scope="module")
def paired():
    """A replay with a counterfactual without the removals of 2010 (at the packaged
    posterior's median, on the capped engines whose splinters have fixed labels)."""
    return history(runs=RUNS, seed=SEED, drop_events=DROP, fragmentation="capped")


# --- the scenario built from the timeline ----------------------------------------------------


def test_the_replay_is_a_scenario_on_the_world_of_2007_to_mid_2026(timeline) -> None:
    scenario = build_replay(timeline, runs=RUNS, seed=SEED).scenario
    assert scenario.system.name == "history2007"
    assert scenario.start == REPLAY_START == dt.date(2007, 1, 1)
    assert scenario.horizon.weeks == replay_weeks()
    end = pd.Timestamp(REPLAY_START) + pd.Timedelta(weeks=scenario.horizon.weeks)
    assert end.date() <= REPLAY_END and (REPLAY_END - end.date()).days < 7
    assert (scenario.run.runs, scenario.run.seed) == (RUNS, SEED)
    assert {i.action for i in scenario.interventions} == {"remove_leader"}


def test_open_fragmentation_runs_the_replay_on_the_world_engine(timeline) -> None:
    capped = build_replay(timeline, runs=RUNS, seed=SEED, fragmentation="capped").scenario
    opened = build_replay(timeline, runs=RUNS, seed=SEED).scenario  # open: the default
    assert capped.mechanisms.fragmentation == "capped"
    assert opened.mechanisms.fragmentation == "open"
    # the same operations on named groups; only the world engine knows lineages, so only
    # it acts on the groups formed after 2007 (the largest group of their 2007 lineage)
    named = [(i.start, i.target) for i in opened.interventions if i.target.lineage is None]
    assert named == [(i.start, i.target) for i in capped.interventions]
    assert all(i.target.lineage is None for i in capped.interventions)
    assert any(i.target.lineage is not None for i in opened.interventions)
    with pytest.raises(CartelsimError, match="fragmentation"):
        build_replay(timeline, runs=RUNS, seed=SEED, fragmentation="unlimited")


def test_every_removal_is_one_operation_on_its_group_or_its_2007_lineage(timeline) -> None:
    """A removal in a group of 2007 acts on that group; one in a group formed later acts on
    the largest group of the 2007 lineage it descends from (parent_id followed back), or
    joins that 2007 group's own operation of the same week."""
    setup = build_replay(timeline, runs=RUNS, seed=SEED)
    groups = set(history_world().group_ids)
    founder = {"cjng": "milenio", "cdn": "gulf", "zetas": "gulf", "blo": "sinaloa",
               "templarios": "familia", "tijuana_teo": "tijuana", "cds_chapitos": "sinaloa",
               "cds_mayiza": "sinaloa"}
    kinds = {"leader_killed": "killed", "leader_captured": "captured",
             "leader_extradited_or_transferred": "extradited"}
    applied = [u for u in setup.uses if u.acts]
    assert applied
    for use in setup.uses:
        event = use.event
        acts = event.is_removal and event.date >= REPLAY_START and (
            event.group in groups or event.group in founder)
        assert use.acts == acts, (event, use.status)
        if not acts:
            assert use.intervention == 0 and use.status.startswith(("not applied", "not forced"))
            continue
        spec = setup.scenario.interventions[use.intervention - 1]
        lineage = event.group if event.group in groups else founder[event.group]
        assert use.lineage == lineage
        if spec.target.lineage is not None:
            assert (spec.target.largest, spec.target.lineage) == (1, lineage)
            assert use.status == f"applied to the largest group of the {lineage} lineage"
        else:
            assert spec.target.groups == [lineage]
            assert use.status == ("applied" if event.group == lineage else
                                  f"applied with {lineage}'s removal of the same week")
        assert spec.succession == "uncertain" and spec.effect == 1.0
        if event.group == lineage:
            assert spec.kind == kinds[event.kind]
    mencho = next(u for u in setup.uses if u.event.date == dt.date(2026, 2, 22))
    assert mencho.event.group == "cjng" and mencho.acts
    splits = [u for u in setup.uses if u.event.kind == "split"]
    assert splits and all(u.status.startswith("not forced") for u in splits)


def test_removals_of_one_group_in_one_week_become_one_operation(timeline) -> None:
    setup = build_replay(timeline, runs=RUNS, seed=SEED)
    july = [u for u in setup.uses if u.event.date == dt.date(2024, 7, 25)]
    assert len(july) == 2 and july[0].intervention == july[1].intervention > 0
    spec = setup.scenario.interventions[july[0].intervention - 1]
    assert "Ismael Zambada García" in spec.label and "Joaquín Guzmán López" in spec.label
    assert len(setup.scenario.interventions) == len({u.intervention for u in setup.uses
                                                     if u.intervention})


def test_a_dropped_removal_keeps_its_place_as_an_operation_that_fails(timeline) -> None:
    early = [e for e in timeline if e.is_removal and e.date.year <= 2010]
    factual = build_replay(timeline, runs=RUNS, seed=SEED).scenario
    counter = build_replay(timeline, runs=RUNS, seed=SEED, dropped=early)
    same_shape = [(i.start, i.target, i.action) for i in factual.interventions]
    assert [(i.start, i.target, i.action) for i in counter.scenario.interventions] == same_shape
    for use in counter.uses:
        if use.intervention:
            effect = counter.scenario.interventions[use.intervention - 1].effect
            assert effect == (0.0 if use.dropped else 1.0)
    assert sum(u.dropped for u in counter.uses) == len(early)


# --- paired histories ------------------------------------------------------------------------


def test_dropping_events_that_do_not_act_gives_exactly_zero_differences() -> None:
    result = history(runs=RUNS, seed=SEED, drop_events="kind=split,alliance,rivalry")
    assert sum(u.dropped for u in result.uses) > 0
    assert not any(u.dropped and u.acts for u in result.uses)
    extra = result.extra_homicides()
    assert extra is not None and extra.shape == (RUNS, 20)
    assert (extra.values == 0.0).all()
    table = result.national_by_year()
    assert (table[list(EXTRA_COLUMNS)].to_numpy() == 0.0).all()


def test_the_same_seed_gives_the_same_replay_and_the_counterfactual_differs(paired,
                                                                           timeline) -> None:
    median = {k: v for k, v in load_posterior().median().items() if k != "entry_rate"}
    again = run_replay(build_replay(timeline, runs=RUNS, seed=SEED, fragmentation="capped",
                                    parameters=median))  # as cs.history does when capped
    np.testing.assert_array_equal(again["homicides_inegi"].values,
                                  paired.factual["homicides_inegi"].values)
    extra = paired.extra_homicides()
    assert extra is not None
    assert (extra.values != 0.0).any(), "removing the removals of 2010 changes the history"
    # paired worlds: the two histories are the same up to the first dropped removal
    before = paired.factual["time"].values < FIRST_DROPPED
    for name in ("homicides_inegi", "total_members", "active_groups"):
        np.testing.assert_array_equal(paired.factual[name].values[:, before],
                                      paired.counterfactual[name].values[:, before])
    assert (extra.sel(year=slice(2007, 2009)).values == 0.0).all()


def test_extra_homicides_are_the_run_by_run_difference(paired) -> None:
    from cartelsim.record.observation import annual

    expected = (annual(paired.factual, "homicides_inegi")
                - annual(paired.counterfactual, "homicides_inegi"))
    np.testing.assert_array_equal(paired.extra_homicides().values, expected.values)
    table = paired.national_by_year()
    quantiles = np.quantile(expected.values, [0.05, 0.5, 0.95], axis=0).T
    np.testing.assert_allclose(table[list(EXTRA_COLUMNS)].to_numpy(), quantiles)


# --- tables, dataset, figure -----------------------------------------------------------------


def test_the_table_has_the_contract_columns_and_the_observed_series(paired) -> None:
    table = paired.national_by_year()
    # the packaged posterior kept its homicide discrepancy: the predictive comes too
    assert list(table.columns) == [*COLUMNS[:4], *PREDICTIVE_COLUMNS, *COLUMNS[4:],
                                   *EXTRA_COLUMNS]
    assert table["year"].tolist() == list(range(2007, 2027))
    observed = cartelsim.record.national_homicides()["inegi_registered"]
    for _, row in table.iterrows():
        year = int(row["year"])
        if year in observed.index:
            assert row["observed_homicides"] == observed[year]
        else:
            assert np.isnan(row["observed_homicides"])
        assert row["homicides_p05"] <= row["homicides_p50"] <= row["homicides_p95"]
        assert row["groups_p05"] <= row["groups_p50"] <= row["groups_p95"]
    assert (table["groups_p05"] >= 8).all()  # the eight groups of 2007 never die out here


def test_the_dataset_labels_every_group_with_parent_and_birth(paired, tmp_path) -> None:
    ds = paired.dataset()
    founders = set(history_world().group_ids)
    start = np.datetime64(REPLAY_START, "ns")
    for gid, parent, founded in zip(ds["group"].values, ds["parent"].values,
                                    ds["founded"].values, strict=True):
        births = ds["birth"].sel(group=gid).values
        if gid in founders:
            assert parent == "" and founded <= 2007
            assert (births == start).all()
        else:
            assert parent in founders and founded == -1
            assert gid == f"{parent}_splinter"
            assert (np.isnat(births) | (births > start)).all()
            assert not np.isnat(births).all(), "only groups that ever existed are kept"
    assert {"event_kind", "event_use", "event_dropped", "counterfactual_homicides_inegi",
            "extra_homicides_inegi", "observed_homicides_inegi"} <= set(ds.data_vars)
    path = tmp_path / "history.nc"
    paired.write(tmp_path)
    loaded = load_results(path)
    xr.testing.assert_allclose(loaded["homicides_inegi"], ds["homicides_inegi"])
    assert loaded.attrs["drop_events"] == DROP


def test_plot_returns_a_figure_with_a_panel_for_the_counterfactual(paired) -> None:
    fig = paired.plot()
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    # the title says where the parameters came from (the packaged posterior by default)
    assert "at the calibrated posterior's median" in fig.get_suptitle()


def test_cartelsim_history_is_the_replay_api() -> None:
    import cartelsim.record.api as api

    assert cartelsim.history is api.history
    assert "history" in dir(cartelsim)
    assert callable(cartelsim.record.load_events)


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"drop_events": "kind=leader_killed;group=colima"}, "matches no event"),
    ({"drop_events": "group=nowhere"}, "unknown group 'nowhere'"),
    ({"runs": 0}, "run.runs"),
    ({"parameters": {"baseline_homicide": 1.0}}, "did you mean 'baseline_homicides'"),
])
def test_bad_arguments_are_one_line_errors_before_any_run(kwargs, fragment) -> None:
    with pytest.raises(CartelsimError) as caught:
        history(**{"runs": RUNS, **kwargs})
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


def test_a_users_removal_in_a_group_of_2007_becomes_an_operation(tmp_path) -> None:
    mine = tmp_path / "mine.csv"
    mine.write_text(
        "date,date_precision,kind,group,other_group,person,detail,source_url,source_title\n"
        "2012-05-01,day,leader_killed,colima,,Somebody,Killed in an operation.,"
        "https://example.org/colima,A page\n", encoding="utf-8")
    shipped = len(build_replay(load_events(), runs=RUNS, seed=SEED).scenario.interventions)
    setup = build_replay(load_events(mine), runs=RUNS, seed=SEED)
    use = next(u for u in setup.uses if u.event.group == "colima")
    assert use.acts
    spec = setup.scenario.interventions[use.intervention - 1]
    assert (spec.kind, spec.target.groups, spec.start) == ("killed", ["colima"],
                                                           dt.date(2012, 5, 1))
    assert len(setup.scenario.interventions) == shipped + 1  # the shipped ones and this one
