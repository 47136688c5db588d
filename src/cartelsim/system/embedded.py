"""The embedded default system "Mexico 2025": ships inside the package and works offline.

It is built from the hand-compiled research notes in ``cartelsim/data/embedded/`` (see the
README there: every row cites its sources) plus a reproducible synthetic tail:

* **Named groups.** The factions of ``major_groups.csv``, not its umbrella rows: a group that
  other rows name as ``parent_id`` (``cds``, ``cdg``) is dropped and its factions stand in for it.
* **Named relations.** ``relations.csv`` rows become rivalry and alliance weights. A row that
  names an umbrella is mapped onto each of its factions. **Specific beats general:** when a
  row already exists for the same pair of groups, the more specific row wins over the mapped
  umbrella row, whatever its kind or intensity (``cjng,cds,rival,3`` makes CJNG a rival of
  La Mayiza, but the row ``cjng,cds_chapitos,ally,2`` keeps CJNG an ally of Los Chapitos,
  and ``cjng,cds_mayiza,rival,2`` keeps that rivalry at intensity 2). Specificity counts the
  umbrella ends of a row (0 = a row naming two factions or independent groups). Two rows of
  the same specificity that disagree about a pair are a `DataFileError`; so is a repeated
  pair, and a row linking an umbrella with one of its own factions.
* **Weights.** The files rate relations on a 1–3 intensity scale; BACRIM 2020, and therefore
  the synthetic tail and the published model, use weights from 1 to 13. Intensities are
  rescaled onto the BACRIM scale by `INTENSITY_WEIGHT` (see there for the mapping and why).
* **Sizes** (``System.size_hint``, members at the start of 2026): published shares for five
  groups (EVIDENCE F18), the rest by the Science paper's Zipf rule; `SIZE_SOURCES` and
  `size_sources` give the source of every size.
* **Synthetic tail.** Small local groups up to ``n_groups``, generated from ``seed`` to match
  BACRIM 2020's degree, weight and locality statistics (`_synthetic_tail` explains how).
  They are flagged ``System.synthetic`` and named "Synthetic local group 001 (State)".

Every way an input file can be wrong is a `DataFileError` naming the file, line and expectation,
for the packaged copy and for a user's edited copy (``load_embedded(directory)``) alike.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cartelsim.errors import CartelsimError, DataFileError
from cartelsim.params.catalogue import CATALOGUE
from cartelsim.system.csvtable import (
    Row,
    claim_once,
    parse_weight,
    parse_year,
    read_data_file,
    read_table,
)
from cartelsim.system.model import System
from cartelsim.textmatch import closest

GROUPS_FILE = "major_groups.csv"
RELATIONS_FILE = "relations.csv"
STATES_FILE = "states.csv"
SERIES_FILE = "national_series.csv"
DATA_FILES = (GROUPS_FILE, RELATIONS_FILE, STATES_FILE, SERIES_FILE)

SYSTEM_NAME = "mexico2025"

# ≈183,000; its passport (source, range) is the catalogue's `embedded_total_members`
DEFAULT_TOTAL_MEMBERS = CATALOGUE["embedded_total_members"].default
TOTAL_MEMBERS_SOURCE = (
    "≈183,000 cartel members: lead author R. Prieto-Curiel, interview in La Nación, "
    "24 Feb 2026 (EVIDENCE F18 update; weak: a model-based estimate, not a count)"
)
DEFAULT_N_GROUPS = 150  # ~150 groups in BACRIM 2020 and in the Science paper (EVIDENCE F18)
DEFAULT_SEED = 2025

SOURCES = (
    ("Embedded research notes 'Mexico 2025' (cartelsim/data/embedded/README.md), compiled from "
     "public web pages up to late Feb 2026; every row of its CSV files cites its URLs."),
    ("Groups and relations: DEA testimony (July 2023) and National Drug Threat Assessment 2025 "
     "(via press summaries), US State Department FTO designations (Feb 2025), US Treasury/OFAC "
     "actions (2025), InSight Crime, ACLED, Crisis Group, and Mexican and US news."),
    ("States: INEGI Censo de Población y Vivienda 2020 (population); land borders cross-checked "
     "against an independent adjacency table (see the embedded README)."),
    ("National series: INEGI definitive homicide figures (as reported by the press); RNPDNO "
     "missing-person counts with their cut-off dates (press, Data Cívica)."),
    ("Group shares of members and the Zipf size rule: Prieto-Curiel R, Campedelli GM, Hope A. "
     "Reducing cartel recruitment is the only way to lower violence in Mexico. Science "
     "381(6664) (2023) 1312-1316 (EVIDENCE F18)."),
    TOTAL_MEMBERS_SOURCE,
    ("Synthetic tail: generated to match summary counts of BACRIM 2020 (degree, weight and "
     "locality; Prieto-Curiel et al. 2023 data); synthetic groups were never observed."),
)

# --- Summary counts derived from BACRIM 2020 (Prieto-Curiel et al. 2023 data) ---------------
# These are summary statistics, NOT the data (which is never shipped with cartelsim). Computed
# from BACRIM2020_Rivals.csv / BACRIM2020_Alliances.csv over its 150 groups, undirected, after
# element-wise max-symmetrisation (as the published R code does). Degree: {degree: groups};
# weight: {weight: undirected links}.
BACRIM_RIVAL_DEGREE_HIST: Mapping[int, int] = {
    0: 79, 1: 37, 2: 14, 3: 9, 4: 1, 5: 3, 6: 2, 7: 1, 8: 2, 11: 1, 27: 1,
}
BACRIM_RIVAL_WEIGHT_HIST: Mapping[int, int] = {1: 51, 2: 20, 3: 13, 4: 3, 5: 1, 6: 2, 7: 1, 13: 1}
BACRIM_ALLY_DEGREE_HIST: Mapping[int, int] = {
    0: 59, 1: 68, 2: 10, 3: 5, 4: 2, 5: 2, 6: 2, 21: 1, 28: 1,
}
BACRIM_ALLY_WEIGHT_HIST: Mapping[int, int] = {1: 45, 2: 30, 3: 9, 4: 5, 5: 1, 6: 1}
# Locality: in BACRIM 2020 a pair of groups whose home states are the same or adjacent (states.csv
# land borders) is linked ~3.1x (rivalry: 43 of 2,489 such pairs vs 49 of 8,686 other pairs) and
# ~4.4x (alliance: 51 of 2,489 vs 40 of 8,686) as often as a pair of distant groups. Synthetic
# groups use these odds to prefer local partners.
BACRIM_LOCAL_ODDS: Mapping[str, float] = {"rival": 3.1, "ally": 4.4}

_DEGREE_HIST = {"rival": BACRIM_RIVAL_DEGREE_HIST, "ally": BACRIM_ALLY_DEGREE_HIST}
_WEIGHT_HIST = {"rival": BACRIM_RIVAL_WEIGHT_HIST, "ally": BACRIM_ALLY_WEIGHT_HIST}

# --- Intensity (1-3, embedded files) -> weight (BACRIM 1..13 scale) ------------------------
# The embedded intensity scale has three tiers: 1 = thin evidence or intermittent friction,
# 2 = clear reported conflict or partnership, 3 = open war or a central, sustained alliance.
# We read them as tiers of BACRIM's weight distribution of the same kind: 1 = the weaker half of
# links, 2 = the next 40 %, 3 = the top 10 % (open wars between national cartels are BACRIM's
# rare heavy links, e.g. CJNG-Nueva Familia Michoacana = 13). Each intensity maps to the weight
# at the middle of its tier, i.e. the 25th, 70th and 95th percentile (inverted CDF, so the result
# is a weight BACRIM actually uses): rivalry 1, 2, 5; alliance 1, 2, 4. Percentiles 50/80/95 were
# considered and rejected: 45 of 91 alliance weights are 1, so the alliance median is already 2
# and intensities 1 and 2 would merge. `weight_quantile` recomputes these values (tested).
INTENSITY_QUANTILES = (0.25, 0.70, 0.95)
INTENSITY_WEIGHT: Mapping[str, Mapping[int, float]] = {
    "rival": {1: 1.0, 2: 2.0, 3: 5.0},
    "ally": {1: 1.0, 2: 2.0, 3: 4.0},
}

# --- Group sizes ---------------------------------------------------------------------------
_SCIENCE_2023 = "Prieto-Curiel, Campedelli & Hope, Science 381 (2023) 1312-1316 (EVIDENCE F18)"
SIZE_SHARES: Mapping[str, float] = {
    "cjng": 0.179,
    "cds_chapitos": 0.089 / 2,
    "cds_mayiza": 0.089 / 2,
    "lnfm": 0.062,
    "cdn": 0.045,
    "union_tepito": 0.035,
}
SIZE_SOURCES: Mapping[str, str] = {
    "cjng": f"17.9 % of members (CJNG share, {_SCIENCE_2023})",
    "cds_chapitos": (
        f"4.45 % of members: half the Sinaloa share of 8.9 % ({_SCIENCE_2023}); assumption: no "
        "published split of the Sinaloa share; equal halves"
    ),
    "cds_mayiza": (
        f"4.45 % of members: half the Sinaloa share of 8.9 % ({_SCIENCE_2023}); assumption: no "
        "published split of the Sinaloa share; equal halves"
    ),
    "lnfm": f"6.2 % of members (La Nueva Familia Michoacana share, {_SCIENCE_2023})",
    "cdn": f"4.5 % of members (Cártel del Noreste share, {_SCIENCE_2023})",
    "union_tepito": f"3.5 % of members (Unión Tepito share, {_SCIENCE_2023})",
}
ZIPF_SIZE_SOURCE = (
    "Zipf law with exponent -1 over the rank of total strength (rivalry + alliance weights, "
    f"ties in listing order), the rule of {_SCIENCE_2023}: the groups without a published "
    "share split the remaining members in proportion to 1/rank"
)

_KINDS = ("rival", "ally")
_STATE_CODE = re.compile(r"^\d{2}$")
_MAX_MEMBERS = 1e7  # no Mexican group is anywhere near ten million members: a typo
_MAX_NATIONAL_COUNT = 1e8

_T = TypeVar("_T")


# --- Public API ------------------------------------------------------------------------------


def mexico_2025(
    total_members: float = DEFAULT_TOTAL_MEMBERS,
    n_groups: int = DEFAULT_N_GROUPS,
    seed: int = DEFAULT_SEED,
) -> System:
    """The embedded default system "Mexico 2025" from the packaged data (works offline).

    Args:
        total_members: cartel members in Mexico at the start of 2026 (people); default ≈183,000
            (`TOTAL_MEMBERS_SOURCE`). ``size_hint`` sums to it.
        n_groups: groups in all: the 20 named factions plus a synthetic tail (default 150).
        seed: seed of the synthetic tail (``numpy.random.SeedSequence``); the named part does not
            depend on it.

    Returns:
        A `System` named "mexico2025" with float64 symmetric rivalry and alliance matrices of
        shape [group, group] on the BACRIM weight scale, ``size_hint`` in members (shape
        [group]), ``synthetic`` flags and the national series (see `load_embedded`).

    Raises:
        CartelsimError: ``n_groups`` below the number of named groups, or a bad argument.
    """
    return load_embedded(None, total_members=total_members, n_groups=n_groups, seed=seed)


def load_embedded(
    directory: str | Path | None = None,
    *,
    total_members: float = DEFAULT_TOTAL_MEMBERS,
    n_groups: int = DEFAULT_N_GROUPS,
    seed: int = DEFAULT_SEED,
) -> System:
    """Build "Mexico 2025" from the embedded CSV files (``directory=None``: the packaged copy).

    A folder lets a user supply edited copies of ``major_groups.csv``, ``relations.csv``,
    ``states.csv`` and ``national_series.csv``; they get exactly the same validation.

    Groups come in file order (umbrella rows dropped), then the synthetic tail ``syn_001``...
    ``home_states`` are INEGI two-digit codes (join onto `states_table`). Umbrella relations are
    mapped onto the factions, specific rows beating umbrella rows (see the module docstring).
    ``national_series`` is indexed by integer ``year`` with float columns ``homicides``,
    ``missing_persons`` (NaN where blank) and ``arrests`` (people per year).

    Raises:
        CartelsimError: the folder is missing, or a bad ``total_members``/``n_groups``/``seed``.
        DataFileError: a malformed file (names the file, the line and what was expected).
    """
    total_members = _check_total(total_members)
    n_groups = _check_count("n_groups", n_groups)
    seed = _check_count("seed", seed)
    if directory is not None:
        folder = Path(directory)
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "not found"
            raise CartelsimError(
                f"embedded data folder {folder} {what}; expected a folder with "
                + ", ".join(DATA_FILES)
            )

    states = _with_file(directory, STATES_FILE, _read_states)
    groups = _with_file(directory, GROUPS_FILE, lambda p: _read_groups(p, states))
    named = [g for g in groups if not g.factions]
    if n_groups < len(named):
        raise CartelsimError(
            f"n_groups={n_groups} is smaller than the {len(named)} named groups of the embedded "
            f"data; expected n_groups >= {len(named)}"
        )
    by_id = {g.id: g for g in groups}
    named_edges = _with_file(directory, RELATIONS_FILE, lambda p: _read_relations(p, by_id))
    series = _with_file(directory, SERIES_FILE, _read_series)

    named_index = {g.id: i for i, g in enumerate(named)}
    edges = {
        kind: {
            (named_index[a], named_index[b]): INTENSITY_WEIGHT[kind][intensity]
            for (a, b), (edge_kind, intensity) in named_edges.items()
            if edge_kind == kind
        }
        for kind in _KINDS
    }
    presence = [frozenset({g.home_state, *g.other_states}) for g in named]
    tail = _synthetic_tail(
        n_tail=n_groups - len(named),
        named_presence=presence,
        named_edges=edges,
        states=states,
        seed=seed,
    )

    n = n_groups
    system = System(
        name=SYSTEM_NAME,
        group_ids=tuple(g.id for g in named) + tail.ids,
        group_names=tuple(g.name for g in named) + tail.names,
        home_states=tuple(g.home_state for g in named) + tail.home_states,
        rivalry=_symmetric_matrix(n, {**edges["rival"], **tail.edges["rival"]}),
        alliance=_symmetric_matrix(n, {**edges["ally"], **tail.edges["ally"]}),
        synthetic=np.arange(n) >= len(named),
        national_series=series,
        sources=SOURCES,
    )
    return dataclasses.replace(system, size_hint=_sizes(system, total_members))


def states_table(directory: str | Path | None = None) -> pd.DataFrame:
    """The 32 federal entities of ``states.csv`` (``directory=None``: the packaged copy).

    Returns a DataFrame indexed by ``code`` (INEGI two-digit string, "01".."32") with columns
    ``name`` (str), ``population`` (int64, people, census 2020), ``borders_us`` (bool) and
    ``adjacent`` (list of codes of states sharing a land border; symmetric).

    Raises:
        DataFileError: a malformed file (names the file, the line and what was expected).
    """
    states = _with_file(directory, STATES_FILE, _read_states)
    frame = pd.DataFrame(
        {
            "name": [s.name for s in states.values()],
            "population": np.array([s.population for s in states.values()], dtype=np.int64),
            "borders_us": np.array([s.borders_us for s in states.values()], dtype=bool),
            "adjacent": [list(s.adjacent) for s in states.values()],
        },
        index=pd.Index(list(states), name="code"),
    )
    return frame


def group_presence(directory: str | Path | None = None) -> dict[str, frozenset[str]]:
    """States (INEGI codes) where each named group is reported present: its home state and its
    ``other_states_present`` in ``major_groups.csv``, umbrella rows dropped as in
    `load_embedded`. The lists are not exhaustive (see the data README)."""
    states = _with_file(directory, STATES_FILE, _read_states)
    groups = _with_file(directory, GROUPS_FILE, lambda p: _read_groups(p, states))
    return {g.id: frozenset({g.home_state, *g.other_states}) for g in groups if not g.factions}


def size_sources(system: System) -> dict[str, str]:
    """Where each group's ``size_hint`` comes from, keyed by group id.

    Published shares name their source (`SIZE_SOURCES`); the other groups name the Zipf rule
    with their rank (1 = strongest) and, for synthetic groups, that they are synthetic.
    """
    if system.size_hint is None:
        raise CartelsimError(f"system {system.name!r} has no size_hint to explain")
    rank = system.strength_rank()
    total = float(np.sum(system.size_hint))
    total_note = (
        f"total {total:,.0f} members"
        + (f" ({TOTAL_MEMBERS_SOURCE})" if math.isclose(total, DEFAULT_TOTAL_MEMBERS) else "")
    )
    out: dict[str, str] = {}
    for i, gid in enumerate(system.group_ids):
        if gid in SIZE_SHARES:
            out[gid] = f"{SIZE_SOURCES[gid]}; {total_note}"
        else:
            what = "synthetic group; " if system.synthetic[i] else ""
            out[gid] = f"{what}{ZIPF_SIZE_SOURCE} (rank {rank[i] + 1} of {system.n_groups})"
    return out


def weight_quantile(histogram: Mapping[int, int], q: float) -> float:
    """The q-quantile (inverted CDF: smallest value whose cumulative share is >= q) of a histogram.

    ``histogram`` maps a value to how many times it occurs. Used to derive `INTENSITY_WEIGHT`.
    """
    if not 0.0 < q <= 1.0:
        raise ValueError(f"q must be in (0, 1], got {q}")
    values = sorted(histogram)
    counts = np.array([histogram[v] for v in values], dtype=float)
    cumulative = np.cumsum(counts) / counts.sum()
    # A tiny tolerance so that q equal to a cumulative share (e.g. 0.5 of 92) is not lost to
    # rounding in the division.
    return float(values[int(np.searchsorted(cumulative, q - 1e-12, side="left"))])


# --- Reading and validating the files --------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _State:
    code: str
    name: str
    population: int
    borders_us: bool
    adjacent: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class _Group:
    id: str
    name: str
    parent_id: str
    home_state: str
    other_states: tuple[str, ...]
    line: int
    factions: tuple[str, ...] = ()


def _with_file(directory: str | Path | None, name: str, reader: Callable[[Path], _T]) -> _T:
    return read_data_file("embedded", directory, name, reader)


def _parse_codes(
    path: Path, row: Row, column: str, states: Mapping[str, object]
) -> tuple[str, ...]:
    """A ';'-separated list of state codes, each of which must be listed in states.csv."""
    codes = tuple(c.strip() for c in row.text(column).split(";") if c.strip())
    for code in codes:
        if code not in states:
            raise DataFileError(
                path,
                f"{column}: unknown state code {code!r}; expected an INEGI two-digit code "
                f"listed in {STATES_FILE} (e.g. '09' for Ciudad de México)",
                row.line,
            )
    return codes


def _read_states(path: Path) -> dict[str, _State]:
    """states.csv: unique two-digit codes, positive populations, symmetric land adjacency."""
    rows = read_table(path, ("code", "name", "population", "borders_us", "adjacent_states"))
    first_line: dict[str, int] = {}
    raw: list[tuple[Row, str, str, int, bool]] = []
    for row in rows:
        code = row.text("code")
        if not _STATE_CODE.match(code):
            raise DataFileError(
                path, f"code {code!r}: expected an INEGI two-digit code such as '01'", row.line
            )
        claim_once(path, row, first_line, code, f"code {code!r}", "expected each state once")
        name = row.text("name")
        if not name:
            raise DataFileError(path, f"empty name for state {code}: expected a name", row.line)
        text = row.text("population")
        if not text.isdigit() or int(text) <= 0:
            raise DataFileError(
                path, f"population {text!r}: expected a positive whole number of people", row.line
            )
        flag = row.text("borders_us").lower()
        if flag not in ("yes", "no"):
            raise DataFileError(path, f"borders_us {flag!r}: expected 'yes' or 'no'", row.line)
        raw.append((row, code, name, int(text), flag == "yes"))

    adjacency: dict[str, tuple[str, ...]] = {}
    for row, code, *_ in raw:
        neighbours = _parse_codes(path, row, "adjacent_states", first_line)
        if code in neighbours:
            raise DataFileError(
                path,
                f"state {code} lists itself in adjacent_states: expected other states",
                row.line,
            )
        adjacency[code] = neighbours
    for row, code, *_ in raw:
        for other in adjacency[code]:
            if code not in adjacency[other]:
                raise DataFileError(
                    path,
                    f"asymmetric adjacency: state {code} lists {other} as adjacent but state "
                    f"{other} (line {first_line[other]}) does not list {code}; expected "
                    "adjacency to be symmetric",
                    row.line,
                )
    return {
        code: _State(code, name, population, borders, adjacency[code])
        for _, code, name, population, borders in raw
    }


def _read_groups(path: Path, states: Mapping[str, _State]) -> list[_Group]:
    """major_groups.csv: unique ids, known parents and states, non-negative size estimates."""
    columns = (
        "id", "name", "parent_id", "home_state", "other_states_present",
        "size_estimate_low", "size_estimate_high",
    )
    rows = read_table(path, columns)
    first_line: dict[str, int] = {}
    groups: list[_Group] = []
    for row in rows:
        gid = row.text("id")
        if not gid:
            raise DataFileError(path, "empty id: expected a snake_case id such as 'cjng'", row.line)
        claim_once(path, row, first_line, gid, f"id {gid!r}", "expected each group once")
        name = row.text("name")
        if not name:
            raise DataFileError(path, f"empty name for group {gid!r}: expected a name", row.line)
        home = row.text("home_state")
        if home not in states:
            raise DataFileError(
                path,
                f"home_state {home!r} of group {gid!r}: expected an INEGI two-digit code listed "
                f"in {STATES_FILE} (e.g. '14' for Jalisco)",
                row.line,
            )
        others = _parse_codes(path, row, "other_states_present", states)
        sizes = [
            parse_weight(path, row, column, maximum=_MAX_MEMBERS) if row.text(column) else None
            for column in ("size_estimate_low", "size_estimate_high")
        ]
        low, high = sizes
        if low is not None and high is not None and high < low:
            raise DataFileError(
                path,
                f"size_estimate_high {high:g} is below size_estimate_low {low:g}: expected "
                "low <= high",
                row.line,
            )
        groups.append(_Group(gid, name, row.text("parent_id"), home, others, row.line))

    by_id = {g.id: g for g in groups}
    factions: dict[str, list[str]] = {}
    for group in groups:
        parent = group.parent_id
        if not parent:
            continue
        if parent == group.id:
            raise DataFileError(
                path, f"group {group.id!r} is its own parent_id: expected another group's id",
                group.line,
            )
        if parent not in by_id:
            hint = closest(parent, by_id)
            suggestion = f" (did you mean {hint!r}?)" if hint else ""
            raise DataFileError(
                path,
                f"unknown parent_id {parent!r}{suggestion}: expected the id of a group in this "
                "file, or blank",
                group.line,
            )
        if by_id[parent].parent_id:
            raise DataFileError(
                path,
                f"parent_id {parent!r} is itself a faction of {by_id[parent].parent_id!r}: "
                "expected a top-level (umbrella) group; nested factions are not supported",
                group.line,
            )
        factions.setdefault(parent, []).append(group.id)
    return [dataclasses.replace(g, factions=tuple(factions.get(g.id, ()))) for g in groups]


def _read_relations(
    path: Path, groups: Mapping[str, _Group]
) -> dict[tuple[str, str], tuple[str, int]]:
    """relations.csv mapped onto factions: {(id_a, id_b): (kind, intensity)} with a < b.

    Umbrella ends are replaced by each of the umbrella's factions; for each pair the row with
    the fewest umbrella ends wins (specific beats general).
    """
    rows = read_table(path, ("a", "b", "kind", "intensity"))
    seen: dict[frozenset[str], tuple[int, str]] = {}
    # pair -> (specificity, kind, intensity, line) of the winning row so far
    best: dict[tuple[str, str], tuple[int, str, int, int]] = {}
    for row in rows:
        ends = []
        for column in ("a", "b"):
            gid = row.text(column)
            if gid not in groups:
                hint = closest(gid, groups)
                suggestion = f" (did you mean {hint!r}?)" if hint else ""
                raise DataFileError(
                    path,
                    f"unknown group id {gid!r} in column {column}{suggestion}: expected an id "
                    f"listed in {GROUPS_FILE}",
                    row.line,
                )
            ends.append(groups[gid])
        a, b = ends
        if a.id == b.id:
            raise DataFileError(
                path,
                f"relation of group {a.id!r} with itself: expected two different groups",
                row.line,
            )
        if a.parent_id == b.id or b.parent_id == a.id:
            raise DataFileError(
                path,
                f"relation between umbrella and its own faction ({a.id!r}, {b.id!r}): expected "
                "relations between factions or independent groups",
                row.line,
            )
        kind = row.text("kind").lower()
        if kind not in _KINDS:
            raise DataFileError(
                path, f"kind {row.text('kind')!r}: expected 'rival' or 'ally'", row.line
            )
        intensity = _parse_intensity(path, row)
        pair = frozenset((a.id, b.id))
        if pair in seen:
            first_line, first_kind = seen[pair]
            problem = (
                f"conflicting relation: {a.id!r}-{b.id!r} is {first_kind!r} on line {first_line} "
                f"and {kind!r} here"
                if first_kind != kind
                else f"duplicate relation {a.id!r}-{b.id!r} (first on line {first_line})"
            )
            raise DataFileError(path, f"{problem}: expected each pair once", row.line)
        seen[pair] = (row.line, kind)

        level = int(bool(a.factions)) + int(bool(b.factions))
        for x in a.factions or (a.id,):
            for y in b.factions or (b.id,):
                key = (min(x, y), max(x, y))
                candidate = (level, kind, intensity, row.line)
                current = best.get(key)
                if current is None or level < current[0]:
                    best[key] = candidate
                elif level == current[0] and current[1:3] != (kind, intensity):
                    raise DataFileError(
                        path,
                        f"conflicting relations for {key[0]!r}-{key[1]!r}: line {current[3]} "
                        f"gives {current[1]} {current[2]} and this row gives {kind} {intensity} "
                        "at the same level of specificity; expected a specific row for that pair",
                        row.line,
                    )
    return {key: (kind, intensity) for key, (_, kind, intensity, _) in best.items()}


def _parse_intensity(path: Path, row: Row) -> int:
    raw = row.text("intensity")
    try:
        value = float(raw)
    except ValueError:
        raise DataFileError(
            path, f"intensity {raw!r} is not a number: expected 1, 2 or 3", row.line
        ) from None
    if value not in (1.0, 2.0, 3.0):
        raise DataFileError(path, f"intensity {raw}: expected 1, 2 or 3", row.line)
    return int(value)


def _read_series(path: Path) -> pd.DataFrame:
    """national_series.csv: one row per year; blank counts become NaN."""
    rows = read_table(path, ("year", "homicides", "missing_persons"))
    first_line: dict[int, int] = {}
    records: list[tuple[int, float, float]] = []
    for row in rows:
        year = parse_year(path, row, "year")
        claim_once(path, row, first_line, year, f"year {year}", "expected one row per year")
        homicides, missing = (
            parse_weight(path, row, column, maximum=_MAX_NATIONAL_COUNT)
            if row.text(column)
            else math.nan
            for column in ("homicides", "missing_persons")
        )
        records.append((year, homicides, missing))
    frame = pd.DataFrame.from_records(records, columns=["year", "homicides", "missing_persons"])
    frame = frame.astype({"year": np.int64, "homicides": np.float64, "missing_persons": np.float64})
    # No sourced national arrest figure is in the embedded data (the README lists none), so the
    # column exists for a uniform schema with BACRIM's Trends file but is all NaN.
    frame["arrests"] = np.nan
    return frame.set_index("year").sort_index()


# --- Synthetic tail --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Tail:
    ids: tuple[str, ...]
    names: tuple[str, ...]
    home_states: tuple[str, ...]
    edges: dict[str, dict[tuple[int, int], float]]


def _without_top(histogram: Mapping[int, int], n_remove: int) -> dict[int, int]:
    """The histogram with its `n_remove` highest values removed (at least one entry is kept)."""
    remaining = dict(histogram)
    n_remove = min(n_remove, sum(remaining.values()) - 1)
    for value in sorted(remaining, reverse=True):
        if n_remove <= 0:
            break
        taken = min(remaining[value], n_remove)
        remaining[value] -= taken
        n_remove -= taken
    return {v: c for v, c in remaining.items() if c > 0}


def tail_degree_histogram(kind: str, n_named: int) -> dict[int, int]:
    """BACRIM's degree histogram of `kind` ("rival"/"ally") without its `n_named` top groups.

    The synthetic tail draws its degrees from this distribution (see `_synthetic_tail`).
    """
    return _without_top(_DEGREE_HIST[kind], n_named)


def _draw(rng: np.random.Generator, histogram: Mapping[int, int], size: int) -> np.ndarray:
    values = np.array(sorted(histogram), dtype=np.int64)
    counts = np.array([histogram[v] for v in values], dtype=float)
    return rng.choice(values, size=size, p=counts / counts.sum())


def _synthetic_tail(
    n_tail: int,
    named_presence: list[frozenset[str]],
    named_edges: dict[str, dict[tuple[int, int], float]],
    states: Mapping[str, _State],
    seed: int,
) -> _Tail:
    """Generate `n_tail` small local groups and their links, reproducibly from `seed`.

    * Home states are drawn with probability proportional to state population.
    * Degrees: each synthetic group draws a target rivalry and alliance degree from BACRIM 2020's
      degree histogram **without its top-`n_named` groups**. In BACRIM the best-connected groups
      are the national cartels (CJNG, Sinaloa, Golfo, CDN, LNFM, Unión Tepito...) that the named
      part already represents, so the named groups take the place of BACRIM's hubs and the whole
      system keeps BACRIM's share of isolated groups (79/150 without rivals, 59/150 without
      allies) in expectation, while no "small local group" becomes a second CJNG.
    * Partners (half-edge matching): each open link of a synthetic group picks a partner among
      all other groups with probability proportional to its attractiveness times
      `BACRIM_LOCAL_ODDS` when the partner is local (present in the same or an adjacent state;
      a named group is present in its home state and its ``other_states_present``). A synthetic
      partner's attractiveness is its number of still-open links, so synthetic groups end with
      exactly the degree they drew (unless no valid partner is left); a named group's is 1 + its
      named degree of that kind (preferential attachment: hubs gather local rivals and allies,
      as CJNG does in BACRIM). A pair is never linked twice, nor as both rival and ally.
    * Weights are drawn from BACRIM 2020's weight histogram of the same kind (1..13 scale).

    Randomness comes from named child streams of ``SeedSequence(seed)`` ("homes", "rival",
    "ally"), never from global state.
    """
    n_named = len(named_presence)
    n_total = n_named + n_tail
    homes_ss, rival_ss, ally_ss = np.random.SeedSequence(seed).spawn(3)
    codes = list(states)
    population = np.array([states[c].population for c in codes], dtype=float)
    home_idx = np.random.default_rng(homes_ss).choice(
        len(codes), size=n_tail, p=population / population.sum()
    )
    homes = tuple(codes[k] for k in home_idx)
    width = max(3, len(str(n_tail)))
    ids = tuple(f"syn_{k + 1:0{width}d}" for k in range(n_tail))
    names = tuple(
        f"Synthetic local group {k + 1:0{width}d} ({states[homes[k]].name})" for k in range(n_tail)
    )
    edges: dict[str, dict[tuple[int, int], float]] = {"rival": {}, "ally": {}}
    if n_tail == 0:
        return _Tail(ids, names, homes, edges)

    # local[i, j]: synthetic group i (row) and group j (column, all groups) share a state or
    # neighbouring states. presence: [group, state]; neighbourhood: [state, state] (I + A).
    position = {c: k for k, c in enumerate(codes)}
    presence = np.zeros((n_total, len(codes)), dtype=bool)
    for j, present in enumerate(named_presence):
        presence[j, [position[c] for c in present]] = True
    presence[np.arange(n_named, n_total), home_idx] = True
    neighbourhood = np.eye(len(codes), dtype=bool)
    for c in codes:
        neighbourhood[position[c], [position[d] for d in states[c].adjacent]] = True
    local = (neighbourhood[home_idx].astype(np.int64) @ presence.T.astype(np.int64)) > 0

    linked: list[set[int]] = [set() for _ in range(n_total)]
    for kind in _KINDS:
        for i, j in named_edges[kind]:
            linked[i].add(j)
            linked[j].add(i)

    for kind, stream in zip(_KINDS, (rival_ss, ally_ss), strict=True):
        rng = np.random.default_rng(stream)
        open_links = np.zeros(n_total, dtype=np.int64)
        open_links[n_named:] = _draw(rng, tail_degree_histogram(kind, n_named), n_tail)
        named_degree = np.zeros(n_named, dtype=float)
        for i, j in named_edges[kind]:
            named_degree[[i, j]] += 1.0
        locality = np.where(local, BACRIM_LOCAL_ODDS[kind], 1.0)  # [tail, group]
        for t in rng.permutation(n_tail):
            i = n_named + int(t)
            while open_links[i] > 0:
                attract = np.concatenate([1.0 + named_degree, open_links[n_named:].astype(float)])
                attract[i] = 0.0
                if linked[i]:
                    attract[list(linked[i])] = 0.0
                weights = attract * locality[t]
                total = weights.sum()
                if total <= 0:
                    open_links[i] = 0  # nobody left to link with: the group keeps fewer links
                    break
                j = int(rng.choice(n_total, p=weights / total))
                weight = float(_draw(rng, _WEIGHT_HIST[kind], 1)[0])
                edges[kind][(min(i, j), max(i, j))] = weight
                linked[i].add(j)
                linked[j].add(i)
                open_links[i] -= 1
                if j >= n_named:
                    open_links[j] -= 1
    return _Tail(ids, names, homes, edges)


# --- Assembly --------------------------------------------------------------------------------


def _symmetric_matrix(n: int, pairs: Mapping[tuple[int, int], float]) -> sp.csr_array:
    """A float64 symmetric [n, n] sparse matrix from upper-triangle {(i, j): weight}."""
    if not pairs:
        return sp.csr_array((n, n), dtype=np.float64)
    upper = np.array(list(pairs), dtype=np.int64)
    weights = np.array(list(pairs.values()), dtype=np.float64)
    rows = np.concatenate([upper[:, 0], upper[:, 1]])
    cols = np.concatenate([upper[:, 1], upper[:, 0]])
    matrix = sp.csr_array(
        (np.concatenate([weights, weights]), (rows, cols)), shape=(n, n), dtype=np.float64
    )
    matrix.sort_indices()
    return matrix


def _sizes(system: System, total_members: float) -> np.ndarray:
    """Members per group (shape [group]) summing to `total_members`.

    Groups in `SIZE_SHARES` get their published share; the others split the rest in proportion
    to 1/rank, rank = 1 + `System.strength_rank` over all groups (the Science paper's Zipf rule).
    """
    sourced = np.array([gid in SIZE_SHARES for gid in system.group_ids])
    shares = np.array([SIZE_SHARES.get(gid, 0.0) for gid in system.group_ids])
    if sourced.all():
        # Only sourced groups (an edited file): they split all members in proportion to shares.
        return total_members * shares / shares.sum()
    zipf = np.where(sourced, 0.0, 1.0 / (system.strength_rank() + 1.0))
    rest = total_members * (1.0 - shares.sum())
    return total_members * shares + rest * zipf / zipf.sum()


def _check_total(total_members: float) -> float:
    try:
        value = float(total_members)
    except (TypeError, ValueError):
        raise CartelsimError(
            f"total_members {total_members!r} is not a number: expected members, e.g. 183000"
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise CartelsimError(
            f"total_members must be a positive number of members, got {total_members!r}"
        )
    return value


def _check_count(label: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise CartelsimError(f"{label} must be a non-negative whole number, got {value!r}")
    return int(value)
