"""docs/actions.md, written from the action registry (never by hand).

`python -m cartelsim actions --markdown > docs/actions.md` refreshes the page; a test checks
that the committed page equals `actions_markdown()`.
"""

from __future__ import annotations

from cartelsim.interventions import actions
from cartelsim.interventions.conditions import WhenSpec
from cartelsim.interventions.effects import Effect

HEADER = """# Intervention actions

Generated from the action registry (`cartelsim.interventions.actions`) by
`cartelsim actions --markdown`; do not edit by hand.

An intervention is an action (what) x a schedule (when) x a target (to whom). Each action
is one registered class that compiles into engine-neutral effects; both engines (the world
engine, the default, and the capped engines) apply the effects and never see an action's
name. To add an action, write one class in `src/cartelsim/interventions/actions/` and one
test in `tests/interventions/test_actions.py`; it then runs in both engines.
"""

SCHEDULES = """## Schedules

- **at a date**: `start = 2026-02-22` (default: the start of the horizon). A one-off action
  happens on that date; a lasting action holds from it.
- **between dates**: `start` and `end`; a lasting action holds from `start` up to (not
  including) `end` (default: to the end of the horizon).
- **every N weeks**: `every_weeks = 13` repeats a one-off action from `start` until `end`.
- **when a condition holds**: `when = { national_homicides_above = 1500 }`, checked at the
  start of every week of the window, in every run on that run's state. A lasting action
  acts in the weeks it holds; a one-off action with `every_weeks` happens on those of its
  dates on which it holds; a one-off action without `every_weeks` happens once, in the first
  week of its window in which it holds (a trigger). All conditions given must hold.
"""


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def actions_markdown() -> str:
    """The whole page, from the registry, the effects and the conditions."""
    lines = [HEADER, "## Actions", "",
             "| action | lasting or once | effect (unit) | range | default | needs | acts on |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, action in actions.registry().items():
        amount = action.amount
        lines.append(
            f"| `{name}` | {action.kind} | {amount.unit} | {_number(amount.low)} - "
            f"{_number(amount.high)} | {_number(amount.default)} | "
            f"{', '.join(action.needs) or '-'} | "
            f"{'the whole country' if action.national else 'its targets'} |")
    lines.append("")
    for name, action in actions.registry().items():
        lines += [f"### `{name}`", "", action.meaning, "",
                  f"- `effect`: {action.amount.meaning}."]
        for option, meaning in action.options.items():
            lines.append(f"- `{option}`: {meaning}.")
        compiled = ", ".join(type(e).__name__ for e in action.effects(
            action.amount.default if action.amount.default is not None else action.amount.low,
            _defaults()))
        lines += [f"- compiles into: {compiled}.", ""]
    lines += [SCHEDULES, "Conditions:", ""]
    for key, field in WhenSpec.model_fields.items():
        lines.append(f"- `{key}`: {field.description}.")
    lines += ["", "## Effects", ""]
    for effect in _effects():
        doc = " ".join((effect.__doc__ or "").split())
        lines.append(f"- **{effect.__name__}** ({'lasting' if effect.lasting else 'once'}): "
                     f"{doc}")
    return "\n".join(lines) + "\n"


def _defaults():
    from cartelsim.params.catalogue import Params

    return Params.defaults()


def _effects() -> list[type[Effect]]:
    from cartelsim.interventions import effects

    return [value for value in vars(effects).values()
            if isinstance(value, type) and issubclass(value, Effect) and value is not Effect]
