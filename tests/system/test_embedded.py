"""The embedded default system "Mexico 2025": named factions, sizes, synthetic tail, validation."""

from __future__ import annotations

import csv
import io
import math
import re
import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from cartelsim.errors import CartelsimError, DataFileError
from cartelsim.system.embedded import (
    BACRIM_ALLY_DEGREE_HIST,
    BACRIM_ALLY_WEIGHT_HIST,
    BACRIM_RIVAL_DEGREE_HIST,
    BACRIM_RIVAL_WEIGHT_HIST,
    DATA_FILES,
    INTENSITY_QUANTILES,
    INTENSITY_WEIGHT,
    SIZE_SOURCES,
    load_embedded,
    mexico_2025,
    size_sources,
    states_table,
    tail_degree_histogram,
    weight_quantile,
)
from cartelsim.system.model import System

NAMED = (
    "cjng", "cds_chapitos", "cds_mayiza", "cdg_metros", "cdg_escorpiones", "cdn", "lnfm",
    "carteles_unidos", "los_viagras", "csrl", "blo", "juarez_la_linea", "caf_tijuana",
    "caborca", "guerreros_unidos", "los_rojos", "los_ardillos", "los_tlacos", "union_tepito",
    "fuerza_anti_union",
)
SOURCED_SHARES = {
    "cjng": 0.179,
    "cds_chapitos": 0.0445,
    "cds_mayiza": 0.0445,
    "lnfm": 0.062,
    "cdn": 0.045,
    "union_tepito": 0.035,
}


@pytest.fixture(scope="module")
def system() -> System:
    return mexico_2025()


def _weight(system: System, matrix: str, a: str, b: str) -> float:
    i, j = system.index_of(a), system.index_of(b)
    return float(getattr(system, matrix)[i, j])


def _degrees(system: System) -> tuple[np.ndarray, np.ndarray]:
    rival = np.diff(system.rivalry.indptr)
    ally = np.diff(system.alliance.indptr)
    return rival, ally


# --- named part --------------------------------------------------------------------------------


def test_default_system_has_150_groups_with_the_20_named_factions_first(system: System) -> None:
    assert system.name == "mexico2025"
    assert system.n_groups == 150
    assert system.group_ids[:20] == NAMED
    assert "cds" not in system.group_ids and "cdg" not in system.group_ids
    assert not system.synthetic[:20].any() and system.synthetic[20:].all()
    assert system.group_ids[20] == "syn_001" and system.group_ids[-1] == "syn_130"
    assert re.fullmatch(r"Synthetic local group 001 \(.+\)", system.group_names[20])
    assert system.home_states[system.index_of("cjng")] == "14"  # Jalisco
    assert set(system.home_states) <= set(states_table().index)


def test_chapitos_mayiza_war_has_the_rescaled_intensity_3_weight(system: System) -> None:
    weight = _weight(system, "rivalry", "cds_chapitos", "cds_mayiza")
    assert weight == INTENSITY_WEIGHT["rival"][3] == 5.0
    assert _weight(system, "alliance", "cds_chapitos", "cds_mayiza") == 0.0


def test_specific_rows_beat_the_umbrella_row(system: System) -> None:
    # relations.csv: "cjng,cds,rival,3" (umbrella) but also "cjng,cds_chapitos,ally,2" and
    # "cjng,cds_mayiza,rival,2" (specific rows).
    assert _weight(system, "alliance", "cjng", "cds_chapitos") == INTENSITY_WEIGHT["ally"][2]
    assert _weight(system, "rivalry", "cjng", "cds_chapitos") == 0.0
    assert _weight(system, "rivalry", "cjng", "cds_mayiza") == INTENSITY_WEIGHT["rival"][2]
    assert _weight(system, "alliance", "cjng", "cds_mayiza") == 0.0


