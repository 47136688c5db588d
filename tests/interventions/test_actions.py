"""The action registry: one class per action, one test per action (issue 11, item 3).

Each `test_<action>` checks what its action compiles into. `test_every_action_has_its_test`
keeps the rule: an action registered without a test here fails the suite, so adding an
action is one class (in src/cartelsim/interventions/actions/) plus one test (here).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cartelsim.interventions import actions
from cartelsim.interventions.actions import Action, Amount, action, catalogue, registry
from cartelsim.interventions.docs import actions_markdown
from cartelsim.interventions.effects import (
    CutProtection,
    FreezeMoney,
    RaiseCrossingCost,
    RaiseSegmentCost,
    RemoveLeader,
    RemoveMembers,
    ScaleGroupRate,
    ScaleRate,
    SetPressure,
)
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.params.catalogue import Params

ROOT = Path(__file__).resolve().parents[2]
P = Params.defaults()


def test_every_action_has_its_test() -> None:
    module = sys.modules[__name__]
    missing = [name for name in registry() if not callable(getattr(module, f"test_{name}",
                                                                   None))]
    assert not missing, f"registered actions without a test_<name> here: {missing}"


def test_every_action_declares_its_passport() -> None:
    for name, a in registry().items():
        assert a.name == name and a.meaning.strip() and a.amount.meaning.strip()
        assert a.amount.low <= a.amount.high and a.amount.unit.strip()
        assert a.kind in ("lasting", "once")
        low = a.effects(a.amount.low, P)
        assert low and all(effect.lasting == a.lasting or isinstance(effect, ScaleRate)
                           for effect in low), name


def test_a_second_action_of_the_same_name_or_an_unknown_mechanism_is_refused() -> None:
    with pytest.raises(TypeError, match="defined twice"):
        class Again(Action):  # noqa: F841
            name = "arrest_sweep"
    with pytest.raises(TypeError, match="unknown mechanism"):
        class Bribes(Action):  # noqa: F841
            name = "test_only_bribes"
            needs = ("bribery",)
    assert "test_only_bribes" not in registry()


def test_the_docs_page_is_the_registry_page() -> None:
    """docs/actions.md is generated: refresh it with `cartelsim actions --markdown`."""
    page = (ROOT / "docs" / "actions.md").read_text(encoding="utf-8")
    assert page == actions_markdown(), "docs/actions.md is stale: run `cartelsim actions " \
        "--markdown > docs/actions.md`"
    for name in registry():
        assert f"### `{name}`" in page


def test_the_schema_accepts_exactly_the_registered_actions() -> None:
    assert InterventionSpec.model_json_schema()["properties"]["action"]["enum"] == \
        list(registry())
    with pytest.raises(ValueError, match="did you mean 'arrest_sweep'"):
        InterventionSpec(action="arrest_sweeps", effect=0.1)
    assert set(catalogue()) == set(actions.names())


# --------------------------------------------------------------------------- one per action


def test_prevent_recruitment() -> None:
    assert action("prevent_recruitment").effects(0.25, P) == (ScaleGroupRate("recruitment",
                                                                             0.75),)


def test_scale_arrests() -> None:
    a = action("scale_arrests")
    assert a.national and a.effects(2.0, P) == (ScaleRate("eta", 2.0),)


def test_focus_arrests() -> None:
    assert action("focus_arrests").effects(3.0, P) == (ScaleGroupRate("arrest_focus", 3.0),)


def test_scale_conflict() -> None:
    assert action("scale_conflict").effects(0.5, P) == (ScaleGroupRate("conflict", 0.5),)


def test_arrest_sweep() -> None:
    a = action("arrest_sweep")
    assert not a.lasting and a.effects(0.2, P) == (RemoveMembers(0.2),)


def test_remove_leader() -> None:
    a = action("remove_leader")
    assert not a.lasting and a.amount.default == 1.0 and set(a.options) == {
        "kind", "succession", "clarity"}
    assert a.effects(0.6, P) == (RemoveLeader(0.6),)
    with pytest.raises(ValueError, match="remove_leader needs kind"):
        InterventionSpec(action="remove_leader")
    with pytest.raises(ValueError, match="kind apply to remove_leader, not arrest_sweep"):
        InterventionSpec(action="arrest_sweep", effect=0.1, kind="killed")


def test_demanded_transfer() -> None:
    """A transfer the U.S. demands is an extradition of the targets' leaders: the same run,
    bit for bit, as remove_leader with kind = "extradited"."""
    from cartelsim.system.embedded import mexico_2025
    from cartelsim.world.run import run_world

    a = action("demanded_transfer")
    assert not a.lasting and "kind" not in a.options and a.effects(1.0, P) == (RemoveLeader(1.0),)
    spec = InterventionSpec(action="demanded_transfer", target={"groups": ["cjng"]}, start="2026-02-05")
    assert a.removal_kind(spec) == "extradited"
    with pytest.raises(ValueError, match="kind apply to remove_leader, not demanded_transfer"):
        InterventionSpec(action="demanded_transfer", kind="killed")
    same = InterventionSpec(action="remove_leader", kind="extradited", target={"groups": ["cjng"]},
                            start="2026-02-05")
    killed = same.model_copy(update={"kind": "killed"})
    runs = [run_world(mexico_2025(), interventions=[s], weeks=30, runs=2, engine="stochastic",
                      seed=4, start="2026-01-01") for s in (spec, same, killed)]
    for name in ("total_members", "command_integrity", "hvt_removals"):
        assert (runs[0][name].values == runs[1][name].values).all()
    integrity = [float(r.command_integrity.sel(group="cjng").isel(time=6).mean()) for r in runs]
    assert integrity[0] != integrity[2]  # the kind sets the loss: not a killing


def test_freeze_assets() -> None:
    a = action("freeze_assets")
    assert a.needs == ("money",) and a.effects(0.5, P) == (FreezeMoney(0.5),)


def test_prosecute_corruption() -> None:
    a = action("prosecute_corruption")
    assert a.needs == ("protection",) and a.effects(0.1, P) == (CutProtection(0.1),)


def test_us_pressure() -> None:
    a = action("us_pressure")
    gain = P["pressure_arrest_gain"]
    assert a.national and a.effects(2.0, P) == (ScaleRate("eta", 1.0 + gain * 2.0),
                                                SetPressure(2.0))
    assert isinstance(a.amount, Amount)


def _pressure_lever(name: str) -> None:
    """A discrete U.S. lever is pressure at its level: us_pressure's effects, its default."""
    lever = action(name)
    assert lever.national and lever.amount.default == 0.5
    assert lever.effects(0.5, P) == action("us_pressure").effects(0.5, P)


