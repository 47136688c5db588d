"""The example scenarios that ship inside the package, beside this module.

They are package data (pyproject `package-data`), so a plain `pip install cartelsim` has them:
`cartelsim examples` lists them, `cartelsim examples copy NAME` copies one out to edit, the
dashboard offers them as starting points, and `cartelsim.run("NAME")` runs one.
"""

from __future__ import annotations

import os
import shutil
import tomllib
from pathlib import Path

from cartelsim.errors import CartelsimError

SUFFIX = ".toml"


def examples_dir() -> Path:
    """The folder holding the example scenario files (inside the installed package)."""
    return Path(__file__).resolve().parent


def example_names() -> list[str]:
    """Names of the example scenarios (file names without .toml), sorted."""
    return sorted(path.stem for path in examples_dir().glob(f"*{SUFFIX}"))


def list_examples() -> dict[str, str]:
    """Example name -> its one-line description, sorted by name."""
    found = {}
    for name in example_names():
        path = examples_dir() / f"{name}{SUFFIX}"
        try:
            description = tomllib.loads(path.read_text(encoding="utf-8")).get("description", "")
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise CartelsimError(f"{path}: the packaged example cannot be read ({exc}); "
                                 "reinstall cartelsim") from None
        found[name] = str(description)
    return found


def example_path(name: str) -> Path:
    """The file of example `name` (with or without .toml); a one-line error with the
    closest name when there is no such example."""
    from cartelsim.textmatch import closest

    stem = name[: -len(SUFFIX)] if name.endswith(SUFFIX) else name
    names = example_names()
    if stem in names:
        return examples_dir() / f"{stem}{SUFFIX}"
    hint = closest(stem, names)
    suggestion = f"did you mean {hint!r}? " if hint else ""
    raise CartelsimError(f"no example scenario named {name!r}; {suggestion}"
                         "`cartelsim examples` lists them")


def copy_example(name: str, dest: str | Path | None = None, *, overwrite: bool = False) -> Path:
    """Copy example `name` to `dest` and return the new file's path.

    `dest` may be a file name, an existing folder (the file keeps the example's name), or
    None (the current folder). An existing file is kept unless `overwrite`, so a user's
    edited copy is never replaced by accident. The copy is written atomically. An example
    whose world is a data folder beside it (`[system] data = "six-groups"`) takes that
    folder along, so the copy runs where it lands.
    """
    from cartelsim.io.atomic import write_atomically

    source = example_path(name)
    target = Path(dest) if dest is not None else Path(source.name)
    if target.is_dir() or (isinstance(dest, str) and dest.endswith(("/", os.sep))):
        target = target / source.name
    if target.exists() and not overwrite:
        raise CartelsimError(f"{target} already exists; choose another destination or "
                             "overwrite it (--force)")
    data = _data_folder(source)
    if data is not None:
        folder = target.parent / data.name
        if folder.exists() and not overwrite:
            raise CartelsimError(f"{folder} already exists; the example needs its data folder "
                                 "there (choose another destination or --force)")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(data, folder, dirs_exist_ok=True)
    write_atomically(target, lambda tmp: shutil.copyfile(source, tmp))
    return target


def _data_folder(example: Path) -> Path | None:
    """The data folder shipped beside an example that names one by a relative path."""
    import tomllib

    data = tomllib.loads(example.read_text(encoding="utf-8")).get("system", {}).get("data")
    if not isinstance(data, str) or Path(data).is_absolute():
        return None
    folder = example.parent / data
    return folder if folder.is_dir() else None