def test_umbrella_rows_without_a_specific_row_reach_every_faction(system: System) -> None:
    # "juarez_la_linea,cds,rival,3" and "csrl,cds,ally,1", "csrl,cdg,ally,1".
    for faction in ("cds_chapitos", "cds_mayiza"):
        rival_3 = INTENSITY_WEIGHT["rival"][3]
        assert _weight(system, "rivalry", "juarez_la_linea", faction) == rival_3
        assert _weight(system, "alliance", "csrl", faction) == INTENSITY_WEIGHT["ally"][1]
    for faction in ("cdg_metros", "cdg_escorpiones"):
        assert _weight(system, "alliance", "csrl", faction) == INTENSITY_WEIGHT["ally"][1]
    # "cdg,cdn,rival,3" reaches Escorpiones; Metros has its own identical row.
    assert _weight(system, "rivalry", "cdg_escorpiones", "cdn") == INTENSITY_WEIGHT["rival"][3]


def test_matrices_are_symmetric_nonnegative_and_no_pair_is_both_rival_and_ally(
    system: System,
) -> None:
    for matrix in (system.rivalry, system.alliance):
        dense = matrix.toarray()
        assert np.array_equal(dense, dense.T)
        assert (dense >= 0).all() and not dense.diagonal().any()
    both = (system.rivalry.toarray() > 0) & (system.alliance.toarray() > 0)
    assert not both.any()


def test_intensity_weights_are_the_stated_bacrim_quantiles() -> None:
    for kind, hist in (("rival", BACRIM_RIVAL_WEIGHT_HIST), ("ally", BACRIM_ALLY_WEIGHT_HIST)):
        derived = [weight_quantile(hist, q) for q in INTENSITY_QUANTILES]
        assert derived == [INTENSITY_WEIGHT[kind][k] for k in (1, 2, 3)]
        assert derived == sorted(set(derived))  # strictly increasing: tiers stay distinct
    assert INTENSITY_WEIGHT == {"rival": {1: 1.0, 2: 2.0, 3: 5.0}, "ally": {1: 1.0, 2: 2.0, 3: 4.0}}


# --- sizes -------------------------------------------------------------------------------------


def test_sourced_shares_and_total(system: System) -> None:
    sizes = system.size_hint
    assert sizes is not None and sizes.shape == (150,)
    total = 183_000.0
    assert math.isclose(sizes.sum(), total, rel_tol=1e-12)
    assert abs(sizes[system.index_of("cjng")] / total - 0.179) < 1e-9
    for gid, share in SOURCED_SHARES.items():
        assert abs(sizes[system.index_of(gid)] / total - share) < 1e-9, gid
    assert (sizes > 0).all()
    assert sizes[system.index_of("cjng")] == sizes.max()


def test_unsourced_groups_follow_zipf_over_strength_rank(system: System) -> None:
    sizes = system.size_hint
    rank = system.strength_rank() + 1
    others = [i for i, gid in enumerate(system.group_ids) if gid not in SOURCED_SHARES]
    # size * rank is the same constant for every group without a published share
    products = sizes[others] * rank[others]
    assert np.allclose(products, products[0], rtol=1e-12)
    assert math.isclose(sizes[others].sum(), 183_000.0 * 0.59, rel_tol=1e-12)


def test_total_members_scales_sizes() -> None:
    small = mexico_2025(total_members=100_000.0)
    assert math.isclose(small.size_hint.sum(), 100_000.0, rel_tol=1e-12)
    assert math.isclose(small.size_hint[0], 17_900.0, rel_tol=1e-12)


def test_every_size_has_a_source(system: System) -> None:
    sources = size_sources(system)
    assert set(sources) == set(system.group_ids)
    assert "assumption: no published split of the Sinaloa share; equal halves" in SIZE_SOURCES[
        "cds_chapitos"
    ]
    assert "17.9 %" in sources["cjng"] and "183,000" in sources["cjng"]
    assert "Zipf" in sources["los_rojos"] and "synthetic" not in sources["los_rojos"]
    assert sources["syn_001"].startswith("synthetic group; Zipf")


# --- synthetic tail ----------------------------------------------------------------------------

SEEDS = range(20)


@pytest.fixture(scope="module")
def ensemble() -> list[System]:
    return [mexico_2025(seed=seed) for seed in SEEDS]


