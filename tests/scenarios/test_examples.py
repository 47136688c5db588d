"""The example scenarios ship inside the package: listed, validated, copied out, and covered
by the package data that a non-editable install (a wheel) carries."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from cartelsim.errors import CartelsimError
from cartelsim.scenarios.examples import (
    copy_example,
    example_names,
    example_path,
    examples_dir,
    list_examples,
)
from cartelsim.scenarios.schema import load_scenario

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "src" / "cartelsim"
CODE_SUFFIXES = (".py", ".pyc")


def test_the_examples_live_in_the_package_and_nowhere_else() -> None:
    assert examples_dir().is_relative_to(Path(__import__("cartelsim").__file__).parent)
    assert not (REPO / "scenarios").exists(), "one copy of the examples: inside the package"
    names = example_names()
    assert len(names) >= 10 and "status-quo" in names and "cjng-leader-killed" in names
    assert list(list_examples()) == names


@pytest.mark.parametrize("name", example_names())
def test_each_example_is_valid_named_after_its_file_and_described(name: str) -> None:
    scenario = load_scenario(example_path(name))
    assert scenario.name == name
    described = list_examples()[name]
    assert described == scenario.description and len(described) > 10


def test_an_unknown_name_is_one_line_with_the_closest_example() -> None:
    with pytest.raises(CartelsimError, match="did you mean 'cjng-leader-killed'") as caught:
        example_path("cjng-leader-kiled")
    assert "\n" not in str(caught.value)
    with pytest.raises(CartelsimError, match="no example scenario named 'zzz'; `cartelsim"):
        example_path("zzz")
    assert example_path("status-quo.toml") == example_path("status-quo")


def test_copy_to_a_folder_a_file_or_here_and_never_over_a_users_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = example_path("arrests-doubled").read_bytes()
    into_folder = copy_example("arrests-doubled", tmp_path)
    assert into_folder == tmp_path / "arrests-doubled.toml"
    assert into_folder.read_bytes() == original
    new_folder = copy_example("arrests-doubled", f"{tmp_path}/new/")
    assert new_folder == tmp_path / "new" / "arrests-doubled.toml" and new_folder.is_file()
    renamed = copy_example("arrests-doubled", tmp_path / "mine.toml")
    assert renamed.read_bytes() == original
    monkeypatch.chdir(tmp_path / "new")
    with pytest.raises(CartelsimError, match="already exists"):
        copy_example("arrests-doubled")
    renamed.write_text("edited", encoding="utf-8")
    with pytest.raises(CartelsimError, match="mine.toml already exists"):
        copy_example("arrests-doubled", renamed)
    assert renamed.read_text(encoding="utf-8") == "edited"
    copy_example("arrests-doubled", renamed, overwrite=True)
    assert renamed.read_bytes() == original
    assert not list(tmp_path.rglob("*.part"))


def _package_data() -> set[Path]:
    """The files setuptools adds as package data: each pattern is globbed in its package's
    folder, as setuptools does for a wheel (and so for a non-editable `pip install`)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    found: set[Path] = set()
    for package, patterns in config["tool"]["setuptools"]["package-data"].items():
        folder = REPO / "src" / Path(*package.split("."))
        assert (folder / "__init__.py").is_file(), f"{package} is not a package"
        for pattern in patterns:
            found |= {p for p in folder.glob(pattern) if p.is_file()}
    return found


def test_every_data_file_of_the_package_is_in_its_package_data() -> None:
    """A file the package reads at run time but the wheel leaves out works in a checkout and
    fails after `pip install` (the dashboard once offered no example for that reason)."""
    data = {p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix not in CODE_SUFFIXES
            and "__pycache__" not in p.parts}
    assert {p.resolve() for p in examples_dir().glob("*.toml")} <= data
    missing = sorted(str(p.relative_to(PACKAGE)) for p in data - _package_data())
    assert not missing, f"not in pyproject's package-data, so not installed: {missing}"
