"""cartelsim: simulate Mexican criminal groups, the state and outside pressure.

The public API is small on purpose::

    import cartelsim as cs
    system = cs.load_bacrim("path/to/bacrim2020")      # or cs.mexico_2025()
    results = cs.simulate(system, weeks=520)            # an xarray.Dataset

Nothing heavy happens at import time; submodules are imported on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "CartelsimError": "cartelsim.errors",
    "System": "cartelsim.system.model",
    "load_bacrim": "cartelsim.system.bacrim",
    "mexico_2025": "cartelsim.system.embedded",
    "Params": "cartelsim.params.catalogue",
    "CATALOGUE": "cartelsim.params.catalogue",
    "simulate": "cartelsim.engines.simulate",
    "load_scenario": "cartelsim.scenarios.schema",
    "parse_scenario": "cartelsim.scenarios.schema",
    "run_scenario": "cartelsim.scenarios.runner",
    "paired_differences": "cartelsim.analysis.compare",
}
# A package that is also the function of the same name (called: the record replayed).
_CALLABLE_PACKAGES = ("history",)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from cartelsim import history
    from cartelsim.analysis.compare import paired_differences
    from cartelsim.engines.simulate import simulate
    from cartelsim.errors import CartelsimError
    from cartelsim.params.catalogue import CATALOGUE, Params
    from cartelsim.scenarios.runner import run_scenario
    from cartelsim.scenarios.schema import load_scenario, parse_scenario
    from cartelsim.system.bacrim import load_bacrim
    from cartelsim.system.embedded import mexico_2025
    from cartelsim.system.model import System

__all__ = [  # noqa: F822 - resolved lazily by __getattr__
    "CATALOGUE",
    "CartelsimError",
    "Params",
    "System",
    "history",
    "load_bacrim",
    "load_scenario",
    "mexico_2025",
    "paired_differences",
    "parse_scenario",
    "run_scenario",
    "simulate",
]


def __getattr__(name: str) -> Any:
    """Import public names lazily so `import cartelsim` stays instant (no numba compile)."""
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    if name in _CALLABLE_PACKAGES:
        return import_module(f"cartelsim.{name}")
    raise AttributeError(f"module 'cartelsim' has no attribute {name!r}")
