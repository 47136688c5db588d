"""InterventionSpec: what x when x to whom, validated before anything runs (STYLE.md 2, 4)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from pydantic import ValidationError

from cartelsim.errors import CartelsimError
from cartelsim.interventions.actions import registry
from cartelsim.interventions.spec import InterventionSpec, TargetSpec
from cartelsim.scenarios.schema import parse_scenario

BOUNDS = {
    "prevent_recruitment": (0.0, 1.0),
    "scale_arrests": (0.0, 100.0),
    "focus_arrests": (0.0, 100.0),
    "scale_conflict": (0.0, 100.0),
    "arrest_sweep": (0.0, 1.0),
}


def message(exc: pytest.ExceptionInfo) -> str:
    """The validation messages without pydantic's boilerplate, on one line."""
    return " | ".join(error["msg"] for error in exc.value.errors())


def test_every_action_is_declared_with_its_bounds_and_kind() -> None:
    actions = registry()
    assert set(BOUNDS) <= set(actions)  # others may be added; these five keep their meaning
    for action, bounds in BOUNDS.items():
        assert (actions[action].amount.low, actions[action].amount.high) == bounds, action
        assert actions[action].kind == ("once" if action == "arrest_sweep" else "lasting")
        assert actions[action].amount.meaning.strip(), action


# --------------------------------------------------------------------------- effect bounds


@pytest.mark.parametrize("action", list(BOUNDS))
def test_effect_at_either_edge_is_accepted(action: str) -> None:
    low, high = BOUNDS[action]
    for effect in (low, high, (low + high) / 2):
        assert InterventionSpec(action=action, effect=effect).effect == effect


@pytest.mark.parametrize("action", list(BOUNDS))
@pytest.mark.parametrize("side", ["below", "above", "nan"])
def test_effect_outside_its_range_is_refused_naming_action_and_range(action: str,
                                                                      side: str) -> None:
    low, high = BOUNDS[action]
    effect = {"below": low - 1e-9, "above": high + 1e-6, "nan": float("nan")}[side]
    with pytest.raises(ValidationError) as exc:
        InterventionSpec(action=action, effect=effect)
    text = message(exc)
    assert f"effect of {action}" in text
    assert f"between {low:g} and {high:g}" in text
    assert "got" in text


@pytest.mark.parametrize("effect", [True, False])
def test_a_boolean_is_not_an_effect(effect: bool) -> None:
    with pytest.raises(ValidationError) as exc:
        InterventionSpec(action="prevent_recruitment", effect=effect)
    assert exc.value.errors()[0]["loc"] == ("effect",)


def test_a_whole_number_is_a_valid_effect() -> None:
    assert InterventionSpec(action="scale_arrests", effect=2).effect == 2.0


@pytest.mark.parametrize("field,value", [("every_weeks", True), ("every_weeks", 0),
                                         ("every_weeks", 2.5)])
def test_every_weeks_must_be_a_positive_whole_number(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as exc:
        InterventionSpec(action="arrest_sweep", effect=0.1, **{field: value})
    assert exc.value.errors()[0]["loc"] == (field,)


def test_unknown_action_and_unknown_key_are_refused() -> None:
    with pytest.raises(ValidationError):
        InterventionSpec(action="remove_leader", effect=0.5)
    with pytest.raises(ValidationError) as exc:
        InterventionSpec(action="scale_arrests", effect=2.0, efect=3.0)
    assert exc.value.errors()[0]["type"] == "extra_forbidden"


# --------------------------------------------------------------------------- schedule


@pytest.mark.parametrize("end", [dt.date(2026, 6, 1), dt.date(2026, 5, 31)])
def test_end_on_or_before_start_is_refused(end: dt.date) -> None:
    with pytest.raises(ValidationError) as exc:
        InterventionSpec(action="prevent_recruitment", effect=0.5, start=dt.date(2026, 6, 1),
                         end=end)
    assert f"end {end} must come after start 2026-06-01" in message(exc)


def test_end_after_start_is_accepted() -> None:
    spec = InterventionSpec(action="prevent_recruitment", effect=0.5,
                            start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 2))
    assert spec.end == dt.date(2026, 6, 2)


@pytest.mark.parametrize("action", [a for a in BOUNDS if a != "arrest_sweep"])
def test_every_weeks_on_a_lasting_action_is_refused(action: str) -> None:
    with pytest.raises(ValidationError) as exc:
        InterventionSpec(action=action, effect=0.5, every_weeks=4)
    text = message(exc)
    assert "every_weeks" in text and action in text and "arrest_sweep" in text


def test_arrest_sweep_with_end_but_no_every_weeks_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        InterventionSpec(action="arrest_sweep", effect=0.2, start=dt.date(2026, 2, 1),
                         end=dt.date(2026, 12, 1))
    assert "every_weeks" in message(exc) and "arrest_sweep" in message(exc)


