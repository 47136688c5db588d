"""`Scenario.derive`: the one way to make a variant of a scenario (issue 11, item 4)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cartelsim.errors import CartelsimError
from cartelsim.scenarios.schema import load_scenario, parse_scenario

TEXT = """name = "policy"
parameters_file = "fit.toml"

[horizon]
start = 2026-01-01
weeks = 30

[parameters]
saturation = 5e-8

[run]
engine = "stochastic"
runs = 4
seed = 9

[[interventions]]
action = "prevent_recruitment"
effect = 0.5
target = { largest = 3 }
"""


@pytest.fixture()
def scenario(tmp_path: Path):
    (tmp_path / "fit.toml").write_text("[parameters]\nincapacitation = 230\n",
                                       encoding="utf-8")
    sub = tmp_path / "sub"
    sub.mkdir()
    path = sub / "policy.toml"
    path.write_text(TEXT.replace('"fit.toml"', '"../fit.toml"'), encoding="utf-8")
    return load_scenario(path)


def test_a_table_change_keeps_the_rest_of_the_table(scenario) -> None:
    derived = scenario.derive(run={"runs": 7})
    assert derived.run.runs == 7
    assert (derived.run.seed, derived.run.engine) == (9, "stochastic")
    assert derived.horizon == scenario.horizon and derived.interventions == scenario.interventions
    assert derived.source == scenario.source
    assert derived.digest != scenario.digest


def test_the_parameter_file_and_its_values_survive(scenario) -> None:
    derived = scenario.derive(run={"seed": 1}, horizon={"weeks": 10})
    assert derived.parameters_file == scenario.parameters_file
    params = derived.params()
    assert params["incapacitation"] == 230.0 and params["saturation"] == 5e-8
    assert [origin for origin, _ in params.chain("incapacitation")][0] == "default"


def test_parameters_merge_and_top_level_fields_replace(scenario) -> None:
    derived = scenario.derive(parameters={"recruitment_rate": 0.003}, interventions=[],
                              name="other")
    assert derived.parameters == {"saturation": 5e-8, "recruitment_rate": 0.003}
    assert derived.interventions == [] and derived.name == "other"


def test_the_digest_is_that_of_the_same_content_parsed() -> None:
    a = parse_scenario({"name": "x", "run": {"runs": 3}}).derive(run={"seed": 5})
    b = parse_scenario({"name": "x", "run": {"runs": 3, "seed": 5}})
    assert a.digest == b.digest and a == b.model_copy(update={"source": a.source})


def test_a_bad_change_is_a_one_line_error_naming_the_field(scenario) -> None:
    with pytest.raises(CartelsimError) as info:
        scenario.derive(run={"runs": 0})
    message = str(info.value)
    assert "run.runs" in message and scenario.source in message and "\n" not in message
    with pytest.raises(CartelsimError, match="unknown field 'horizn'.*'horizon'"):
        scenario.derive(horizn={"weeks": 3})
    with pytest.raises(CartelsimError, match="start"):
        scenario.derive(horizon={"start": dt.date(2030, 1, 1)}, interventions=[{
            "action": "scale_arrests", "effect": 2.0, "start": dt.date(2026, 2, 1),
            "end": dt.date(2026, 1, 5)}])


def test_the_status_quo_of_a_scenario(scenario) -> None:
    base = scenario.without_interventions()
    assert base.interventions == [] and base.name == "status-quo"
    assert base.run == scenario.run and base.parameters_file == scenario.parameters_file
    assert "(status quo)" in base.source
