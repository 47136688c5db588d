"""Which events a counterfactual history leaves out: the ``--drop-events`` FILTER.

A filter is a list of clauses separated by ``;``. Each clause is ``key=value[,value...]``;
the values of one clause are alternatives (OR) and the clauses must all hold (AND)::

    kind=leader_*;group=sinaloa,gulf;from=2006-01-01;to=2010-12-31

Keys:

* ``kind``: event kinds (`EVENT_KINDS`) or shell-style patterns such as ``leader_*``;
  ``removal`` stands for the three removal kinds (killed, captured, extradited or
  transferred). A pattern that matches no kind is an error.
* ``group``: group ids (the history ``groups.csv`` or the embedded ``major_groups.csv``); an
  event matches if it names the group as ``group`` or ``other_group``.
* ``person``: shell-style patterns on the leader's name, without regard to case or accents
  (``person=*guzman*``).
* ``from``, ``to``: first and last date, inclusive, as ``YYYY-MM-DD``, ``YYYY-MM`` or
  ``YYYY`` (``to=2010`` means up to 31 December 2010).

Each key appears at most once. Spaces around keys and values are ignored.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import fnmatch
import unicodedata
from collections.abc import Iterable, Sequence

from cartelsim.errors import CartelsimError
from cartelsim.record.events import EVENT_KINDS, REMOVAL_KINDS, Event
from cartelsim.textmatch import closest

KEYS = ("kind", "group", "person", "from", "to")
REMOVAL_ALIAS = "removal"
EXAMPLE = "kind=leader_*;group=sinaloa,gulf;from=2006-01-01;to=2010-12-31"


@dataclasses.dataclass(frozen=True)
class EventFilter:
    """A parsed FILTER; empty fields are not constrained.

    Attributes:
        text: the filter as written (for messages and provenance).
        kinds: the event kinds it selects (patterns already expanded).
        groups: group ids.
        persons: lower-case, accent-free shell patterns on the leader's name.
        first, last: inclusive date range (None: open).
    """

    text: str
    kinds: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    persons: tuple[str, ...] = ()
    first: dt.date | None = None
    last: dt.date | None = None

    def matches(self, event: Event) -> bool:
        """True if `event` satisfies every clause."""
        if self.kinds and event.kind not in self.kinds:
            return False
        if self.groups and not ({event.group, event.other_group} & self.groups):
            return False
        if self.persons and not any(fnmatch.fnmatchcase(_fold(event.person), p)
                                    for p in self.persons):
            return False
        if self.first is not None and event.date < self.first:
            return False
        return self.last is None or event.date <= self.last

    def select(self, events: Iterable[Event]) -> tuple[Event, ...]:
        """The events the filter matches, in their order."""
        return tuple(e for e in events if self.matches(e))


def parse_filter(text: str, known_groups: Iterable[str]) -> EventFilter:
    """Parse a FILTER (see the module docstring).

    Args:
        text: the filter.
        known_groups: the group ids an event may name (for checking ``group=``).

    Raises:
        CartelsimError: a malformed clause, an unknown key, kind or group, a bad date or an
            empty range; the message names the clause and what was expected.
    """
    known = frozenset(known_groups)
    fields: dict[str, object] = {}
    seen: set[str] = set()
    clauses = [c.strip() for c in text.split(";")]
    if not any(clauses):
        raise CartelsimError(f"--drop-events filter is empty: expected clauses such as {EXAMPLE}")
    for clause in clauses:
        if not clause:
            continue  # a trailing ';' is harmless
        key, sep, raw = clause.partition("=")
        key = key.strip().lower()
        if not sep:
            raise CartelsimError(f"--drop-events clause {clause!r}: expected key=value, e.g. "
                                 "kind=leader_killed")
        if key not in KEYS:
            hint = closest(key, KEYS)
            suggestion = f" (did you mean {hint!r}?)" if hint else ""
            raise CartelsimError(f"--drop-events: unknown key {key!r}{suggestion}: expected "
                                 f"one of {', '.join(KEYS)}")
        if key in seen:
            raise CartelsimError(f"--drop-events: key {key!r} appears twice: give its values "
                                 "once, separated by commas")
        seen.add(key)
        values = [v.strip() for v in raw.split(",") if v.strip()]
        if not values:
            raise CartelsimError(f"--drop-events clause {clause!r}: expected at least one value")
        if key == "kind":
            fields["kinds"] = _kinds(values)
        elif key == "group":
            fields["groups"] = _groups(values, known)
        elif key == "person":
            fields["persons"] = tuple(_fold(v) for v in values)
        else:
            if len(values) > 1:
                raise CartelsimError(f"--drop-events: {key} takes one date, got {raw.strip()!r}")
            fields["first" if key == "from" else "last"] = _date(key, values[0])
    first, last = fields.get("first"), fields.get("last")
    if first is not None and last is not None and last < first:  # type: ignore[operator]
        raise CartelsimError(f"--drop-events: to={last} is before from={first}: expected an "
                             "inclusive range")
    return EventFilter(text=text.strip(), **fields)  # type: ignore[arg-type]


def _kinds(values: Sequence[str]) -> frozenset[str]:
    kinds: set[str] = set()
    for value in values:
        if value.lower() == REMOVAL_ALIAS:
            kinds.update(REMOVAL_KINDS)
            continue
        matched = fnmatch.filter(EVENT_KINDS, value.lower())
        if not matched:
            hint = closest(value, (*EVENT_KINDS, REMOVAL_ALIAS))
            suggestion = f" (did you mean {hint!r}?)" if hint else ""
            raise CartelsimError(f"--drop-events: kind {value!r} matches no event kind"
                                 f"{suggestion}: expected {', '.join(EVENT_KINDS)}, "
                                 f"{REMOVAL_ALIAS} or a pattern such as leader_*")
        kinds.update(matched)
    return frozenset(kinds)


def _groups(values: Sequence[str], known: frozenset[str]) -> frozenset[str]:
    for value in values:
        if value not in known:
            hint = closest(value, known)
            suggestion = f" (did you mean {hint!r}?)" if hint else ""
            raise CartelsimError(f"--drop-events: unknown group {value!r}{suggestion}: expected "
                                 "a group id of the history groups.csv or the embedded "
                                 "major_groups.csv")
    return frozenset(values)


def _date(key: str, value: str) -> dt.date:
    """YYYY-MM-DD, YYYY-MM or YYYY; a partial date is the start (from) or end (to) of it."""
    parts = value.split("-")
    try:
        if len(parts) == 3 and len(value) == 10:
            return dt.date.fromisoformat(value)
        numbers = [int(p) for p in parts]
        if len(parts) == 1 and len(value) == 4:
            year = numbers[0]
            return dt.date(year, 1, 1) if key == "from" else dt.date(year, 12, 31)
        if len(parts) == 2 and len(value) == 7:
            year, month = numbers
            day = 1 if key == "from" else calendar.monthrange(year, month)[1]
            return dt.date(year, month, day)
    except ValueError:
        pass
    raise CartelsimError(f"--drop-events: {key}={value!r} is not a date: expected YYYY-MM-DD, "
                         "YYYY-MM or YYYY, e.g. 2010-12-31")


def _fold(text: str) -> str:
    """Lower case without accents, so 'Guzman' matches 'Guzmán'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