def test_tail_degrees_match_bacrim_without_its_hubs(ensemble: list[System]) -> None:
    # Each synthetic group draws from BACRIM's degree histogram minus its 20 best-connected
    # groups (the named factions play that part), so the expected tail isolate shares are
    # 79/130 (rivalry) and 59/130 (alliance), and no synthetic group exceeds degree 2.
    # Tolerance: one system's share has a binomial sd of sqrt(p(1-p)/130) <= 0.044; the mean
    # over 20 seeds has sd <= 0.0098, and 0.035 is > 3.5 sd.
    for kind, column in (("rival", 0), ("ally", 1)):
        expected = tail_degree_histogram(kind, 20)
        assert sum(expected.values()) == 130
        tails = [_degrees(s)[column][20:] for s in ensemble]
        share_isolated = np.mean([(d == 0).mean() for d in tails])
        assert abs(share_isolated - expected[0] / 130) < 0.035, kind
        expected_mean = sum(k * c for k, c in expected.items()) / 130
        assert abs(np.mean([d.mean() for d in tails]) - expected_mean) < 0.06, kind
        assert max(d.max() for d in tails) <= max(expected), kind


def test_whole_system_isolates_match_bacrim(ensemble: list[System]) -> None:
    # BACRIM 2020: 79 of 150 groups without rivals, 59 of 150 without allies. The named part
    # adds at most a few isolates of its own (blo has no rival, Tlacos and Unión Tepito no
    # ally: <= 3/150 = 0.02), so allow 0.02 plus 3.5 sd of the 20-seed mean (0.035).
    for column, hist in ((0, BACRIM_RIVAL_DEGREE_HIST), (1, BACRIM_ALLY_DEGREE_HIST)):
        share = np.mean([(_degrees(s)[column] == 0).mean() for s in ensemble])
        assert abs(share - hist[0] / 150) < 0.055


def test_tail_weights_come_from_bacrim_histograms(ensemble: list[System]) -> None:
    kinds = (("rivalry", BACRIM_RIVAL_WEIGHT_HIST), ("alliance", BACRIM_ALLY_WEIGHT_HIST))
    for matrix, hist in kinds:
        weights = []
        for s in ensemble:
            upper = getattr(s, matrix).tocoo()
            keep = (upper.row < upper.col) & (upper.col >= 20)  # links made by the tail
            weights.append(upper.data[keep])
        drawn = np.concatenate(weights)
        assert set(np.unique(drawn)) <= set(map(float, hist))
        # share of weight-1 links: ~1,300 draws, binomial sd ~0.014; tolerance ~3.5 sd
        expected = hist[1] / sum(hist.values())
        assert abs((drawn == 1.0).mean() - expected) < 0.05, matrix


def test_tail_prefers_local_partners(ensemble: list[System]) -> None:
    # BACRIM's local pairs are linked 3-4x as often as distant ones; synthetic-synthetic links
    # must be clearly more local than a random pair of synthetic groups is.
    states = states_table()
    near = {c: {c, *states.loc[c, "adjacent"]} for c in states.index}
    linked_local, pairs_local, n_links, n_pairs = 0, 0, 0, 0
    for s in ensemble:
        homes = s.home_states
        for matrix in (s.rivalry, s.alliance):
            upper = matrix.tocoo()
            for i, j in zip(upper.row, upper.col, strict=True):
                if 20 <= i < j:
                    n_links += 1
                    linked_local += homes[j] in near[homes[i]]
        tail = homes[20:]
        for a in range(len(tail)):
            for b in range(a + 1, len(tail)):
                n_pairs += 1
                pairs_local += tail[b] in near[tail[a]]
    assert n_links > 100
    assert linked_local / n_links > 1.5 * pairs_local / n_pairs


