"""Stage 2 of the calibration: the replay with territory on, the fit of the territory to the
state record (`cartelsim calibrate territory`), and its packaged posterior, applied only
when territory is on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from cartelsim.calibration.posterior import PACKAGED_TERRITORY, load_posterior
from cartelsim.calibration.territory_fit import (
    FITTED,
    NOT_FITTED,
    OFFICE_SHARES,
    TerritoryReplay,
    crossing_offices,
    summarise_territory,
    territory_loglik,
    territory_targets,
)
from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import CATALOGUE, Params
from cartelsim.record.events import load_events
from cartelsim.record.replay import build_replay, run_replay
from cartelsim.record.world import history_groups, history_world
from cartelsim.scenarios.schema import calibrated_defaults, parse_scenario
from cartelsim.territory.results import WEEKS_PER_YEAR
from cartelsim.territory.states import state_layout
from tests.cli.support import WORKERS, Job, assert_one_line_error, cartelsim, tree


@pytest.fixture(scope="module")
def replays():
    """The same replay (2 runs, one seed) with territory off and on."""
    events = load_events()
    off, on = (run_replay(build_replay(events, runs=2, seed=3, territory=flag))
               for flag in (False, True))
    return off, on


def test_the_replay_with_territory_carries_state_homicides(replays) -> None:
    off, on = replays
    assert "state_homicides" not in off and "state_homicides" in on
    assert on["state_homicides"].dims == ("run", "time", "state")
    assert on.sizes["state"] == 32 and "flow_north" in on
    # territory moves deaths between states: the national series is the same, bit for bit,
    # until U.S. pressure starts (the first lever of us_levers.csv, 2025-02-01)
    before = slice(None, "2025-01-31")
    np.testing.assert_array_equal(off["homicides"].sel(time=before).values,
                                  on["homicides"].sel(time=before).values)
    params = build_replay(load_events(), runs=2, seed=3, territory=True).scenario.params()
    total = on["state_homicides"].sum("state").values[:, 1:]
    expected = on["homicides"].values[:, 1:] + params["baseline_homicides"] / WEEKS_PER_YEAR
    np.testing.assert_allclose(total, expected, rtol=1e-9)
    # the 2015-2018 deaths fall in more states than the 2007 groups' home states
    deaths = on["state_deaths"].sel(time=slice("2015", "2018")).sum(["time", "run"]).values
    homes = {g.home_state for g in history_groups() if g.active_in(2007)}
    assert np.count_nonzero(deaths > 0) > len(homes)


def test_history_groups_take_their_embedded_twins_states_and_the_spread() -> None:
    system = history_world()
    params = Params.defaults()
    layout = state_layout(system, params)
    sinaloa = layout.presence[system.group_ids.index("sinaloa")]
    home = layout.codes.index("25")
    others = np.flatnonzero((sinaloa > 0) & (np.arange(32) != home))
    assert others.size == 17  # cds's other_states_present in major_groups.csv
    np.testing.assert_allclose(sinaloa[others] / sinaloa[home],
                               params["territory_presence_other"])
    assert np.count_nonzero(layout.presence[system.group_ids.index("oaxaca")]) == 1  # no twin
    spread = state_layout(system, params.override({"territory_presence_spread": 0.3}, "test"))
    np.testing.assert_allclose(spread.presence.sum(axis=1), 1.0)
    assert np.all(spread.presence > 0)
    np.testing.assert_allclose(spread.presence, 0.7 * layout.presence
                               + 0.3 * layout.population_share[None, :])


def test_route_violence_and_crossing_cost_do_not_move_the_replay_states() -> None:
    """Why they are left out of the fit: without crackdowns they act on nothing."""
    replay = TerritoryReplay(seed=1, runs=2)
    base = replay({})
    moved = replay({name: CATALOGUE[name].high for name in NOT_FITTED})
    np.testing.assert_array_equal(base["state_homicides"].values,
                                  moved["state_homicides"].values)
    spread = replay({"territory_presence_spread": 0.5})  # a fitted one does move them
    assert not np.allclose(base["state_homicides"].values[:, 1:],
                           spread["state_homicides"].values[:, 1:])


def test_the_same_seed_gives_the_same_territory() -> None:
    """Common random numbers: the fit's simulator is a fixed function of the parameters."""
    values = {"territory_presence_spread": 0.3, "territory_route_dispersion": 300.0}
    first, second = (TerritoryReplay(seed=7, runs=2)(values) for _ in range(2))
    for name in ("state_homicides", "flow_north"):
        np.testing.assert_array_equal(first[name].values, second[name].values)
    other = TerritoryReplay(seed=8, runs=2)(values)
    assert not np.array_equal(first["state_homicides"].values[:, 1:],
                              other["state_homicides"].values[:, 1:])


def test_targets_and_likelihood() -> None:
    targets = territory_targets(2017)
    assert targets.years == (2015, 2016, 2017)
    np.testing.assert_allclose(np.exp(targets.log_state_shares).sum(axis=1), 1.0)
    assert set(crossing_offices().values()) >= set(OFFICE_SHARES)
    with pytest.raises(CartelsimError, match="--until must be a year from 2015 to 2024"):
        territory_targets(2025)
    # INEGI state points up to 2017 (there are none for 2017): 6 of 2015, 5 of 2016
    assert len(targets.inegi_points) == 11 and targets.inegi_years == (2015, 2016)
    chihuahua = targets.inegi_points.index((2015, "08"))  # 1,541 of INEGI's 20,762 in 2015
    assert np.exp(targets.log_inegi_shares[chihuahua]) == pytest.approx(1541 / 20762)
    full = territory_targets()  # SESNSP to 2018, every INEGI point to 2024
    assert full.years == (2015, 2016, 2017, 2018) and len(full.inegi_points) == 91
    assert full.count == 4 * 32 + 2 + 91
    replay = TerritoryReplay(seed=2, runs=3)
    good = summarise_territory(replay({"territory_presence_spread": 0.4}), targets)
    assert good.log_state_shares.shape == (3, 3, 32)
    assert good.log_inegi_shares.shape == (3, 11)
    column = targets.states.index("08")  # the same shares as the SESNSP block's
    np.testing.assert_allclose(good.log_inegi_shares[:, chihuahua],
                               good.log_state_shares[:, 0, column])
    # a larger model discrepancy forgives the same misfit more
    assert territory_loglik(good, targets, 1.0, 1.0) > territory_loglik(good, targets, 0.05,
                                                                          1.0)


