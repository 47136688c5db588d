"""The registered actions, one small class each (see `base.Action`).

Importing this package defines them all; `registry()` lists them. To add an action, write
its class in one of these modules (or a new one imported here) and one test.
"""

from cartelsim.interventions.actions import leaders, members, money, pressure, rates, routes
from cartelsim.interventions.actions.base import Action, Amount, registry

__all__ = ["Action", "Amount", "action", "catalogue", "leaders", "members", "money", "names",
           "pressure", "rates", "registry", "routes"]


def names() -> tuple[str, ...]:
    """The registered action names, in definition order."""
    return tuple(registry())


def action(name: str) -> Action:
    """The action called `name` (KeyError if none is)."""
    return registry()[name]


def catalogue() -> dict[str, dict[str, object]]:
    """Every action as plain data (for the dashboard, the CLI and the docs): what it
    means, its effect's meaning, bounds and unit, lasting or once, what it needs, its options
    (which are required, the values of those that take a fixed list, the bounds of those
    that are numbers)."""
    return {name: {"meaning": a.meaning, "effect": a.amount.meaning, "low": a.amount.low,
                   "high": a.amount.high, "unit": a.amount.unit, "default": a.amount.default,
                   "kind": a.kind, "needs": list(a.needs), "national": a.national,
                   "options": dict(a.options), "required": list(a.required),
                   "choices": a.choices(),
                   "numbers": {name: list(bounds) for name, bounds in a.numbers().items()}}
            for name, a in registry().items()}
