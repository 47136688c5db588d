"""The world of 2007: sourced groups and relations, a valid System, strict validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cartelsim.errors import CartelsimError, DataFileError
from cartelsim.record import history_groups, history_world, national_homicides
from cartelsim.system.embedded import INTENSITY_WEIGHT
from tests.record.support import append, edit, row_index, set_cells


@pytest.fixture(scope="module")
def world():
    return history_world()


def _weight(system, matrix: str, a: str, b: str) -> float:
    return float(getattr(system, matrix)[system.index_of(a), system.index_of(b)])


def test_every_group_cites_sources_and_2007_groups_state_their_size_source() -> None:
    groups = history_groups()
    assert len(groups) >= 10
    for group in groups:
        assert group.sources and all(u.startswith(("http://", "https://")) for u in group.sources)
        if group.first_seen <= 2007:
            assert group.relative_size is not None and group.size_source, group.id


def test_world_of_2007_holds_the_large_cartels_and_not_the_later_splinters(world) -> None:
    assert world.name == "history2007"
    assert {"sinaloa", "gulf", "juarez", "tijuana", "familia", "milenio"} <= set(world.group_ids)
    # Beltrán Leyva and the Zetas were still inside Sinaloa and the Gulf cartel in 2007
    for later in ("blo", "zetas", "cjng", "templarios", "cds_chapitos"):
        assert later not in world.group_ids
    assert 5 <= world.n_groups <= 12
    assert all(len(code) == 2 and code.isdigit() for code in world.home_states)


def test_every_later_group_descends_from_a_group_of_2007() -> None:
    groups = {g.id: g for g in history_groups()}
    for group in groups.values():
        current = group
        while current.first_seen > 2007:
            parent = groups[current.parent_id]
            assert parent.first_seen <= current.first_seen
            current = parent
        assert current.first_seen <= 2007


def test_relations_use_the_embedded_intensity_scale(world) -> None:
    assert _weight(world, "rivalry", "sinaloa", "gulf") == INTENSITY_WEIGHT["rival"][3]
    assert _weight(world, "alliance", "gulf", "tijuana") == INTENSITY_WEIGHT["ally"][2]
    assert _weight(world, "alliance", "sinaloa", "gulf") == 0.0
    # no pair is both allied and rival
    both = world.rivalry.multiply(world.alliance)
    assert both.nnz == 0 or not both.toarray().any()


def test_national_series_is_the_inegi_registration_series(world) -> None:
    inegi = national_homicides()["inegi_registered"]
    assert np.array_equal(world.national_series["homicides"].to_numpy(), inegi.to_numpy())
    assert list(world.national_series.columns) == ["homicides", "missing_persons", "arrests"]


def test_sizes_only_when_a_total_is_given(world) -> None:
    assert world.size_hint is None
    sized = history_world(total_members=50_000)
    assert sized.size_hint is not None
    assert np.isclose(np.nansum(sized.size_hint), 50_000)
    assert sized.size_hint[sized.index_of("sinaloa")] > sized.size_hint[sized.index_of("colima")]
    for bad in (0, -3, float("nan"), "many"):
        with pytest.raises(CartelsimError, match="total_members"):
            history_world(total_members=bad)


# --- bad rows ---------------------------------------------------------------------------------

BAD_GROUPS = {
    "duplicate id": ("cjng", dict(id="sinaloa"), "duplicate id 'sinaloa'"),
    "bad id": ("cjng", dict(id="CJNG!"), "snake_case"),
    "unknown home state": ("cjng", dict(home_state="33"), "home_state '33'"),
    "later group without parent": ("cjng", dict(parent_id=""), "must name the group it came from"),
    "unknown parent": ("cjng", dict(parent_id="mileni"), "did you mean 'milenio'"),
    "parent seen later": ("familia", dict(parent_id="cjng"), "first seen later"),
    "own parent": ("sinaloa", dict(parent_id="sinaloa"), "cycle"),
    "no source": ("cjng", dict(source_urls=""), "empty source_urls"),
    "bad source": ("cjng", dict(source_urls="https://a.org/x;informador"), "not a web address"),
    "size without source": ("sinaloa", dict(size_source=""), "empty size_source"),
    "size not positive": ("sinaloa", dict(relative_size="0"), "must be positive"),
    "first seen not a year": ("cjng", dict(first_seen="2010s"), "not a whole number"),
    "unknown embedded id": ("cjng", dict(embedded_id="cjgn"), "did you mean 'cjng'"),
}


@pytest.mark.parametrize("case", list(BAD_GROUPS))
def test_bad_group_row_names_file_and_line(history_dir: Path, case: str) -> None:
    gid, cells, fragment = BAD_GROUPS[case]
    path = history_dir / "groups.csv"
    index = row_index(path, id=gid)
    edit(path, set_cells(index, **cells))
    with pytest.raises(DataFileError) as caught:
        history_world(history_dir)
    message = str(caught.value)
    assert caught.value.path.name == "groups.csv"
    assert caught.value.line == index + 2
    assert fragment in message and "\n" not in message


BAD_RELATIONS = {
    "group not active in 2007": (dict(a="cjng"), "first seen in 2010"),
    "unknown group": (dict(b="tijuna"), "did you mean 'tijuana'"),
    "with itself": (dict(b="gulf"), "with itself"),
    "kind typo": (dict(kind="allied"), "did you mean 'ally'"),
    "intensity out of range": (dict(intensity="4"), "expected 1..3"),
    "no source": (dict(source_urls=""), "empty source_urls"),
}


@pytest.mark.parametrize("case", list(BAD_RELATIONS))
def test_bad_relation_row_names_file_and_line(history_dir: Path, case: str) -> None:
    cells, fragment = BAD_RELATIONS[case]
    path = history_dir / "relations_2007.csv"
    edit(path, set_cells(0, **cells))  # the gulf-tijuana row, on line 2
    with pytest.raises(DataFileError) as caught:
        history_world(history_dir)
    assert caught.value.path.name == "relations_2007.csv"
    assert caught.value.line == 2
    assert fragment in str(caught.value)


def test_duplicate_relation_names_the_first_line(history_dir: Path) -> None:
    path = history_dir / "relations_2007.csv"
    edit(path, append(a="tijuana", b="gulf", kind="rival", intensity="1",
                      source_urls="https://example.org/x"))
    with pytest.raises(DataFileError, match="duplicate relation 'gulf'-'tijuana' \\(first on line 2\\)"):
        history_world(history_dir)
