"""Load BACRIM 2020, the real data behind the published L1 model, into a `System`.

BACRIM 2020 lists 150 Mexican criminal groups with their alliances and rivalries; the national
yearly series (homicides, missing persons, arrests) comes with it. With every extension
switched off, L1 must reproduce Prieto-Curiel, Campedelli & Hope (Science 2023) on these data
(DESIGN.md §2), so this loader builds the graph exactly as their R code does: edges are listed
per direction, sometimes only one way, and the weighted adjacency is symmetrised with the
element-wise maximum, ``pmax(EM, t(EM))``.

The data are never shipped with cartelsim: a user points at a folder holding the files, or
downloads them with ``cartelsim data fetch bacrim2020`` (see `cartelsim.system.fetch`). Every
way a file can be wrong is a `DataFileError` naming the file, the line and what was expected.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cartelsim.errors import CartelsimError, DataFileError
from cartelsim.system.csvtable import Row, claim_once, parse_weight, parse_year, read_table
from cartelsim.system.model import System

NODES_FILE = "BACRIM2020_Nodes.csv"
ALLIANCES_FILE = "BACRIM2020_Alliances.csv"
RIVALS_FILE = "BACRIM2020_Rivals.csv"
TRENDS_FILE = "Trends2012_2021.csv"
REQUIRED_FILES = (NODES_FILE, ALLIANCES_FILE, RIVALS_FILE)
ALL_FILES = (*REQUIRED_FILES, TRENDS_FILE)

UPSTREAM_REPO = "rafaelprietocuriel/Recruitment"
UPSTREAM_COMMIT = "a1db30caae9b83eb70472aa4d0b37c94383a52d8"

SOURCES = (
    (
        "Prieto-Curiel R, Campedelli GM, Hope A. Reducing cartel recruitment is the only way "
        "to lower violence in Mexico. Science 381(6664) (2023) 1312-1316."
    ),
    (
        "BACRIM 2020 group, alliance and rivalry data compiled by CentroGeo, GeoInt and "
        "DataLab (CONACYT) from open sources, https://ppdata.politicadedrogas.org/"
    ),
    (
        f"Data files and national series ({TRENDS_FILE}) from "
        f"https://github.com/{UPSTREAM_REPO} at commit {UPSTREAM_COMMIT}"
    ),
)

# Columns cartelsim reads; the files carry more (Edge, Group/RGroup names, ShortName), which
# are not needed and therefore not required.
NODE_COLUMNS = ("Node", "Group", "State")
EDGE_COLUMNS = ("Node", "RNode", "weight")
TRENDS_COLUMNS = ("YEAR", "homicide", "missings", "arrests")
SERIES_COLUMNS = {"homicide": "homicides", "missings": "missing_persons", "arrests": "arrests"}

_HOW_TO_GET = (
    "run `cartelsim data fetch bacrim2020` or pass --data DIR pointing at a folder with "
    + ", ".join(REQUIRED_FILES)
    + f" (and optionally {TRENDS_FILE})"
)

# National yearly totals are at most a few hundred thousand; anything far above is a typo.
_MAX_NATIONAL_COUNT = 1e8


def load_bacrim(path: str | Path) -> System:
    """Read the BACRIM 2020 folder at `path` into a `System` named "bacrim2020".

    Groups keep the order of BACRIM2020_Nodes.csv. Rivalry and alliance matrices are float64
    `scipy.sparse.csr_array` of shape [group, group]: symmetric (element-wise maximum of the
    two directions, and of repeated rows), zero diagonal, dimensionless weights. The national
    series comes from Trends2012_2021.csv when present (else an empty frame with the columns).

    Raises:
        CartelsimError: the folder or a required file is missing.
        DataFileError: a file is malformed (names the file, line and what was expected).
    """
    folder = Path(path)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "not found"
        raise CartelsimError(f"BACRIM 2020 data folder {folder} {what}; {_HOW_TO_GET}")
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise CartelsimError(
            f"BACRIM 2020 file(s) {', '.join(missing)} missing in {folder}; {_HOW_TO_GET}"
        )

    nodes_path = folder / NODES_FILE
    ids, names, states = _read_nodes(nodes_path)
    index = {node: i for i, node in enumerate(ids)}
    rivalry = _read_edges(folder / RIVALS_FILE, index, names)
    alliance = _read_edges(folder / ALLIANCES_FILE, index, names)

    trends_path = folder / TRENDS_FILE
    series = load_trends(trends_path) if trends_path.is_file() else _empty_series()

    return System(
        name="bacrim2020",
        group_ids=ids,
        group_names=names,
        home_states=states,
        rivalry=rivalry,
        alliance=alliance,
        synthetic=np.zeros(len(ids), dtype=bool),
        national_series=series,
        sources=SOURCES,
    )


def load_trends(path: str | Path) -> pd.DataFrame:
    """Read Trends2012_2021.csv: national yearly totals for Mexico.

    Returns a DataFrame indexed by integer ``year`` (ascending) with float columns
    ``homicides``, ``missing_persons`` and ``arrests`` (people per year).

    Raises:
        DataFileError: missing file or column, a non-integer or implausible year, a duplicate
            year, or a count that is not a finite non-negative number.
    """
    path = Path(path)
    rows = read_table(path, TRENDS_COLUMNS)
    first_line: dict[int, int] = {}
    records: list[tuple[int, float, float, float]] = []
    for row in rows:
        year = parse_year(path, row, "YEAR")
        claim_once(path, row, first_line, year, f"YEAR {year}", "expected one row per year")
        counts = [
            parse_weight(path, row, col, maximum=_MAX_NATIONAL_COUNT) for col in SERIES_COLUMNS
        ]
        records.append((year, *counts))
    frame = pd.DataFrame.from_records(records, columns=["year", *SERIES_COLUMNS.values()])
    frame = frame.astype({"year": np.int64, **{c: np.float64 for c in SERIES_COLUMNS.values()}})
    return frame.set_index("year").sort_index()


def _empty_series() -> pd.DataFrame:
    """The national series when no Trends file is present: no rows, the usual columns."""
    frame = pd.DataFrame(
        {c: pd.Series(dtype=np.float64) for c in SERIES_COLUMNS.values()},
        index=pd.Index([], dtype=np.int64, name="year"),
    )
    return frame


def _read_nodes(path: Path) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Group ids, names and home states in file order; rejects empty and duplicate ids."""
    rows = read_table(path, NODE_COLUMNS)
    first_line: dict[str, int] = {}
    ids: list[str] = []
    names: list[str] = []
    states: list[str] = []
    for row in rows:
        node = row.text("Node")
        if not node:
            raise DataFileError(path, "empty Node id: expected an id such as N10025", row.line)
        claim_once(path, row, first_line, node, f"Node id {node!r}", "expected each group once")
        name = row.text("Group")
        if not name:
            raise DataFileError(
                path, f"empty Group name for Node {node!r}: expected a name", row.line
            )
        ids.append(node)
        names.append(name)
        states.append(row.text("State"))
    return tuple(ids), tuple(names), tuple(states)


