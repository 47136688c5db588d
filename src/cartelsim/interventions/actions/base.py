"""`Action`: one kind of intervention as a small class, and the registry of them all.

A subclass declares its name, what it means, the passport of its `effect` number (bounds
and unit), the mechanism it needs, whether it lasts or happens once, whether it acts on
the whole country, and how it compiles into engine-neutral effects (`effects`). Defining
the class registers it: the scenario schema, the dashboard's action list, `cartelsim
actions` and docs/actions.md all read the registry, so adding an action is one class
(in a module `interventions.actions` imports) plus one test.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar

from cartelsim.interventions.effects import Effect
from cartelsim.params.catalogue import Params

if TYPE_CHECKING:
    from cartelsim.interventions.spec import InterventionSpec

MECHANISMS = ("money", "protection", "territory")  # [mechanisms] switches an action may need
OPTION_FIELDS = ("kind", "succession", "clarity", "crossing", "segment")  # some actions only


@dataclass(frozen=True)
class Amount:
    """The passport of an action's `effect` number: meaning, bounds, unit, default."""

    meaning: str
    low: float
    high: float
    unit: str
    default: float | None = None  # None: the scenario must give it


_REGISTRY: dict[str, Action] = {}


class Action:
    """One kind of intervention. Subclasses set the class attributes and `effects`."""

    name: ClassVar[str]
    meaning: ClassVar[str]  # one sentence: what the state does
    amount: ClassVar[Amount]
    lasting: ClassVar[bool] = True  # False: happens on its dates (start, every N weeks)
    needs: ClassVar[tuple[str, ...]] = ()  # [mechanisms] switches it acts on
    national: ClassVar[bool] = False  # acts on the whole country (no target)
    options: ClassVar[Mapping[str, str]] = MappingProxyType({})  # extra fields it reads
    required: ClassVar[tuple[str, ...]] = ()  # options a scenario must give

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name in _REGISTRY:
            raise TypeError(f"action {cls.name!r} is defined twice")
        for switch in cls.needs:
            if switch not in MECHANISMS:
                raise TypeError(f"action {cls.name!r} needs unknown mechanism {switch!r}")
        _REGISTRY[cls.name] = cls()

    def effects(self, amount: float, params: Params) -> tuple[Effect, ...]:
        """The engine-neutral effects of this action at `amount` (its `effect` number)."""
        raise NotImplementedError

    def check(self, spec: InterventionSpec) -> None:
        """Refuse options that make no sense for this action (ValueError, one line)."""
        given = [key for key in OPTION_FIELDS
                 if getattr(spec, key) is not None and key not in self.options]
        if given:
            raise ValueError(f"{', '.join(given)} apply to {_options_owner(given[0])}, "
                             f"not {self.name}")

    def describe(self, spec: InterventionSpec) -> str | None:
        """A sentence for results and reports; None for the generic one."""
        return None

    def choices(self) -> dict[str, list[str]]:
        """The values an option can take, where they are a fixed list (for the dashboard's
        menus); options not listed here or in `numbers` take any text `check` accepts."""
        return {}

    def numbers(self) -> dict[str, tuple[float, float]]:
        """The bounds of the options that are numbers (for the dashboard's inputs)."""
        return {}

    @property
    def kind(self) -> str:
        return "lasting" if self.lasting else "once"


def _options_owner(option: str) -> str:
    owners = sorted(name for name, action in _REGISTRY.items() if option in action.options)
    return " and ".join(owners) or "no action"


def registry() -> Mapping[str, Action]:
    """Every registered action by name, in the order they were defined (read-only)."""
    return MappingProxyType(_REGISTRY)
