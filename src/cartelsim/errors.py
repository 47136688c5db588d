"""The one exception type for user mistakes.

Bad files, scenario fields and CLI arguments raise `CartelsimError` (or a subclass) with a
message that names the file, line or field and what was expected. The CLI prints the message
on one line and exits with code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path


class CartelsimError(Exception):
    """A user mistake that cartelsim can explain in one line."""


class DataFileError(CartelsimError):
    """A data file that cannot be read as the format it claims to be."""

    def __init__(self, path: str | Path, problem: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}" if line is None else f"{self.path}, line {line}"
        super().__init__(f"{where}: {problem}")