def test_same_seed_same_system_other_seed_other_tail_same_named_part() -> None:
    a, b, c = mexico_2025(seed=7), mexico_2025(seed=7), mexico_2025(seed=8)
    assert a.group_ids == b.group_ids and a.group_names == b.group_names
    assert a.home_states == b.home_states
    assert (a.rivalry != b.rivalry).nnz == 0 and (a.alliance != b.alliance).nnz == 0
    assert np.array_equal(a.size_hint, b.size_hint)

    assert a.group_ids == c.group_ids
    assert a.group_names[:20] == c.group_names[:20] and a.home_states[:20] == c.home_states[:20]
    for matrix in ("rivalry", "alliance"):
        named_a = getattr(a, matrix)[:20, :20].toarray()
        assert np.array_equal(named_a, getattr(c, matrix)[:20, :20].toarray())
    assert a.home_states[20:] != c.home_states[20:]
    assert (a.rivalry != c.rivalry).nnz > 0
    for gid in SOURCED_SHARES:
        assert a.size_hint[a.index_of(gid)] == c.size_hint[c.index_of(gid)]


def test_n_groups_sets_the_tail_and_cannot_drop_named_groups() -> None:
    only_named = mexico_2025(n_groups=20)
    assert only_named.group_ids == NAMED and not only_named.synthetic.any()
    assert math.isclose(only_named.size_hint.sum(), 183_000.0, rel_tol=1e-12)
    assert mexico_2025(n_groups=200).n_groups == 200
    with pytest.raises(CartelsimError, match="smaller than the 20 named groups"):
        mexico_2025(n_groups=19)
    with pytest.raises(CartelsimError, match="total_members"):
        mexico_2025(total_members=-1.0)


# --- national series, states, sources ----------------------------------------------------------


def test_national_series(system: System) -> None:
    series = system.national_series
    assert series.index.name == "year" and series.index.dtype == np.int64
    assert list(series.index) == list(range(2012, 2025))
    assert list(series.columns) == ["homicides", "missing_persons", "arrests"]
    assert all(series[c].dtype == np.float64 for c in series.columns)
    assert series.loc[2012, "homicides"] == 25_967.0
    assert series.loc[2024, "homicides"] == 33_550.0
    assert series.loc[2022, "missing_persons"] == 10_210.0
    assert math.isnan(series.loc[2012, "missing_persons"])
    assert series["arrests"].isna().all()


def test_states_table() -> None:
    states = states_table()
    assert len(states) == 32
    assert list(states.index[:2]) == ["01", "02"] and states.index.name == "code"
    assert int(states["population"].sum()) == 126_014_024  # census 2020 national total
    assert int(states["borders_us"].sum()) == 6
    assert sum(len(a) for a in states["adjacent"]) == 2 * 69  # 69 land-border pairs
    for code, neighbours in states["adjacent"].items():
        assert all(code in states.loc[n, "adjacent"] for n in neighbours)


def test_sources_cite_the_readme_and_evidence_f18(system: System) -> None:
    text = " ".join(system.sources)
    assert "README.md" in text and "EVIDENCE F18" in text and "Science" in text


# --- user-supplied files and validation --------------------------------------------------------


def _packaged_dir() -> Path:
    return Path(str(resources.files("cartelsim") / "data" / "embedded"))


@pytest.fixture()
def data_dir(tmp_path: Path) -> Path:
    for name in DATA_FILES:
        shutil.copy(_packaged_dir() / name, tmp_path / name)
    return tmp_path


