"""The world of 2007: the large cartels with their alliances and rivalries, as a `System`.

``groups.csv`` lists the organisations active in 2007 and the groups that emerged from them
later (``first_seen`` > 2007, with the ``parent_id`` they came from), so that every group the
event timeline names is declared once. ``relations_2007.csv`` holds the alliances and rivalries
of 2007 on the embedded data's 1–3 intensity scale; later changes are events (``events.csv``).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cartelsim.errors import CartelsimError, DataFileError
from cartelsim.record.common import (
    parse_choice,
    parse_int,
    parse_urls,
    require_text,
    with_file,
)
from cartelsim.system.csvtable import claim_once, parse_weight, read_data_file, read_table
from cartelsim.system.embedded import INTENSITY_WEIGHT, states_table
from cartelsim.system.model import System
from cartelsim.textmatch import closest

GROUPS_FILE = "groups.csv"
RELATIONS_FILE = "relations_2007.csv"
START_YEAR = 2007  # the world the replay starts from
SYSTEM_NAME = "history2007"

SOURCES = (
    ("History world 2007 (cartelsim/data/history/groups.csv, relations_2007.csv): compiled from "
     "public web pages (press, a 2007 order-of-battle report, encyclopedia pages); every row "
     "cites its URLs (docs/history-data.md)."),
    ("Relative sizes of 2007 are stated assumptions (no member count for 2007 was found): the "
     "four dominant organisations of 2006 (CRS R41576, EVIDENCE F12) are weighted above the "
     "regional ones."),
    ("Intensities 1-3 are mapped to weights on the BACRIM scale by the embedded data's rule "
     "(cartelsim.system.embedded.INTENSITY_WEIGHT)."),
)

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_KINDS = ("rival", "ally")
_MAX_RELATIVE_SIZE = 1e3


@dataclasses.dataclass(frozen=True)
class HistoryGroup:
    """One organisation of ``groups.csv``.

    Attributes:
        id: snake_case id used by ``relations_2007.csv`` and ``events.csv``.
        name: display name.
        parent_id: the group it belonged to or split from ("" for the groups of 2007).
        home_state: INEGI two-digit state code.
        first_seen: first year it operated as an organisation of its own.
        embedded_id: the matching id in the embedded Mexico 2025 data ("" if none).
        relative_size: stated relative size (dimensionless), None where none is given.
        size_source: where the relative size comes from (an assumption, stated).
        sources: URLs the row cites.
        line: line in the file.
    """

    id: str
    name: str
    parent_id: str
    home_state: str
    first_seen: int
    embedded_id: str
    relative_size: float | None
    size_source: str
    sources: tuple[str, ...]
    line: int

    def active_in(self, year: int) -> bool:
        """True if the group had been seen as an organisation of its own by `year`."""
        return self.first_seen <= year


def history_groups(directory: str | Path | None = None) -> tuple[HistoryGroup, ...]:
    """Every group of ``groups.csv`` (``directory=None``: the packaged copy), in file order.

    Raises:
        DataFileError: a malformed file (names the file, the line and what was expected).
    """
    return with_file(directory, GROUPS_FILE, _read_groups)


def history_world(
    directory: str | Path | None = None, total_members: float | None = None
) -> System:
    """The organisations of 2007 and their alliances and rivalries as a `System`.

    Args:
        directory: folder holding ``groups.csv``, ``relations_2007.csv`` and
            ``national_homicides.csv`` (None: the packaged copies).
        total_members: members of all groups together in 2007 (people). No sourced figure
            exists, so there is no default: with None, ``size_hint`` is None and engines use
            their own allocation; with a number, ``size_hint`` splits it in proportion to the
            stated relative sizes (NaN for a group without one).

    Returns:
        A `System` named "history2007" holding the groups with ``first_seen`` <= 2007, home
        states as INEGI codes, symmetric rivalry and alliance matrices on the BACRIM weight
        scale (shape [group, group]) and the national homicide series (INEGI registrations)
        as ``national_series``.

    Raises:
        DataFileError: a malformed file.
        CartelsimError: an invalid ``total_members``.
    """
    from cartelsim.record.observed import national_homicides

    groups = [g for g in history_groups(directory) if g.active_in(START_YEAR)]
    all_groups = {g.id: g for g in history_groups(directory)}
    relations = with_file(
        directory, RELATIONS_FILE, lambda path: _read_relations(path, all_groups)
    )
    position = {g.id: k for k, g in enumerate(groups)}
    n = len(groups)
    pairs: dict[str, dict[tuple[int, int], float]] = {"rival": {}, "ally": {}}
    for (a, b), (kind, intensity) in relations.items():
        i, j = sorted((position[a], position[b]))
        pairs[kind][(i, j)] = INTENSITY_WEIGHT[kind][intensity]
    homicides = national_homicides(directory)
    series = pd.DataFrame(
        {
            "homicides": homicides["inegi_registered"].astype(np.float64),
            "missing_persons": np.nan,
            "arrests": np.nan,
        },
        index=homicides.index,
    )
    return System(
        name=SYSTEM_NAME,
        group_ids=tuple(g.id for g in groups),
        group_names=tuple(g.name for g in groups),
        home_states=tuple(g.home_state for g in groups),
        rivalry=_symmetric(n, pairs["rival"]),
        alliance=_symmetric(n, pairs["ally"]),
        national_series=series,
        size_hint=None if total_members is None else _sizes(groups, total_members),
        sources=SOURCES,
    )


# --- Reading ---------------------------------------------------------------------------------


def embedded_group_ids() -> frozenset[str]:
    """Group ids of the embedded Mexico 2025 data (``major_groups.csv``)."""
    return read_data_file("embedded", None, "major_groups.csv",
                          lambda path: frozenset(row.text("id")
                                                 for row in read_table(path, ("id",))))


def _read_groups(path: Path) -> tuple[HistoryGroup, ...]:
    columns = (
        "id", "name", "parent_id", "home_state", "first_seen", "embedded_id",
        "relative_size", "size_source", "source_urls",
    )
    rows = read_table(path, columns)
    states = set(states_table().index)
    embedded = embedded_group_ids()
    first_line: dict[str, int] = {}
    groups: list[HistoryGroup] = []
    for row in rows:
        gid = row.text("id")
        if not _ID.match(gid):
            raise DataFileError(
                path, f"id {gid!r}: expected a snake_case id such as 'sinaloa'", row.line
            )
        claim_once(path, row, first_line, gid, f"id {gid!r}", "expected each group once")
        name = require_text(path, row, "name", f"a name for group {gid!r}")
        home = row.text("home_state")
        if home not in states:
            raise DataFileError(
                path,
                f"home_state {home!r} of group {gid!r}: expected an INEGI two-digit state code "
                "such as '25' for Sinaloa",
                row.line,
            )
        first_seen = parse_int(path, row, "first_seen", low=1900, high=2026)
        embedded_id = row.text("embedded_id")
        if embedded_id and embedded_id not in embedded:
            hint = closest(embedded_id, embedded)
            suggestion = f" (did you mean {hint!r}?)" if hint else ""
            raise DataFileError(
                path,
                f"embedded_id {embedded_id!r}{suggestion}: expected an id of the embedded "
                "major_groups.csv, or blank",
                row.line,
            )
        relative: float | None = None
        if row.text("relative_size"):
            relative = parse_weight(path, row, "relative_size", maximum=_MAX_RELATIVE_SIZE)
            if relative <= 0:
                raise DataFileError(
                    path, "relative_size must be positive (leave it blank if unknown)", row.line
                )
            require_text(path, row, "size_source", "where the relative size comes from")
        groups.append(
            HistoryGroup(
                id=gid,
                name=name,
                parent_id=row.text("parent_id"),
                home_state=home,
                first_seen=first_seen,
                embedded_id=embedded_id,
                relative_size=relative,
                size_source=row.text("size_source"),
                sources=parse_urls(path, row, "source_urls"),
                line=row.line,
            )
        )
    by_id = {g.id: g for g in groups}
    for group in groups:
        _check_parent(path, group, by_id)
    for group in groups:
        _check_no_cycle(path, group, by_id)
    return tuple(groups)


def _check_parent(path: Path, group: HistoryGroup, by_id: Mapping[str, HistoryGroup]) -> None:
    """A parent exists and was seen no later; a group without one belongs to 2007."""
    if not group.parent_id:
        if group.first_seen > START_YEAR:
            raise DataFileError(
                path,
                f"group {group.id!r} is first seen in {group.first_seen} but has no parent_id: "
                f"a group emerging after {START_YEAR} must name the group it came from",
                group.line,
            )
        return
    parent = by_id.get(group.parent_id)
    if parent is None:
        hint = closest(group.parent_id, by_id)
        suggestion = f" (did you mean {hint!r}?)" if hint else ""
        raise DataFileError(
            path,
            f"parent_id {group.parent_id!r}{suggestion}: expected an id listed in {GROUPS_FILE}",
            group.line,
        )
    if parent.first_seen > group.first_seen:
        raise DataFileError(
            path,
            f"group {group.id!r} (first seen {group.first_seen}) cannot come from "
            f"{parent.id!r}, first seen later ({parent.first_seen})",
            group.line,
        )


def _check_no_cycle(path: Path, group: HistoryGroup, by_id: Mapping[str, HistoryGroup]) -> None:
    """Following parent_id from `group` ends at a group of 2007 (every parent exists)."""
    seen = {group.id}
    current = group
    while current.parent_id:
        current = by_id[current.parent_id]
        if current.id in seen:
            raise DataFileError(
                path, f"parent_id of {group.id!r} leads to a cycle through {current.id!r}",
                group.line,
            )
        seen.add(current.id)


def _read_relations(
    path: Path, groups: Mapping[str, HistoryGroup]
) -> dict[tuple[str, str], tuple[str, int]]:
    """relations_2007.csv: {(a, b): (kind, intensity)} with a < b; both groups active in 2007."""
    rows = read_table(path, ("a", "b", "kind", "intensity", "source_urls"))
    seen: dict[tuple[str, str], int] = {}
    relations: dict[tuple[str, str], tuple[str, int]] = {}
    for row in rows:
        ends = []
        for column in ("a", "b"):
            gid = row.text(column)
            group = groups.get(gid)
            if group is None:
                hint = closest(gid, groups)
                suggestion = f" (did you mean {hint!r}?)" if hint else ""
                raise DataFileError(
                    path,
                    f"unknown group {gid!r} in column {column}{suggestion}: expected an id "
                    f"listed in {GROUPS_FILE}",
                    row.line,
                )
            if not group.active_in(START_YEAR):
                raise DataFileError(
                    path,
                    f"group {gid!r} is first seen in {group.first_seen}: {RELATIONS_FILE} holds "
                    f"relations of {START_YEAR}; later ones are events",
                    row.line,
                )
            ends.append(gid)
        a, b = ends
        if a == b:
            raise DataFileError(
                path, f"relation of group {a!r} with itself: expected two groups", row.line
            )
        kind = parse_choice(path, row, "kind", _KINDS)
        intensity = parse_int(path, row, "intensity", low=1, high=3)
        parse_urls(path, row, "source_urls")
        key = (min(a, b), max(a, b))
        claim_once(path, row, seen, key, f"relation {key[0]!r}-{key[1]!r}",
                   "expected each pair once")
        relations[key] = (kind, intensity)
    return relations


# --- Assembly --------------------------------------------------------------------------------


def _symmetric(n: int, pairs: Mapping[tuple[int, int], float]) -> sp.csr_array:
    """A float64 symmetric [n, n] sparse matrix from upper-triangle {(i, j): weight}."""
    if not pairs:
        return sp.csr_array((n, n), dtype=np.float64)
    upper = np.array(list(pairs), dtype=np.int64)
    weights = np.array(list(pairs.values()), dtype=np.float64)
    matrix = sp.csr_array(
        (
            np.concatenate([weights, weights]),
            (np.concatenate([upper[:, 0], upper[:, 1]]), np.concatenate([upper[:, 1], upper[:, 0]])),
        ),
        shape=(n, n),
        dtype=np.float64,
    )
    matrix.sort_indices()
    return matrix


def _sizes(groups: list[HistoryGroup], total_members: float) -> np.ndarray:
    """Members per group (shape [group]): `total_members` split by relative size."""
    try:
        total = float(total_members)
    except (TypeError, ValueError):
        raise CartelsimError(
            f"total_members {total_members!r} is not a number: expected members, e.g. 100000"
        ) from None
    if not math.isfinite(total) or total <= 0:
        raise CartelsimError(
            f"total_members must be a positive number of members, got {total_members!r}"
        )
    relative = np.array(
        [np.nan if g.relative_size is None else g.relative_size for g in groups], dtype=float
    )
    return total * relative / np.nansum(relative)
