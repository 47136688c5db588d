"""The opt-in switch: validated like every scenario field, and invisible when left default."""

from __future__ import annotations

import pytest

from cartelsim.errors import CartelsimError
from cartelsim.scenarios.schema import parse_scenario

BASE = {"name": "flag", "horizon": {"weeks": 10}}


def test_a_bad_value_is_a_one_line_error_naming_the_field() -> None:
    with pytest.raises(CartelsimError) as error:
        parse_scenario(BASE | {"mechanisms": {"fragmentation": "unlimited"}}, source="x.toml")
    message = str(error.value)
    assert "x.toml" in message and "mechanisms.fragmentation" in message
    assert "capped" in message and "open" in message and "\n" not in message


def test_the_default_keeps_earlier_digests_and_open_changes_it() -> None:
    plain = parse_scenario(BASE)
    capped = parse_scenario(BASE | {"mechanisms": {"fragmentation": "capped"}})
    opened = parse_scenario(BASE | {"mechanisms": {"fragmentation": "open"}})
    assert plain.digest == capped.digest != opened.digest
    assert opened.mechanisms.fragmentation == "open"
