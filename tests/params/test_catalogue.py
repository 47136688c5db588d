"""The parameter catalogue (every number has a passport) and immutable `Params`."""

from __future__ import annotations

import math

import pytest

from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import CATALOGUE, Params

PUBLISHED_L1 = {  # Prieto-Curiel, Campedelli & Hope (2023), the values quoted in the issue
    "recruitment_rate": 2.527474e-3,
    "incapacitation": 110.0,
    "conflict_lethality": 1.549231e-8,
    "saturation": 4e-8,
    "initial_members": 115_000.0,
}


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_every_parameter_has_a_consistent_passport(name: str) -> None:
    spec = CATALOGUE[name]
    assert spec.name == name
    assert spec.minimum <= spec.low <= spec.default <= spec.high <= spec.maximum
    assert spec.low < spec.high, "a plausible range, not a point"
    for text in (spec.unit, spec.description, spec.source, spec.layer):
        assert isinstance(text, str) and text.strip()
    assert math.isfinite(spec.default)


def test_catalogue_cannot_be_changed() -> None:
    with pytest.raises(TypeError):
        CATALOGUE["incapacitation"] = CATALOGUE["saturation"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        CATALOGUE["incapacitation"].default = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(("name", "value"), PUBLISHED_L1.items())
def test_l1_defaults_are_the_published_values(name: str, value: float) -> None:
    spec = CATALOGUE[name]
    assert spec.default == value
    assert spec.layer == "L1"
    assert "Prieto-Curiel, Campedelli & Hope (2023)" in spec.source


def test_defaults_are_the_catalogue_with_origin_default() -> None:
    params = Params.defaults()
    assert list(params) == list(CATALOGUE) and len(params) == len(CATALOGUE)
    for name, spec in CATALOGUE.items():
        assert params[name] == spec.default
        assert params.origin(name) == "default"
    assert params.unusual() == []


def test_override_returns_new_params_and_leaves_the_original_alone() -> None:
    base = Params.defaults()
    changed = base.override({"incapacitation": 220}, origin="cli")
    assert changed is not base
    assert changed["incapacitation"] == 220.0 and changed.origin("incapacitation") == "cli"
    assert base["incapacitation"] == 110.0 and base.origin("incapacitation") == "default"
    for name in CATALOGUE:
        if name != "incapacitation":
            assert changed[name] == base[name] and changed.origin(name) == "default"
    again = changed.override({"saturation": 5e-8}, origin="scenario a.toml")
    assert again.origin("incapacitation") == "cli"
    assert again.origin("saturation") == "scenario a.toml"
    assert "220.0 (cli)" == again.provenance()["incapacitation"]


def test_params_cannot_be_assigned_to() -> None:
    params = Params.defaults()
    with pytest.raises(TypeError):
        params["incapacitation"] = 1.0  # type: ignore[index]
    with pytest.raises(AttributeError):
        params.anything = 1  # type: ignore[attr-defined]


def test_params_do_not_share_state_with_the_mapping_they_came_from() -> None:
    values = {name: spec.default for name, spec in CATALOGUE.items()}
    params = Params(values, {name: "default" for name in CATALOGUE})
    values["incapacitation"] = 999.0
    assert params["incapacitation"] == 110.0


def test_unknown_name_is_refused_with_a_suggestion() -> None:
    with pytest.raises(CartelsimError, match=r"cli: unknown parameter 'incapacitaton'.*"
                                             r"did you mean 'incapacitation'"):
        Params.defaults().override({"incapacitaton": 200}, origin="cli")


def test_a_replaced_name_says_how_to_migrate_in_scenarios_files_and_code(tmp_path) -> None:
    """Old scenario files that set the one-mix territory parameters get a one-line error
    naming the parameters by drug that replaced them, not a look-alike name."""
    from cartelsim.scenarios.schema import parse_scenario, read_parameter_file

    with pytest.raises(CartelsimError, match=r"unknown parameter 'territory_wholesale_price'; "
                                             r"it was split by drug.*territory_price_fentanyl"):
        Params.defaults().override({"territory_wholesale_price": 9000}, origin="cli")
    with pytest.raises(CartelsimError, match=r"territory_seized_tonnes'; it was split by drug"
                                             r".*territory_seized_cocaine") as caught:
        parse_scenario({"parameters": {"territory_seized_tonnes": 110.0}}, "old.toml")
    assert "\n" not in str(caught.value) and "old.toml" in str(caught.value)
    path = tmp_path / "params.toml"
    path.write_text("[parameters]\nterritory_wholesale_price = 9000\n", encoding="utf-8")
    with pytest.raises(CartelsimError, match="params.toml: unknown parameter "
                                             "'territory_wholesale_price'; it was split"):
        read_parameter_file(path)


@pytest.mark.parametrize(("name", "value"), [
    ("recruitment_rate", -1.0),
    ("recruitment_rate", 1.5),
    ("incapacitation", -0.001),
    ("incapacitation", math.inf),
    ("saturation", math.nan),
    ("initial_members", -5),
])
def test_values_outside_hard_bounds_are_refused(name: str, value: float) -> None:
    with pytest.raises(CartelsimError, match=rf"cli: parameter '{name}'.*outside its bounds"):
        Params.defaults().override({name: value}, origin="cli")


@pytest.mark.parametrize("value", ["lots", None, [1, 2], {"a": 1}])
def test_non_numeric_values_are_refused(value: object) -> None:
    with pytest.raises(CartelsimError, match=r"'incapacitation' must be a number"):
        Params.defaults().override({"incapacitation": value}, origin="cli")


def test_numeric_strings_and_ints_become_floats() -> None:
    params = Params.defaults().override({"incapacitation": "150", "initial_members": 100_000},
                                        origin="cli")
    assert params["incapacitation"] == 150.0 and isinstance(params["incapacitation"], float)
    assert isinstance(params["initial_members"], float)


def test_hard_bounds_themselves_are_allowed() -> None:
    params = Params.defaults().override({"recruitment_rate": 0.0, "saturation": 0.0},
                                        origin="edge")
    assert params["recruitment_rate"] == 0.0


def test_scaled_multiplies_one_parameter_and_records_why() -> None:
    base = Params.defaults()
    doubled = base.scaled("incapacitation", 2.0, origin="policy: double arrests")
    assert doubled["incapacitation"] == 220.0
    assert doubled.origin("incapacitation") == "policy: double arrests"
    assert base["incapacitation"] == 110.0
    halved = base.scaled("recruitment_rate", 0.5, origin="half")
    assert halved["recruitment_rate"] == pytest.approx(2.527474e-3 / 2, rel=1e-15)
    with pytest.raises(CartelsimError, match="outside its bounds"):
        base.scaled("recruitment_rate", 1000.0, origin="absurd")
    with pytest.raises(KeyError):
        base.scaled("no_such_parameter", 2.0, origin="x")


def test_unusual_flags_values_outside_the_plausible_range_only() -> None:
    base = Params.defaults()
    spec = CATALOGUE["incapacitation"]
    assert base.override({"incapacitation": spec.high}, "x").unusual() == []
    assert base.override({"incapacitation": spec.low}, "x").unusual() == []
    assert base.override({"incapacitation": 2 * spec.high}, "x").unusual() == ["incapacitation"]
    below = base.override({"incapacitation": spec.low / 2, "saturation": 2e-7}, "x")
    assert sorted(below.unusual()) == ["incapacitation", "saturation"]
