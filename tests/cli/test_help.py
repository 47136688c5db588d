"""The command list of `cartelsim --help` reads as one summary line per command."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer

from cartelsim.cli.main import app


def _commands(group: Any, prefix: str = "cartelsim") -> Iterator[tuple[str, Any]]:
    """Every command of a click group (typer builds one), sub-commands too."""
    for name, command in group.commands.items():
        yield f"{prefix} {name}", command
        if hasattr(command, "commands"):  # a group of sub-commands
            yield from _commands(command, f"{prefix} {name}")


COMMANDS = list(_commands(typer.main.get_command(app)))


def test_every_command_is_listed() -> None:
    names = {name for name, _ in COMMANDS}
    assert {"cartelsim calibrate", "cartelsim org simulate", "cartelsim examples copy"} <= names


@pytest.mark.parametrize("name, command", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_the_summary_is_one_paragraph_line(name: str, command: Any) -> None:
    # the command list shows the first paragraph with its line breaks: a summary broken
    # over lines in the source shows ragged in the list
    summary = (command.help or "").strip().split("\n\n")[0]
    assert summary and "\n" not in summary, f"{name}: {summary!r}"