def test_tariff_threat() -> None:
    _pressure_lever("tariff_threat")


def test_fto_designation() -> None:
    _pressure_lever("fto_designation")


def test_unilateral_action_threat() -> None:
    _pressure_lever("unilateral_action_threat")
    from cartelsim.system.embedded import mexico_2025
    from cartelsim.world.run import run_world

    system = mexico_2025()
    runs = [run_world(system, interventions=[InterventionSpec(action=name, effect=3.0,
                                                              start="2026-02-05")],
                      weeks=40, runs=1, engine="stochastic", seed=2, start="2026-01-01")
            for name in ("us_pressure", "unilateral_action_threat")]
    assert float(runs[0].hvt_removals.sum()) > 0
    for name in ("total_members", "hvt_removals"):
        assert (runs[0][name].values == runs[1][name].values).all()


def test_segment_crackdown() -> None:
    a = action("segment_crackdown")
    assert a.needs == ("territory",) and a.national
    assert a.effects(3.0, P) == (RaiseSegmentCost(3.0),)
    spec = InterventionSpec(action="segment_crackdown", effect=2.0,
                            segment="monterrey-nuevo_laredo")
    assert "monterrey-nuevo_laredo road" in spec.describe()
    from cartelsim.territory.network import packaged_network, segment_index

    roads = a.choices()["segment"]  # the dashboard's menu: every road, each one accepted
    assert len(roads) == packaged_network().n_edges and "monterrey-nuevo_laredo" in roads
    assert [segment_index(road) for road in roads] == list(range(len(roads)))
    with pytest.raises(ValueError, match="is not a road of edges.csv"):
        InterventionSpec(action="segment_crackdown", effect=2.0, segment="monterrey-tijuana")
    with pytest.raises(ValueError, match="segment apply to segment_crackdown"):
        InterventionSpec(action="crossing_crackdown", effect=2.0, crossing="nogales",
                         segment="monterrey-nuevo_laredo")


def test_crossing_crackdown() -> None:
    from cartelsim.interventions.actions.routes import CROSSINGS
    from cartelsim.territory.network import load_network

    a = action("crossing_crackdown")
    assert a.needs == ("territory",) and a.national
    assert a.effects(3.0, P) == (RaiseCrossingCost(3.0),)
    network = load_network()
    assert CROSSINGS == tuple(network.node_ids[c] for c in network.crossings)
    assert a.choices() == {"crossing": list(CROSSINGS)}  # the dashboard's menu
    assert catalogue()["crossing_crackdown"]["choices"] == {"crossing": list(CROSSINGS)}
    spec = InterventionSpec(action="crossing_crackdown", effect=2.0, crossing="nogales")
    assert "nogales" in spec.describe()
    with pytest.raises(ValueError, match="crossing_crackdown needs crossing = one of tijuana"):
        InterventionSpec(action="crossing_crackdown", effect=2.0, crossing="laredo")
    with pytest.raises(ValueError, match="crossing apply to crossing_crackdown, not "
                                         "arrest_sweep"):
        InterventionSpec(action="arrest_sweep", effect=0.1, crossing="nogales")


def test_every_option_is_described_for_the_dashboard() -> None:
    """The dashboard draws an action's options from the registry alone: menus and bounds
    name only the action's own options, and every menu value passes the action's check."""
    from cartelsim.interventions.actions.leaders import REMOVAL_KINDS, SUCCESSIONS

    for name, a in registry().items():
        menus, numbers = a.choices(), a.numbers()
        assert set(menus) | set(numbers) | set(a.required) <= set(a.options), name
        assert not set(menus) & set(numbers), name
        listed = catalogue()[name]
        assert listed["required"] == list(a.required)
        assert listed["numbers"] == {k: list(v) for k, v in numbers.items()}
    assert action("remove_leader").choices() == {"kind": list(REMOVAL_KINDS),
                                                 "succession": list(SUCCESSIONS)}
    assert action("remove_leader").required == ("kind",)
    transfer = action("demanded_transfer")
    assert transfer.choices() == {"succession": list(SUCCESSIONS)}
    assert transfer.numbers() == {"clarity": (0.0, 1.0)} and transfer.required == ()
    for kind in REMOVAL_KINDS:
        for succession in SUCCESSIONS:
            InterventionSpec(action="remove_leader", kind=kind, succession=succession)


def test_the_command_line_lists_the_registry(tmp_path) -> None:
    import json

    from tests.cli.support import cartelsim

    listed = cartelsim("actions", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == json.loads(json.dumps(catalogue()))
    table = cartelsim("actions", cwd=tmp_path)
    assert table.returncode == 0 and all(name in table.stdout for name in registry())
    assert "[[interventions]]" in table.stdout and "[mechanisms]" in table.stdout
    page = cartelsim("actions", "--markdown", cwd=tmp_path)
    assert page.stdout == actions_markdown()
