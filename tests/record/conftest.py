"""Fixtures for the history data tests: an editable copy of the packaged history files."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest


@pytest.fixture
def history_dir(tmp_path: Path) -> Path:
    """A copy of every packaged history data file, safe to edit."""
    target = tmp_path / "history"
    target.mkdir()
    packaged = resources.files("cartelsim") / "data" / "history"
    for entry in packaged.iterdir():
        if entry.name.endswith(".csv"):
            with resources.as_file(entry) as source:
                shutil.copy(source, target / entry.name)
    return target