def _edit(folder: Path, name: str, change: Callable[[list[dict[str, str]]], None]) -> None:
    """Rewrite a CSV after `change` edits its rows (data row k is on line k + 2)."""
    path = folder / name
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    change(rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _set(index: int, **cells: str) -> Callable[[list[dict[str, str]]], None]:
    return lambda rows: rows[index].update(cells)


def _append(*new_rows: dict[str, str]) -> Callable[[list[dict[str, str]]], None]:
    def change(rows: list[dict[str, str]]) -> None:
        for cells in new_rows:
            rows.append({key: cells.get(key, "") for key in rows[0]})

    return change


def test_unmodified_copies_load_like_the_packaged_data(data_dir: Path, system: System) -> None:
    copy = load_embedded(data_dir)
    assert copy.group_ids == system.group_ids
    assert (copy.rivalry != system.rivalry).nnz == 0
    assert np.array_equal(copy.size_hint, system.size_hint)


# (file, edit, expected line, fragment of the message)
BAD_INPUTS = {
    "duplicate group id": ("major_groups.csv", _set(5, id="cjng"), 7, "duplicate id 'cjng'"),
    "unknown group in relation": ("relations.csv", _set(0, a="cjnj"), 2, "unknown group id 'cjnj'"),
    "relation with itself": ("relations.csv", _set(1, b="cjng"), 3, "with itself"),
    "bad kind": ("relations.csv", _set(2, kind="enemy"), 4, "expected 'rival' or 'ally'"),
    "intensity out of range": ("relations.csv", _set(3, intensity="4"), 5, "expected 1, 2 or 3"),
    "intensity not a number": ("relations.csv", _set(3, intensity="high"), 5, "not a number"),
    "unknown home state": ("major_groups.csv", _set(0, home_state="33"), 2, "home_state '33'"),
    "unknown state present": (
        "major_groups.csv", _set(0, other_states_present="02;99"), 2, "unknown state code '99'",
    ),
    "unknown parent": (
        "major_groups.csv", _set(2, parent_id="cdss"), 4, "unknown parent_id 'cdss'",
    ),
    "asymmetric adjacency": (
        "states.csv", _set(0, adjacent_states="14;32;06"), 2, "asymmetric adjacency",
    ),
    "negative size": ("major_groups.csv", _set(0, size_estimate_low="-5"), 2, "non-negative"),
    "size not a number": ("major_groups.csv", _set(0, size_estimate_low="many"), 2, "not a number"),
    "duplicate state": ("states.csv", _set(1, code="01"), 3, "duplicate code '01'"),
    "duplicate year": ("national_series.csv", _set(1, year="2012"), 3, "duplicate year 2012"),
    "conflicting specific rows": (
        "relations.csv",
        _append({"a": "cds_mayiza", "b": "cds_chapitos", "kind": "ally", "intensity": "1"}),
        33,
        "conflicting relation",
    ),
    "umbrella with own faction": (
        "relations.csv",
        _append({"a": "cds", "b": "cds_chapitos", "kind": "rival", "intensity": "1"}),
        33,
        "own faction",
    ),
    "conflicting umbrella rows of equal specificity": (
        "relations.csv",
        _append(
            {"a": "cds", "b": "cdg_metros", "kind": "rival", "intensity": "2"},
            {"a": "cds_chapitos", "b": "cdg", "kind": "ally", "intensity": "1"},
        ),
        34,
        "conflicting relations for 'cdg_metros'-'cds_chapitos'",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_raises_data_file_error_naming_file_and_line(data_dir: Path, case: str) -> None:
    name, change, line, fragment = BAD_INPUTS[case]
    _edit(data_dir, name, change)
    with pytest.raises(DataFileError) as caught:
        load_embedded(data_dir)
    error = caught.value
    assert error.path.name == name
    assert error.line == line
    assert f"{name}, line {line}:" in str(error)
    assert fragment in str(error)


def test_a_specific_row_may_contradict_an_umbrella_row(data_dir: Path) -> None:
    # A new specific rivalry CSRL-Chapitos beats the umbrella alliance "csrl,cds,ally,1".
    _edit(
        data_dir,
        "relations.csv",
        _append({"a": "csrl", "b": "cds_chapitos", "kind": "rival", "intensity": "3"}),
    )
    edited = load_embedded(data_dir)
    assert _weight(edited, "rivalry", "csrl", "cds_chapitos") == INTENSITY_WEIGHT["rival"][3]
    assert _weight(edited, "alliance", "csrl", "cds_chapitos") == 0.0
    assert _weight(edited, "alliance", "csrl", "cds_mayiza") == INTENSITY_WEIGHT["ally"][1]


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CartelsimError, match="not found"):
        load_embedded(tmp_path / "nowhere")
    with pytest.raises(DataFileError, match="file not found"):
        load_embedded(tmp_path)
