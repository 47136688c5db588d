"""A validated scenario written back as a scenario file (TOML) that `cartelsim` can load."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import tomli_w

from cartelsim.scenarios.schema import Scenario

# Server-side paths are never handed out: the results folder, data folders, parameter files.
_SERVER_ONLY = {"source", "digest", "output", "parameters_file"}


def _plain(value: object) -> object:
    """TOML has no null: drop None; paths become strings; dates stay dates."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dt.date | str | int | float | bool):
        return value
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def scenario_toml(scenario: Scenario) -> str:
    """The scenario as TOML text; loading it gives the same validated scenario."""
    data = scenario.model_dump(mode="python", exclude=_SERVER_ONLY)
    data["system"].pop("data", None)
    header = (f"# {scenario.name}: written by the cartelsim dashboard.\n"
              f"# Run it with:  cartelsim run {scenario.name}.toml\n")
    return header + tomli_w.dumps(_plain(data))  # type: ignore[arg-type]
