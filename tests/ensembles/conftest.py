"""Small scenario files for the ensemble tests (Mexico 2025, stochastic, one to two years).

`make_scenario(folder, name, policy=..., **options)` writes `folder/name.toml`. The policy
draws from every stream an ensemble must key by the global run number: a leader removal that
succeeds with probability 0.6 and has an uncertain succession (events stream) and a recurring
arrest sweep (interventions stream).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

POLICY = """
[[interventions]]
action = "remove_leader"
kind = "captured"
succession = "uncertain"
effect = 0.6
start = 2026-02-01
every_weeks = 8
end = 2026-12-31
target = { largest = 3 }

[[interventions]]
action = "arrest_sweep"
effect = 0.15
start = 2026-03-01
every_weeks = 10
end = 2027-01-01
target = { largest = 4 }
"""


def scenario_text(name: str, *, policy: bool = False, weeks: int = 52, runs: int = 5,
                  seed: int = 1, engine: str = "stochastic", initial: str | None = None,
                  groups: int | None = None, start: str = "2026-01-01",
                  parameters: str = "", extra: str = "") -> str:
    """The text of a small scenario file; `extra` is appended (e.g. a [mechanisms] table)."""
    system = f"groups = {groups}\n" if groups is not None else ""
    init = f'initial = "{initial}"\n' if initial else ""
    return (f'name = "{name}"\n\n[system]\nname = "mexico2025"\n{system}\n'
            f"[horizon]\nstart = {start}\nweeks = {weeks}\n\n"
            f"[parameters]\n{parameters}\n\n"
            f'[run]\nengine = "{engine}"\nruns = {runs}\nseed = {seed}\n{init}'
            f"{POLICY if policy else ''}\n{extra}")


@pytest.fixture(scope="session")
def make_scenario() -> Callable[..., Path]:
    """make_scenario(folder, name, **scenario_text options) -> folder / f"{name}.toml"."""

    def write(folder: Path, name: str, **options: object) -> Path:
        path = Path(folder) / f"{name}.toml"
        path.write_text(scenario_text(name, **options), encoding="utf-8")  # type: ignore[arg-type]
        return path

    return write


def _same_data(a: xr.Dataset, b: xr.Dataset) -> None:
    assert sorted(a.data_vars) == sorted(b.data_vars)
    assert dict(a.sizes) == dict(b.sizes)
    assert sorted(a.coords) == sorted(b.coords)
    for name in a.coords:
        assert np.array_equal(a[name].values, b[name].values), f"coordinate {name} differs"
    for name in a.data_vars:
        assert a[name].dims == b[name].dims, name
        assert np.array_equal(a[name].values, b[name].values, equal_nan=True), \
            f"{name} differs"


@pytest.fixture(scope="session")
def same_data() -> Callable[[xr.Dataset, xr.Dataset], None]:
    """Assert equal variables, dims, coordinates and values (exact, NaN = NaN); attrs ignored."""
    return _same_data
