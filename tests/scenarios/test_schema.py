"""Scenario files: defaults, parameter overrides with their origin, and strict keys."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cartelsim.calibration.posterior import load_posterior
from cartelsim.errors import CartelsimError
from cartelsim.params.catalogue import CATALOGUE
from cartelsim.scenarios.schema import load_scenario, parse_scenario


def write(folder: Path, text: str, name: str = "scenario.toml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- defaults


def test_empty_scenario_is_ten_years_on_mexico_2025_from_2026() -> None:
    scenario = parse_scenario({})
    assert scenario.system.name == "mexico2025"
    assert scenario.horizon.weeks == 520
    assert scenario.start == dt.date(2026, 1, 1)
    assert scenario.run.engine == "deterministic"
    assert (scenario.run.runs, scenario.run.seed) == (1, 0)
    assert scenario.parameters == {}
    # the calibrated posterior's median for the parameters it fitted, the catalogue elsewhere
    fitted = load_posterior().median()
    assert dict(scenario.params()) == {name: fitted.get(name, spec.default)
                                       for name, spec in CATALOGUE.items()}
    assert all(scenario.params().origin(name) == (
        "calibrated (packaged record-posterior)" if name in fitted else "default")
        for name in CATALOGUE)
    catalogue = parse_scenario({"defaults": "catalogue"})
    assert dict(catalogue.params()) == {name: spec.default for name, spec in CATALOGUE.items()}
    assert all(catalogue.params().origin(name) == "default" for name in CATALOGUE)


def test_bacrim2020_starts_in_2012_unless_told_otherwise() -> None:
    assert parse_scenario({"system": {"name": "bacrim2020"}}).start == dt.date(2012, 1, 1)
    chosen = parse_scenario({"system": {"name": "bacrim2020"},
                             "horizon": {"start": dt.date(2015, 6, 1)}})
    assert chosen.start == dt.date(2015, 6, 1)


def test_a_file_with_only_a_name_gets_every_default(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, 'name = "minimal"\n'))
    assert scenario.name == "minimal"
    assert scenario.start == dt.date(2026, 1, 1) and scenario.horizon.weeks == 520
    assert scenario.source == str(tmp_path / "scenario.toml")


def test_scenario_is_immutable() -> None:
    scenario = parse_scenario({})
    with pytest.raises(Exception):
        scenario.name = "changed"  # type: ignore[misc]
    with pytest.raises(Exception):
        scenario.run.runs = 5  # type: ignore[misc]


# --------------------------------------------------------------------------- parameters


def test_parameters_override_defaults_and_remember_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'name = "tough"\n[parameters]\nincapacitation = 220\n'
                           "saturation = 5e-8\n", name="tough-on-crime.toml")
    params = load_scenario(path).params()
    assert params["incapacitation"] == 220.0
    assert params["saturation"] == 5e-8
    assert "tough-on-crime.toml" in params.origin("incapacitation")
    assert "tough-on-crime.toml" in params.origin("saturation")
    assert params.origin("recruitment_rate") == "calibrated (packaged record-posterior)"
    assert params["recruitment_rate"] == load_posterior().median()["recruitment_rate"]
    assert params.origin("integrity_recovery").startswith("calibrated")


def test_parameter_outside_hard_bounds_is_refused_naming_file_and_parameter(
        tmp_path: Path) -> None:
    path = write(tmp_path, "[parameters]\nrecruitment_rate = -1\n", name="negative.toml")
    with pytest.raises(CartelsimError, match=r"negative\.toml.*recruitment_rate"):
        load_scenario(path).params()


# --------------------------------------------------------------------------- strict keys


@pytest.mark.parametrize(("data", "key", "suggestion"), [
    ({"nmae": "x"}, "nmae", "name"),
    ({"paramters": {}}, "paramters", "parameters"),
    ({"system": {"nmae": "bacrim2020"}}, "system.nmae", "name"),
    ({"system": {"tail_sed": 1}}, "system.tail_sed", "tail_seed"),
    ({"horizon": {"week": 52}}, "horizon.week", "weeks"),
    ({"horizon": {"strat": dt.date(2026, 1, 1)}}, "horizon.strat", "start"),
    ({"run": {"engin": "stochastic"}}, "run.engin", "engine"),
    ({"run": {"seeds": 3}}, "run.seeds", "seed"),
    ({"output": {"pth": "x.nc"}}, "output.pth", "path"),
    ({"parameters": {"incapacitaton": 200}}, "incapacitaton", "incapacitation"),
    ({"parameters": {"recruitment": 0.003}}, "recruitment", "recruitment_rate"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_unknown_key_is_named_with_the_closest_valid_one(data: dict, key: str,
                                                         suggestion: str) -> None:
    with pytest.raises(CartelsimError) as info:
        parse_scenario(data, source="mine.toml")
    message = str(info.value)
    assert message.startswith("mine.toml: ")
    assert f"'{key}'" in message
    assert f"did you mean '{suggestion}'" in message
    assert "\n" not in message


def test_unknown_key_with_nothing_close_lists_the_valid_keys() -> None:
    with pytest.raises(CartelsimError, match=r"'run\.zzzzzz'.*engine, runs, seed"):
        parse_scenario({"run": {"zzzzzz": 1}})


def test_unknown_key_in_a_file_is_reported_with_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[run]\nengin = "stochastic"\n', name="typo.toml")
    with pytest.raises(CartelsimError, match=r"typo\.toml.*'run\.engin'.*'engine'"):
        load_scenario(path)


@pytest.mark.parametrize(("data", "field"), [
    ({"run": {"runs": "ten"}}, "run.runs"),
    ({"run": {"runs": 0}}, "run.runs"),
    ({"run": {"seed": -1}}, "run.seed"),
    ({"run": {"engine": "quantum"}}, "run.engine"),
    ({"system": {"name": "mars"}}, "system.name"),
    ({"horizon": {"weeks": 0}}, "horizon.weeks"),
    ({"horizon": {"start": "2020-13-01"}}, "horizon.start"),
    ({"parameters": {"incapacitation": "lots"}}, "parameters.incapacitation"),
])
def test_bad_values_name_the_field(data: dict, field: str) -> None:
    with pytest.raises(CartelsimError, match=rf"field '{field}'"):
        parse_scenario(data)


@pytest.mark.parametrize("data", [
    {"run": {"runs": True}},
    {"parameters": {"incapacitation": True}},
], ids=["runs", "parameter"])
def test_a_boolean_is_not_a_number(data: dict) -> None:
    """`runs = true` in TOML is a type mistake; it must not silently become 1 run."""
    with pytest.raises(CartelsimError):
        parse_scenario(data)


@pytest.mark.parametrize("reserved", ["source", "digest"])
def test_reserved_keys_are_refused_in_files(reserved: str, tmp_path: Path) -> None:
    path = write(tmp_path, f'name = "x"\n{reserved} = "mine"\n')
    with pytest.raises(CartelsimError, match=rf"'{reserved}'.*set by cartelsim"):
        load_scenario(path)


# --------------------------------------------------------------------------- files


def test_missing_file_and_bad_toml_name_the_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(CartelsimError, match=r"nowhere\.toml.*not found"):
        load_scenario(tmp_path / "nowhere.toml")
    path = write(tmp_path, 'name = "x"\n[run]\nruns = \n', name="broken.toml")
    with pytest.raises(CartelsimError, match=r"broken\.toml.*line 3"):
        load_scenario(path)


def test_relative_data_folder_resolves_against_the_scenario_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "project" / "scenarios",
                 '[system]\nname = "bacrim2020"\ndata = "../data/bacrim2020"\n')
    monkeypatch.chdir(tmp_path)  # somewhere else than the scenario folder
    scenario = load_scenario(path)
    assert scenario.system.data.resolve() == (tmp_path / "project" / "data" / "bacrim2020")
    absolute = write(tmp_path, f'[system]\nname = "bacrim2020"\ndata = "{tmp_path / "d"}"\n',
                     name="absolute.toml")
    assert load_scenario(absolute).system.data == tmp_path / "d"


def test_relative_data_folder_loads_the_real_data(bacrim_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (tmp_path / "data").symlink_to(bacrim_dir.parent)
    path = write(folder, '[system]\nname = "bacrim2020"\ndata = "../data/bacrim2020"\n')
    system = load_scenario(path).build_system()
    assert system.name == "bacrim2020" and system.n_groups == 150


def test_digest_follows_the_content(tmp_path: Path) -> None:
    one = load_scenario(write(tmp_path, "[parameters]\nincapacitation = 220\n", "one.toml"))
    same = load_scenario(write(tmp_path, "[parameters]\nincapacitation = 220\n", "same.toml"))
    other = load_scenario(write(tmp_path, "[parameters]\nincapacitation = 230\n", "other.toml"))
    assert one.digest and len(one.digest) == 16
    assert one.digest == same.digest  # the content, not the file name
    assert one.digest != other.digest
    assert parse_scenario({"run": {"runs": 2}}).digest != parse_scenario({"run": {"runs": 3}}).digest
