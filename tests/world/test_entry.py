"""New local groups entering (entry_rate, EVIDENCE F11) and targets restricted to a lineage:
off by default, entrants labelled and counted as recruits, identical whatever the batch,
and 'the largest of a lineage' hits that lineage's largest live group."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from cartelsim.errors import CartelsimError
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.params.catalogue import Params
from cartelsim.scenarios.runner import run_scenario
from cartelsim.scenarios.schema import parse_scenario
from cartelsim.world.run import run_world

RATE, WEEKS, RUNS = 0.5, 80, 6
SWEEP = [InterventionSpec(action="arrest_sweep", effect=0.2, start="2026-03-05",
                          target={"largest": 2})]


def entering(rate: float = RATE, **overrides: float) -> Params:
    return Params.defaults().override({"entry_rate": rate, **overrides}, "test")


def world(system, params: Params, engine: str = "stochastic", runs: int = RUNS,
          **kwargs) -> xr.Dataset:
    return run_world(system, params, interventions=SWEEP, weeks=WEEKS, runs=runs,
                     engine=engine, seed=5, start="2026-01-01", **kwargs)


@pytest.fixture(scope="module")
def entered(mexico) -> xr.Dataset:
    return world(mexico, entering())


def test_entry_is_off_by_default_and_other_entry_values_change_nothing(mexico) -> None:
    assert Params.defaults()["entry_rate"] == 0.0
    base = world(mexico, Params.defaults(), runs=2)
    other = world(mexico, entering(0.0, entry_members=400.0), runs=2)
    assert not base.group_entrant.values.any()
    for name in base.data_vars:
        np.testing.assert_array_equal(base[name].values, other[name].values, str(name))


def test_groups_enter_at_the_rate_and_are_labelled(mexico, entered: xr.Dataset) -> None:
    n = mexico.n_groups
    entrant = entered.group_entrant.values
    counts = entrant.sum(axis=1)
    expected = RATE * WEEKS * RUNS  # Poisson: sd = sqrt(expected)
    assert abs(counts.sum() - expected) < 5 * np.sqrt(expected), counts
    assert (entered.groups_ever.values >= n + counts).all()
    birth = entered.group_birth_week.values[entrant]
    root = entered.group_root.values[entrant]
    assert ((0 <= birth) & (birth < WEEKS)).all()
    assert ((0 <= root) & (root < n)).all()
    assert (entered.group_parent.values[entrant] == -1).all()
    assert not entrant[:, :n].any()
    members0 = Params.defaults()["entry_members"]
    runs, columns = np.nonzero(entrant)
    for r, g in zip(runs, columns, strict=True):
        b = entered.group_birth_week.values[r, g]
        assert entered.members.values[r, b, g] == 0.0  # none before it entered
        assert entered.recruits.values[r, b + 1, g] >= members0  # its members are recruits
        assert entered.command_integrity.values[r, b, g] == 1.0


def test_entrants_arise_in_lineages_in_proportion_to_members(mexico) -> None:
    ds = run_world(mexico, entering(5.0), weeks=20, runs=8, engine="deterministic", seed=2,
                   start="2026-01-01", record="groups")
    entrant = ds.group_entrant.values
    lineage = ds.group_root.values[entrant]
    share = ds.members.values[:, 0, :mexico.n_groups].mean(axis=0)
    share = share / share.sum()
    largest = int(np.argmax(share))
    observed = np.mean(lineage == largest)
    sd = np.sqrt(share[largest] * (1 - share[largest]) / lineage.size)
    assert abs(observed - share[largest]) < 5 * sd, (observed, share[largest])


@pytest.mark.parametrize("engine", ["deterministic", "stochastic"])
def test_members_change_by_exactly_the_flows_with_entrants(mexico, engine: str) -> None:
    """Entrants' members are recruits of the week they enter: members(t+1) = members(t) +
    recruits - arrests - deaths - exits (+ members moved by splits), group by group."""
    ds = world(mexico, entering(), engine=engine, runs=3)
    assert ds.group_entrant.values.any()
    m = ds.members.values
    change = m[:, 1:] - m[:, :-1]
    flows = (ds.recruits - ds.arrests - ds.deaths - ds.exits).values[:, 1:]
    expected = flows + ds.split_transfers.values[:, 1:]
    if engine == "stochastic":
        np.testing.assert_array_equal(change, expected)
    else:
        np.testing.assert_allclose(change, expected, rtol=0, atol=1e-9 * m.max())
    np.testing.assert_allclose(ds.recruits.values[:, 1:].sum(axis=2),
                               ds.total_recruits.values[:, 1:], rtol=1e-9)
    np.testing.assert_allclose(m.sum(axis=2), ds.total_members.values, rtol=1e-12)


@pytest.mark.parametrize("engine", ["deterministic", "stochastic"])
def test_batch_chunk_and_capacity_change_nothing_with_entry(mexico, engine: str) -> None:
    batch = world(mexico, entering(), engine=engine, runs=4)
    chunked = world(mexico, entering(), engine=engine, runs=4, chunk=3,
                    capacity=mexico.n_groups)  # grows the group axis several times
    assert int(batch.groups_ever.max()) > mexico.n_groups + mexico.n_groups // 4  # grew
    for name in batch.data_vars:
        np.testing.assert_array_equal(batch[name].values, chunked[name].values, str(name))
    alone = run_world(mexico, entering(), interventions=SWEEP, weeks=WEEKS, runs=1,
                      engine=engine, seed=5, start="2026-01-01", first_run=3)
    n = int(alone.groups_ever.values[0])
    assert int(batch.groups_ever.values[3]) == n
    for name in alone.data_vars:
        a, b = batch[name].isel(run=3), alone[name].isel(run=0)
        if "group" in a.dims:
            a, b = a.isel(group=slice(0, n)), b.isel(group=slice(0, n))
        np.testing.assert_array_equal(a.values, b.values, str(name))


def test_the_largest_of_a_lineage_is_that_lineages_largest_live_group(mexico) -> None:
    """cjng's own members are swept away in week 4, so by week 10 an entrant of its
    lineage is its largest group: a sweep on {largest = 1, lineage = "cjng"} hits it, and
    no other group of the lineage."""
    cjng = mexico.index_of("cjng")
    plan = [InterventionSpec(action="arrest_sweep", effect=0.999, start="2026-01-29",
                             target={"groups": ["cjng"]}),
            InterventionSpec(action="arrest_sweep", effect=0.5, start="2026-03-12",
                             target={"largest": 1, "lineage": "cjng"})]
    ds = run_world(mexico, entering(5.0), interventions=plan, weeks=12, runs=3,
                   engine="deterministic", seed=4, start="2026-01-01")
    week = 10
    members = ds.members.values[:, week]
    arrests = ds.arrests.values[:, week + 1]
    root = ds.group_root.values
    for r in range(3):
        ours = np.flatnonzero((root[r] == cjng) & (members[r] > 0))
        target = ours[np.argmax(members[r, ours])]
        assert target != cjng and ds.group_entrant.values[r, target]
        assert arrests[r, target] > 0.45 * members[r, target]
        others = ours[ours != target]
        assert (arrests[r, others] < 0.1 * members[r, others]).all()
        outside = np.flatnonzero((root[r] != cjng) & (members[r] > 0))
        assert (arrests[r, outside] < 0.1 * members[r, outside]).all()


def test_a_lineage_target_is_checked_and_needs_open_fragmentation(mexico) -> None:
    scenario = {"name": "lineage", "system": {"name": "mexico2025"},
                "horizon": {"start": "2026-01-01", "weeks": 10},
                "interventions": [{"action": "remove_leader", "kind": "killed",
                                   "start": "2026-02-05", "target": {"lineage": "cjng"}}]}
    with pytest.raises(CartelsimError, match="lineage narrows 'largest'") as caught:
        parse_scenario(scenario)
    assert "\n" not in str(caught.value)
    unknown = [InterventionSpec(action="remove_leader", kind="killed", start="2026-02-05",
                                target={"largest": 1, "lineage": "cjnq"})]
    with pytest.raises(CartelsimError, match="lineage: unknown group 'cjnq'.*'cjng'") as caught:
        run_world(mexico, interventions=unknown, weeks=10, start="2026-01-01")
    assert "\n" not in str(caught.value)
    scenario["mechanisms"] = {"fragmentation": "capped"}
    scenario["interventions"][0]["target"] = {"largest": 1, "lineage": "cjng"}
    capped = parse_scenario(scenario)
    with pytest.raises(CartelsimError, match='needs fragmentation = "open"') as caught:
        run_scenario(capped)
    assert "\n" not in str(caught.value)


def test_entry_asked_for_on_the_capped_engines_is_refused_in_one_line() -> None:
    capped = parse_scenario({"name": "capped-entry", "system": {"name": "mexico2025"},
                             "horizon": {"start": "2026-01-01", "weeks": 4},
                             "mechanisms": {"fragmentation": "capped"},
                             "parameters": {"entry_rate": 0.3}})
    with pytest.raises(CartelsimError, match=r'parameters\.entry_rate: new-group entry needs '
                                             r'fragmentation = "open"') as caught:
        run_scenario(capped)
    assert "\n" not in str(caught.value)


def test_entrants_fight_their_lineage_at_the_entrant_rivalry(mexico) -> None:
    """Local groups' conflict deaths follow entrant_rivalry (engines.lineage.kin_rivalry):
    fewer at 0 than at 13 in the same worlds; and without entrants the weight is unused, so
    it changes no number."""
    def deaths_of_entrants(weight: float) -> float:
        ds = world(mexico, entering(entrant_rivalry=weight), engine="deterministic", runs=2)
        local = ds.group_entrant
        return float(ds.deaths.where(local).sum())

    calm, fierce = deaths_of_entrants(0.0), deaths_of_entrants(13.0)
    assert 0.0 < calm < 0.8 * fierce, (calm, fierce)
    base = world(mexico, Params.defaults(), runs=2)
    other = world(mexico, Params.defaults().override({"entrant_rivalry": 0.0}, "test"), runs=2)
    for name in base.data_vars:
        np.testing.assert_array_equal(base[name].values, other[name].values, str(name))


def test_an_entrant_starts_with_its_payroll_when_money_is_on(mexico) -> None:
    """With money on, a new local group starts with the payroll reserve of its members, so
    it recruits from its first week (with no money it could pay no recruit: rho x 0)."""
    ds = world(mexico, entering(), engine="deterministic", runs=2, money=True)
    runs, columns = np.nonzero(ds.group_entrant.values)
    assert runs.size > 0
    for r, g in zip(runs, columns, strict=True):
        b = int(ds.group_birth_week.values[r, g])
        if b + 2 >= ds.sizes["time"]:
            continue
        assert ds.money.values[r, b + 1, g] > 0.0
        assert ds.recruits.values[r, b + 2, g] > 0.0  # its own recruitment, week two
