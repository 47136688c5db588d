"""The engine switch: validated like every scenario field; the world engine is the default."""

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


def test_the_world_engine_is_the_default_and_the_engine_is_in_the_digest() -> None:
    """A file that does not name the engine runs the world engine; its digest differs from
    the capped engines' (whose results differ), so an ensemble of the old default cannot
    resume under the new one."""
    plain = parse_scenario(BASE)
    capped = parse_scenario(BASE | {"mechanisms": {"fragmentation": "capped"}})
    opened = parse_scenario(BASE | {"mechanisms": {"fragmentation": "open"}})
    assert plain.mechanisms.fragmentation == "open"
    assert plain.digest == opened.digest != capped.digest