COMMANDS = {
    "tiny": ("calibrate", "territory", "--budget", "140", "--out", "fit/terr", "--seed", "4"),
    "until_bad": ("calibrate", "territory", "--out", "fit", "--until", "2025"),
    "budget_small": ("calibrate", "territory", "--out", "fit", "--budget", "10"),
    "out_taken": ("calibrate", "territory", "--out", "taken/post", "--budget", "140"),
    "history_capped": ("history", "--out", "out", "--territory", "--fragmentation", "capped",
                       "--runs", "1"),
}


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Job]]:
    with ThreadPoolExecutor(WORKERS) as pool:
        started = {}
        for name, args in COMMANDS.items():
            cwd = tmp_path_factory.mktemp(name)
            (cwd / "taken").write_text("a file\n", encoding="utf-8")
            started[name] = Job(cwd, tree(cwd), pool.submit(cartelsim, *args, cwd=cwd))
        yield started


@pytest.mark.parametrize("name, fragments", [
    ("until_bad", ("--until must be a year from 2015 to 2024", "2025")),
    ("budget_small", ("--budget must allow",)),
    ("out_taken", ("taken",)),
    ("history_capped", ("territory", "fragmentation")),
])
def test_mistakes_are_one_line_errors_that_write_nothing(jobs, name, fragments) -> None:
    assert_one_line_error(jobs[name], *fragments)


def test_a_tiny_fit_runs_end_to_end(jobs) -> None:
    result = jobs["tiny"].ok()
    assert "Spearman rho" in result.stdout and "population alone" in result.stdout
    posterior = load_posterior(jobs["tiny"].cwd / "fit" / "terr")
    assert posterior.parameters == FITTED
    meta = json.loads((jobs["tiny"].cwd / "fit" / "terr.json").read_text())
    assert meta["seed"] == 4 and meta["years_fitted"] == [2015, 2024]
    assert "91 INEGI state-year counts" in meta["data"]["inegi_points"]
    assert set(meta["scores"]) == {"before", "after"}
    by_drug = meta["scores"]["after"]["office_shares_by_drug"]  # each drug's own crossings
    assert set(by_drug) == {"fentanyl", "methamphetamine", "cocaine"}
    for shares in by_drug.values():
        assert set(shares) == set(meta["scores"]["after"]["office_shares"])
        assert sum(shares.values()) == pytest.approx(1.0, abs=0.01)  # medians over runs
    assert "methamphetamine: " in result.stdout
    inegi = meta["scores"]["after"]["inegi_points"]  # every shipped point, fitted or not
    assert inegi["all"]["points"] == 91 and 0 < inegi["2019_2024"]["points"] < 91
    assert 0 < inegi["all"]["share_mae_model"] < 0.2 and -1 <= inegi["all"]["rho_model"] <= 1
    assert "INEGI state-year points (all, 91)" in result.stdout
    for name in FITTED:
        values = posterior.draws[name]
        assert values.between(CATALOGUE[name].low, CATALOGUE[name].high).all()


def test_the_packaged_posterior_applies_only_when_territory_is_on() -> None:
    posterior = load_posterior(packaged=PACKAGED_TERRITORY)
    assert set(posterior.parameters) == set(FITTED)
    assert posterior.meta["years_fitted"] == [2015, 2024]
    off, on = calibrated_defaults(False), calibrated_defaults(True)
    for name in FITTED:
        assert off[name] == CATALOGUE[name].default and off.origin(name) == "default"
        assert on[name] == posterior.median()[name]
        assert "territory-posterior" in on.origin(name)
    assert {n: off[n] for n in off if n not in FITTED} == {n: on[n] for n in on
                                                           if n not in FITTED}
    base = {"system": {"name": "mexico2025"}, "horizon": {"weeks": 4}}
    flat = parse_scenario(base).params()
    territorial = parse_scenario({**base, "mechanisms": {"territory": True}}).params()
    assert dict(flat) == dict(calibrated_defaults(False))
    assert territorial["territory_presence_spread"] == posterior.median()[
        "territory_presence_spread"]


def test_history_with_territory_uses_the_territory_posterior() -> None:
    from cartelsim.record.api import history

    posterior = load_posterior(packaged=PACKAGED_TERRITORY)
    result = history(runs=1, seed=0, territory=True)
    assert "state_homicides" in result.factual
    used = json.loads(result.factual.attrs["parameters"])
    for name, value in posterior.median().items():
        assert float(used[name].split()[0]) == pytest.approx(value, rel=1e-9)
    plain = history(runs=1, seed=0)
    assert "state_homicides" not in plain.factual
    before = slice(None, "2025-01-31")  # the U.S. levers act from 2025-02-01, territory on
    np.testing.assert_array_equal(plain.factual["homicides"].sel(time=before).values,
                                  result.factual["homicides"].sel(time=before).values)