def _read_edges(path: Path, index: dict[str, int], names: tuple[str, ...]) -> sp.csr_array:
    """Symmetric weight matrix from a directed edge list (max of both directions and repeats).

    An edge names each end twice, by id (Node, RNode) and by group name (Group, RGroup, when
    the file has those columns); a name that is not the id's group in the nodes file is an
    error, since the row then points at a group the nodes file does not hold under that id.
    """
    rows = read_table(path, EDGE_COLUMNS)
    pair_weight: dict[tuple[int, int], float] = {}
    for row in rows:
        ends = []
        for column in ("Node", "RNode"):
            node = row.text(column)
            if node not in index:
                raise DataFileError(
                    path,
                    f"unknown {column} id {node!r}: expected an id listed in {NODES_FILE}",
                    row.line,
                )
            ends.append(index[node])
        i, j = ends
        if i == j:
            raise DataFileError(
                path,
                f"self-loop: Node and RNode are both {row.text('Node')!r}; "
                "expected two different groups",
                row.line,
            )
        weight = parse_weight(path, row, "weight")
        for column, name_column, end in (("Node", "Group", i), ("RNode", "RGroup", j)):
            _check_group_name(path, row, column, name_column, names[end])
        key = (min(i, j), max(i, j))
        pair_weight[key] = max(pair_weight.get(key, 0.0), weight)

    # A zero weight is allowed but contributes nothing: keep no explicit zeros in the matrix.
    pairs = [(key, w) for key, w in pair_weight.items() if w > 0]
    n = len(index)
    if not pairs:
        return sp.csr_array((n, n), dtype=np.float64)
    upper = np.array([key for key, _ in pairs], dtype=np.int64)
    weights = np.array([w for _, w in pairs], dtype=np.float64)
    rows_idx = np.concatenate([upper[:, 0], upper[:, 1]])
    cols_idx = np.concatenate([upper[:, 1], upper[:, 0]])
    matrix = sp.csr_array(
        (np.concatenate([weights, weights]), (rows_idx, cols_idx)), shape=(n, n), dtype=np.float64
    )
    matrix.sort_indices()
    return matrix


def _same_name(a: str, b: str) -> bool:
    """Names equal up to case, spacing and Unicode composition (é typed two ways)."""
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())

    return norm(a) == norm(b)


def _check_group_name(path: Path, row: Row, column: str, name_column: str,
                      expected: str) -> None:
    """A Group or RGroup cell, when the file has it and it is filled, names the id's group."""
    if name_column not in row.cells:
        return
    given = row.text(name_column)
    if given and not _same_name(given, expected):
        raise DataFileError(
            path,
            f"{name_column} {given!r} is not the group of {column} {row.text(column)!r}, which "
            f"{NODES_FILE} names {expected!r}: expected that name (or a blank cell)",
            row.line,
        )
