"""cartelsim: simulate Mexican criminal groups, the state and outside pressure.

The public API is small on purpose::

    import cartelsim as cs
    cs.list_examples()                                   # the example scenarios
    result = cs.run("cjng-leader-killed", runs=50)       # or a .toml file, or a Scenario
    result.summary(); result.plot()                      # a table; a matplotlib figure
    diff = cs.compare("status-quo", "cjng-leader-killed", runs=50, groups=["cjng"])
    diff.summary(); diff.plot()                          # paired differences
    record = cs.history(runs=20)                         # 2007 to mid-2026 replayed
    record.plot()                                        # against the observed series

Lower level: `load_scenario`, `run_scenario`, `simulate` (an xarray.Dataset) on a `System`
(`mexico_2025()`, `load_bacrim(folder)`) and `Params` (`CATALOGUE`), `paired_differences`.

Nothing heavy happens at import time: each public name is imported on first use, and
`dir(cartelsim)` (so a notebook's tab completion) lists exactly the public names.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from cartelsim.jitcache import configure as _configure_jit_cache

__version__ = "0.1.0"

_configure_jit_cache()  # before any kernel is compiled: a cache folder per kernel source

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
    "list_examples": "cartelsim.scenarios.examples",
    "copy_example": "cartelsim.scenarios.examples",
    "run": "cartelsim.api",
    "compare": "cartelsim.api",
    "Result": "cartelsim.analysis.results",
    "Comparison": "cartelsim.analysis.results",
    "history": "cartelsim.record.api",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from cartelsim.analysis.compare import paired_differences
    from cartelsim.analysis.results import Comparison, Result
    from cartelsim.api import compare, run
    from cartelsim.engines.simulate import simulate
    from cartelsim.errors import CartelsimError
    from cartelsim.params.catalogue import CATALOGUE, Params
    from cartelsim.record.api import history
    from cartelsim.scenarios.examples import copy_example, list_examples
    from cartelsim.scenarios.runner import run_scenario
    from cartelsim.scenarios.schema import load_scenario, parse_scenario
    from cartelsim.system.bacrim import load_bacrim
    from cartelsim.system.embedded import mexico_2025
    from cartelsim.system.model import System

__all__ = [  # noqa: F822 - resolved lazily by __getattr__
    "CATALOGUE",
    "CartelsimError",
    "Comparison",
    "Params",
    "Result",
    "System",
    "compare",
    "copy_example",
    "list_examples",
    "history",
    "load_bacrim",
    "load_scenario",
    "mexico_2025",
    "paired_differences",
    "parse_scenario",
    "run",
    "run_scenario",
    "simulate",
]


def __getattr__(name: str) -> Any:
    """Import public names lazily so `import cartelsim` stays instant (no numba compile)."""
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'cartelsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names (and the version), for dir() and tab completion; not the helpers
    of this module or the submodules imported so far."""
    return sorted([*__all__, "__version__"])
