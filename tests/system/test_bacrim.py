"""BACRIM 2020 loader: the real data, and every way a file can be wrong."""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from cartelsim.errors import CartelsimError, DataFileError
from cartelsim.system.bacrim import (
    ALLIANCES_FILE,
    NODES_FILE,
    REQUIRED_FILES,
    RIVALS_FILE,
    TRENDS_FILE,
    load_bacrim,
    load_trends,
)

CJNG = "N10025"
NUEVA_FAMILIA = "N10076"

# ---------------------------------------------------------------------------------------------
# A tiny dataset in the BACRIM format. Line numbers: the header is line 1, rows start at 2.

NODES_HEADER = "Node,Group,State,ShortName"
EDGE_HEADER = "Edge,Node,Group,RNode,RGroup,weight"
TRENDS_HEADER = "YEAR,homicide,missings,arrests"

NODES = [
    "N1,Cártel del Águila,Jalisco,Águila",
    "N2,Los Beta,Sinaloa,Beta",
    "N3,La Gamma,Michoacán,Gamma",
    "N4,Delta Unión,Ciudad de México,Delta",
]
RIVALS = [
    "E1,N1,Cártel del Águila,N2,Los Beta,3",  # listed both ways with different weights: max 5
    "E2,N2,Los Beta,N1,Cártel del Águila,5",
    "E3,N1,Cártel del Águila,N3,La Gamma,1",  # one direction only
    "E4,N4,Delta Unión,N2,Los Beta,4",  # the same directed pair twice: max 4
    "E5,N4,Delta Unión,N2,Los Beta,2",
]
ALLIANCES = [
    "R1,N2,Los Beta,N3,La Gamma,2",
    "R2,N3,La Gamma,N2,Los Beta,2",
    "R3,N4,Delta Unión,N3,La Gamma,0",  # zero weight: allowed, contributes nothing
]
TRENDS = ["2012,100,50,1000", "2013,110,60.5,1100"]


def write_csv(path: Path, header: str, rows: list[str], *, bom: bool = True, newline: str = "\n"):
    """Write a small CSV the way BACRIM ships it: UTF-8 with a byte-order mark."""
    text = newline.join([header, *rows]) + newline
    path.write_bytes((("\ufeff" if bom else "") + text).encode("utf-8"))