def test_arrest_sweep_once_or_repeated_until_end_is_accepted() -> None:
    once = InterventionSpec(action="arrest_sweep", effect=0.2, start=dt.date(2026, 2, 1))
    assert once.every_weeks is None and once.end is None
    repeated = InterventionSpec(action="arrest_sweep", effect=0.2, start=dt.date(2026, 2, 1),
                                end=dt.date(2026, 12, 1), every_weeks=4)
    assert repeated.every_weeks == 4
    open_ended = InterventionSpec(action="arrest_sweep", effect=0.2, every_weeks=8)
    assert open_ended.end is None


# --------------------------------------------------------------------------- targets


@pytest.mark.parametrize("target", [{"groups": ["cjng"]}, {"largest": 3},
                                    {"rivals_of": "cjng"}])
def test_scale_arrests_with_a_target_is_refused(target: dict) -> None:
    with pytest.raises(ValidationError) as exc:
        InterventionSpec(action="scale_arrests", effect=2.0, target=target)
    assert "focus_arrests" in message(exc)


@pytest.mark.parametrize("rules", [
    {"groups": ["cjng"], "largest": 3},
    {"groups": ["cjng"], "rivals_of": "cjng"},
    {"largest": 3, "rivals_of": "cjng"},
])
def test_a_target_with_two_rules_is_refused(rules: dict) -> None:
    with pytest.raises(ValidationError) as exc:
        TargetSpec(**rules)
    text = message(exc)
    assert "choose one target rule" in text
    for rule in rules:
        assert rule in text


def test_empty_groups_list_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        TargetSpec(groups=[])
    assert "target.groups is empty" in message(exc)


@pytest.mark.parametrize("largest", [0, -2, True, 1.5])
def test_largest_must_be_a_positive_whole_number(largest: object) -> None:
    with pytest.raises(ValidationError):
        TargetSpec(largest=largest)


def test_target_defaults_to_everyone() -> None:
    assert TargetSpec().everyone
    assert InterventionSpec(action="scale_conflict", effect=0.5).target.everyone
    assert not TargetSpec(groups=["cjng"]).everyone
    assert not TargetSpec(largest=1).everyone
    assert not TargetSpec(rivals_of="cjng").everyone


def test_specs_are_immutable() -> None:
    spec = InterventionSpec(action="scale_conflict", effect=0.5)
    with pytest.raises(ValidationError):
        spec.effect = 2.0  # type: ignore[misc]


# --------------------------------------------------------------------------- describe


@pytest.mark.parametrize("kwargs,expected", [
    ({"action": "prevent_recruitment", "effect": 0.5},
     "prevent_recruitment (effect 0.5) on every group from the start"),
    ({"action": "focus_arrests", "effect": 3, "target": {"groups": ["cjng", "cdn"]},
      "start": dt.date(2026, 6, 1), "end": dt.date(2027, 1, 1)},
     "focus_arrests (effect 3) on cjng, cdn from 2026-06-01 to 2027-01-01"),
    ({"action": "arrest_sweep", "effect": 0.25, "target": {"largest": 3},
      "start": dt.date(2026, 2, 1), "end": dt.date(2026, 6, 1), "every_weeks": 4,
      "label": "raids"},
     "raids (effect 0.25) on the 3 largest groups from 2026-02-01 to 2026-06-01, every 4 weeks"),
    ({"action": "scale_conflict", "effect": 0.5, "target": {"rivals_of": "cjng"}},
     "scale_conflict (effect 0.5) on the rivals of cjng from the start"),
])
def test_describe_says_what_when_and_to_whom(kwargs: dict, expected: str) -> None:
    assert InterventionSpec(**kwargs).describe() == expected


# --------------------------------------------------------------------------- in a scenario


def test_scenario_file_errors_name_the_intervention_and_the_range() -> None:
    data = {"interventions": [
        {"action": "scale_conflict", "effect": 0.5},
        {"action": "prevent_recruitment", "effect": 1.5},
    ]}
    with pytest.raises(CartelsimError) as exc:
        parse_scenario(data, source="policy.toml")
    text = str(exc.value)
    assert "\n" not in text
    assert text.startswith("policy.toml: ")
    assert "interventions[2]" in text
    assert re.search(r"effect of prevent_recruitment must be between 0 and 1", text)


def test_scenario_refuses_a_boolean_effect_and_an_unknown_intervention_key() -> None:
    with pytest.raises(CartelsimError, match=r"interventions\[1\]\.effect"):
        parse_scenario({"interventions": [{"action": "scale_conflict", "effect": True}]})
    with pytest.raises(CartelsimError, match="did you mean 'target'"):
        parse_scenario({"interventions": [{"action": "scale_conflict", "effect": 0.5,
                                           "targets": {"largest": 2}}]})