def write_dataset(folder: Path, *, bom: bool = True, newline: str = "\n") -> Path:
    """A valid 4-group BACRIM-format dataset in `folder`; tests then break one file."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / NODES_FILE, NODES_HEADER, NODES, bom=bom, newline=newline)
    write_csv(folder / RIVALS_FILE, EDGE_HEADER, RIVALS, bom=bom, newline=newline)
    write_csv(folder / ALLIANCES_FILE, EDGE_HEADER, ALLIANCES, bom=bom, newline=newline)
    write_csv(folder / TRENDS_FILE, TRENDS_HEADER, TRENDS, bom=bom, newline=newline)
    return folder


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write_dataset(tmp_path / "tiny")


def load_error(folder: Path) -> DataFileError:
    with pytest.raises(DataFileError) as info:
        load_bacrim(folder)
    return info.value


def assert_names(exc: Exception, file: str, line: int | None, *words: str) -> None:
    """The message names the file, the line (when given) and what was expected."""
    message = str(exc)
    assert "\n" not in message
    assert file in message
    if line is not None:
        assert f"line {line}:" in message
        assert exc.line == line
    else:
        assert exc.line is None
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


# ---------------------------------------------------------------------------------------------
# The real data


@pytest.fixture(scope="module")
def real(bacrim_dir: Path):
    return load_bacrim(bacrim_dir)


def test_real_data_loads_150_groups_in_file_order(real):
    assert real.name == "bacrim2020"
    assert real.n_groups == 150
    assert real.group_ids[:2] == ("N10001", "N10002")
    assert real.group_names[0] == "ACME"
    i = real.group_ids.index(CJNG)
    assert real.group_names[i] == "Cártel Jalisco Nueva Generación (CJNG)"  # UTF-8 accents
    assert real.home_states[i] == "Jalisco"
    assert not real.synthetic.any() and real.synthetic.shape == (150,)
    assert real.size_hint is None


def test_real_matrices_are_symmetric_float_csr_with_empty_diagonal(real):
    for matrix in (real.rivalry, real.alliance):
        assert isinstance(matrix, sp.csr_array)
        assert matrix.dtype == np.float64 and matrix.shape == (150, 150)
        dense = matrix.toarray()
        np.testing.assert_array_equal(dense, dense.T)
        assert not dense.diagonal().any()
        assert (matrix.data > 0).all()  # no explicit zeros stored


def test_real_pair_counts(real):
    assert real.rivalry.nnz // 2 == 92
    assert real.alliance.nnz // 2 == 91
    assert real.describe()["rivalries"] == 92 and real.describe()["alliances"] == 91


def test_real_matrices_match_pmax_of_the_directed_lists(real, bacrim_dir: Path):
    """Recompute the published symmetrisation, pmax(EM, t(EM)), independently with pandas."""
    index = {node: k for k, node in enumerate(real.group_ids)}
    cases = ((RIVALS_FILE, real.rivalry, 127), (ALLIANCES_FILE, real.alliance, 130))
    for file, matrix, n_rows in cases:
        edges = pd.read_csv(bacrim_dir / file, encoding="utf-8-sig")
        assert len(edges) == n_rows
        directed = np.zeros((150, 150))
        directed[edges.Node.map(index), edges.RNode.map(index)] = edges.weight
        np.testing.assert_array_equal(matrix.toarray(), np.maximum(directed, directed.T))


def test_real_cjng_rivalry_with_nueva_familia_is_13(real):
    i, j = real.group_ids.index(CJNG), real.group_ids.index(NUEVA_FAMILIA)
    assert real.rivalry[i, j] == 13 and real.rivalry[j, i] == 13
    assert real.alliance[i, j] == 0


def test_real_one_way_edge_is_made_symmetric(real):
    """Rivals.csv lists CJNG -> Caballeros Templarios (weight 3) but not the reverse."""
    i, j = real.group_ids.index(CJNG), real.group_ids.index("N10003")
    assert real.rivalry[i, j] == 3 and real.rivalry[j, i] == 3


def test_real_cjng_has_the_largest_total_strength(real):
    total = real.rivalry_strength + real.alliance_strength
    i = real.group_ids.index(CJNG)
    assert total[i] == 132
    assert np.sum(total == total.max()) == 1 and np.argmax(total) == i
    assert real.strength_rank()[i] == 0


def test_real_national_series(real, bacrim_dir: Path):
    series = real.national_series
    assert list(series.index) == list(range(2012, 2022))
    assert series.index.name == "year" and series.index.dtype == np.int64
    assert list(series.columns) == ["homicides", "missing_persons", "arrests"]
    assert (series.dtypes == np.float64).all()
    assert series.loc[2012, "homicides"] == 25967
    assert series.loc[2012, "missing_persons"] == 10760
    assert series.loc[2021, "arrests"] == 119252
    pd.testing.assert_frame_equal(load_trends(bacrim_dir / TRENDS_FILE), series)


def test_real_sources_cite_the_paper_the_data_and_the_commit(real):
    text = " ".join(real.sources)
    for fact in (
        "Prieto-Curiel",
        "Campedelli",
        "Hope",
        "Science 381",
        "1312-1316",
        "CentroGeo",
        "GeoInt",
        "DataLab",
        "rafaelprietocuriel/Recruitment",
        "a1db30caae9b83eb70472aa4d0b37c94383a52d8",
    ):
        assert fact in text


# ---------------------------------------------------------------------------------------------
# The tiny synthetic dataset: what the loader builds


def test_tiny_loads_with_max_symmetrisation_and_zero_weights(tiny: Path):
    system = load_bacrim(tiny)
    assert system.group_ids == ("N1", "N2", "N3", "N4")
    assert system.group_names[0] == "Cártel del Águila"
    assert system.home_states[3] == "Ciudad de México"
    expected_rivalry = np.array([[0, 5, 1, 0], [5, 0, 0, 4], [1, 0, 0, 0], [0, 4, 0, 0]], float)
    np.testing.assert_array_equal(system.rivalry.toarray(), expected_rivalry)
    expected_alliance = np.zeros((4, 4))
    expected_alliance[1, 2] = expected_alliance[2, 1] = 2
    np.testing.assert_array_equal(system.alliance.toarray(), expected_alliance)
    assert system.alliance.nnz == 2  # the zero-weight alliance N4-N3 is not stored
    np.testing.assert_array_equal(system.alliance_strength, [0, 2, 2, 0])
    assert system.national_series.loc[2013, "missing_persons"] == 60.5


def test_tiny_crlf_line_endings_load_the_same(tmp_path: Path, tiny: Path):
    crlf = write_dataset(tmp_path / "crlf", newline="\r\n")
    assert b"\r\n" in (crlf / NODES_FILE).read_bytes()
    a, b = load_bacrim(tiny), load_bacrim(crlf)
    assert a.group_ids == b.group_ids and a.group_names == b.group_names
    assert a.home_states == b.home_states
    np.testing.assert_array_equal(a.rivalry.toarray(), b.rivalry.toarray())
    pd.testing.assert_frame_equal(a.national_series, b.national_series)


def test_tiny_without_bom_loads_the_same(tmp_path: Path, tiny: Path):
    plain = write_dataset(tmp_path / "plain", bom=False)
    assert not (plain / NODES_FILE).read_bytes().startswith(b"\xef\xbb\xbf")
    a, b = load_bacrim(tiny), load_bacrim(plain)
    assert a.group_ids == b.group_ids == ("N1", "N2", "N3", "N4")  # no BOM left in "Node"
    np.testing.assert_array_equal(a.alliance.toarray(), b.alliance.toarray())


def test_no_trends_file_gives_an_empty_series(tiny: Path):
    (tiny / TRENDS_FILE).unlink()
    series = load_bacrim(tiny).national_series
    assert series.empty
    assert list(series.columns) == ["homicides", "missing_persons", "arrests"]
    assert series.index.name == "year"


def test_edges_may_reference_isolated_groups_and_files_with_only_zero_weights(tiny: Path):
    write_csv(tiny / ALLIANCES_FILE, EDGE_HEADER, ["R1,N1,Cártel del Águila,N2,Los Beta,0"])
    system = load_bacrim(tiny)
    assert system.alliance.nnz == 0 and system.alliance.shape == (4, 4)


# ---------------------------------------------------------------------------------------------
# Missing folder or files: CartelsimError telling how to get the data


def test_missing_folder(tmp_path: Path):
    missing = tmp_path / "nowhere"
    with pytest.raises(CartelsimError) as info:
        load_bacrim(missing)
    assert type(info.value) is CartelsimError
    message = str(info.value)
    assert "\n" not in message
    assert str(missing) in message
    assert "cartelsim data fetch bacrim2020" in message and "--data DIR" in message


def test_path_is_a_file_not_a_folder(tiny: Path):
    with pytest.raises(CartelsimError, match="not a folder"):
        load_bacrim(tiny / NODES_FILE)


@pytest.mark.parametrize("name", REQUIRED_FILES)
def test_missing_required_file(tiny: Path, name: str):
    (tiny / name).unlink()
    with pytest.raises(CartelsimError) as info:
        load_bacrim(tiny)
    assert type(info.value) is CartelsimError
    message = str(info.value)
    assert "\n" not in message
    assert f"{name} missing" in message
    assert "cartelsim data fetch bacrim2020" in message and "--data DIR" in message


# ---------------------------------------------------------------------------------------------
# Bad files: DataFileError naming the file, the line and what was expected


@pytest.mark.parametrize(
    ("row", "column", "bad_id"),
    [("E9,N1,A,N99,X,1", "RNode", "N99"), ("E9,N7,X,N1,A,1", "Node", "N7")],
)
def test_unknown_node_id_in_an_edge(tiny: Path, row: str, column: str, bad_id: str):
    write_csv(tiny / RIVALS_FILE, EDGE_HEADER, [*RIVALS[:3], row])
    exc = load_error(tiny)
    assert_names(exc, RIVALS_FILE, 5, f"unknown {column} id {bad_id!r}", "expected", NODES_FILE)


@pytest.mark.parametrize(("file", "row", "words"), [
    (ALLIANCES_FILE, "R9,N1,Los Zetas,N2,Los Beta,1",
     ("Group 'Los Zetas' is not the group of Node 'N1'", "'Cártel del Águila'")),
    (RIVALS_FILE, "E9,N1,Cártel del Águila,N3,Nadie,1",
     ("RGroup 'Nadie' is not the group of RNode 'N3'", "'La Gamma'")),
])
def test_an_edge_naming_a_group_the_nodes_file_does_not_hold_there(tiny: Path, file: str,
                                                                   row: str, words) -> None:
    """The ids exist, but the row names another group: it points at a node the nodes file
    does not have (an edited or shifted row); loading it would wire the wrong groups."""
    rows = {ALLIANCES_FILE: ALLIANCES, RIVALS_FILE: RIVALS}[file]
    write_csv(tiny / file, EDGE_HEADER, [*rows[:2], row])
    assert_names(load_error(tiny), file, 4, *words, NODES_FILE)


def test_edge_group_names_may_be_blank_or_differ_in_case_spacing_and_accents(tiny: Path):
    decomposed = unicodedata.normalize("NFD", "Cártel del Águila")
    write_csv(tiny / ALLIANCES_FILE, EDGE_HEADER,
              [f"R1,N1,{decomposed},N2,  los  BETA ,2", "R2,N3,,N4,,1"])
    assert load_bacrim(tiny).alliance.nnz == 4
    write_csv(tiny / ALLIANCES_FILE, "Node,RNode,weight", ["N1,N2,2"])  # no name columns
    assert load_bacrim(tiny).alliance.nnz == 2


def test_duplicate_node_id(tiny: Path):
    write_csv(tiny / NODES_FILE, NODES_HEADER, [*NODES, "N2,Otra Beta,Sonora,Otra"])
    exc = load_error(tiny)
    assert_names(exc, NODES_FILE, 6, "duplicate Node id 'N2'", "first on line 3", "expected")


def test_empty_node_id(tiny: Path):
    write_csv(tiny / NODES_FILE, NODES_HEADER, [*NODES[:2], " ,Sin Nombre,Sonora,X"])
    exc = load_error(tiny)
    assert_names(exc, NODES_FILE, 4, "empty Node id", "expected")


@pytest.mark.parametrize(
    ("weight", "words"),
    [
        ("-1", ("must be non-negative",)),
        ("nan", ("must be a finite number",)),
        ("NaN", ("must be a finite number",)),
        ("inf", ("must be a finite number",)),
        ("abc", ("'abc' is not a number",)),
        ("", ("'' is not a number",)),
        ("1e12", ("implausibly large",)),
    ],
)
def test_bad_weight(tiny: Path, weight: str, words: tuple[str, ...]):
    write_csv(tiny / ALLIANCES_FILE, EDGE_HEADER, [*ALLIANCES[:1], f"R9,N1,A,N4,D,{weight}"])
    exc = load_error(tiny)
    assert_names(exc, ALLIANCES_FILE, 3, "weight", *words)


def test_self_loop(tiny: Path):
    write_csv(tiny / RIVALS_FILE, EDGE_HEADER, [*RIVALS[:2], "E9,N3,La Gamma,N3,La Gamma,2"])
    exc = load_error(tiny)
    assert_names(exc, RIVALS_FILE, 4, "self-loop", "'N3'", "expected two different groups")


def test_missing_column(tiny: Path):
    header = "Edge,Node,Group,RNode,RGroup"
    rows = [r.rsplit(",", 1)[0] for r in RIVALS]
    write_csv(tiny / RIVALS_FILE, header, rows)
    exc = load_error(tiny)
    assert_names(exc, RIVALS_FILE, 1, "missing column(s) weight")


def test_empty_file(tiny: Path):
    (tiny / NODES_FILE).write_bytes(b"")
    exc = load_error(tiny)
    assert_names(exc, NODES_FILE, None, "empty file", "expected a header row")


def test_bom_only_file_is_empty(tiny: Path):
    (tiny / ALLIANCES_FILE).write_bytes("\ufeff\r\n".encode())
    exc = load_error(tiny)
    assert_names(exc, ALLIANCES_FILE, None, "empty file")


def test_header_only_file(tiny: Path):
    write_csv(tiny / RIVALS_FILE, EDGE_HEADER, [])
    exc = load_error(tiny)
    assert_names(exc, RIVALS_FILE, None, "no data rows")


def test_latin1_encoded_file_with_accents(tiny: Path):
    text = "\n".join([NODES_HEADER, *NODES]) + "\n"
    (tiny / NODES_FILE).write_bytes(text.encode("latin-1"))  # "Cártel" on line 2
    exc = load_error(tiny)
    assert_names(exc, NODES_FILE, 2, "not valid UTF-8", "save the file as UTF-8")


def test_binary_garbage(tiny: Path):
    garbage = bytes(np.random.default_rng(7).integers(0, 256, 512, dtype=np.uint8)) + b"\x00"
    (tiny / RIVALS_FILE).write_bytes(b"\x89PNG\r\n\x1a\n" + garbage)
    exc = load_error(tiny)
    assert_names(exc, RIVALS_FILE, None, "binary content", "expected a UTF-8 CSV")


def test_semicolon_delimiter(tiny: Path):
    header = NODES_HEADER.replace(",", ";")
    write_csv(tiny / NODES_FILE, header, [r.replace(",", ";") for r in NODES])
    exc = load_error(tiny)
    assert_names(exc, NODES_FILE, 1, "missing column(s)", "delimiter")


def test_truncated_row(tiny: Path):
    write_csv(tiny / ALLIANCES_FILE, EDGE_HEADER, [*ALLIANCES[:2], "R3,N4,Delta"])
    exc = load_error(tiny)
    assert_names(exc, ALLIANCES_FILE, 4, "expected 6 cells", "found 3")


# ---------------------------------------------------------------------------------------------
# The national series file


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ("2014,abc,1,1", ("homicide 'abc' is not a number",)),
        ("2014,1,-5,1", ("missings must be non-negative",)),
        ("2014,1,1,nan", ("arrests must be a finite number",)),
        ("2013,1,1,1", ("duplicate YEAR 2013", "first on line 3", "expected one row per year")),
        ("20x4,1,1,1", ("YEAR '20x4' is not a whole number",)),
        ("2014.5,1,1,1", ("is not a whole number",)),
        ("99999,1,1,1", ("implausible", "expected a year")),
    ],
)
def test_bad_trends_row(tiny: Path, row: str, words: tuple[str, ...]):
    write_csv(tiny / TRENDS_FILE, TRENDS_HEADER, [*TRENDS, row])
    exc = load_error(tiny)
    assert_names(exc, TRENDS_FILE, 4, *words)


def test_trends_missing_column(tmp_path: Path):
    write_csv(tmp_path / TRENDS_FILE, "YEAR,homicide,arrests", ["2012,1,1"])
    with pytest.raises(DataFileError) as info:
        load_trends(tmp_path / TRENDS_FILE)
    assert_names(info.value, TRENDS_FILE, 1, "missing column(s) missings")


def test_trends_unsorted_years_are_sorted(tmp_path: Path):
    write_csv(tmp_path / TRENDS_FILE, TRENDS_HEADER, ["2013,2,2,2", "2012,1,1,1"])
    series = load_trends(tmp_path / TRENDS_FILE)
    assert list(series.index) == [2012, 2013]
    assert series.loc[2012, "homicides"] == 1


def test_real_files_copied_load_identically(tmp_path: Path, bacrim_dir: Path, real):
    """A user-supplied copy of the folder (here without the optional Trends file) works."""
    for name in REQUIRED_FILES:
        shutil.copy(bacrim_dir / name, tmp_path / name)
    system = load_bacrim(str(tmp_path))
    assert system.group_ids == real.group_ids
    assert (system.rivalry != real.rivalry).nnz == 0
    assert system.national_series.empty
