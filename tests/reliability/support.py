"""Helpers shared by the reliability tests: the real CLI entry point run in-process, folder
snapshots, and the one-line-error check.

`cli()` calls `cartelsim.cli.main.main()` exactly as the console script does (same argument
parsing, same error handling), but in this process, so that a corpus of ~150 bad inputs costs
milliseconds each instead of a 1.5 s interpreter start. `cli_subprocess()` is the same through
`python -m cartelsim`, for the cases that must prove the installed entry point behaves alike.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"
# The invented BACRIM-format world is stored under short names, so that no file named like
# the BACRIM data is ever committed; valid_world() gives the files the names the loader reads.
BACRIM_NAMES = {"nodes.csv": "BACRIM2020_Nodes.csv", "alliances.csv": "BACRIM2020_Alliances.csv",
                "rivals.csv": "BACRIM2020_Rivals.csv", "trends.csv": "Trends2012_2021.csv"}


def valid_world(fmt: str, folder: Path) -> Path:
    """A copy of the corpus's valid invented world of format `fmt` ('bacrim' or 'embedded')
    in `folder` (created if needed), under the file names its loader expects."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in sorted((CORPUS / fmt / "valid").iterdir()):
        name = BACRIM_NAMES.get(source.name, source.name) if fmt == "bacrim" else source.name
        shutil.copyfile(source, folder / name)
    return folder
LONG = "long" in (os.environ.get("CARTELSIM_RELIABILITY", ""), os.environ.get("CARTELSIM_FUZZ", ""))


def record(test: str, **figures: object) -> None:
    """Append measured figures as one JSON line to $CARTELSIM_RELIABILITY_STATS, if set
    (`make reliability` collects them for RELIABILITY.md)."""
    target = os.environ.get("CARTELSIM_RELIABILITY_STATS")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"test": test, **figures}) + "\n")


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str


def cli(*args: str | Path, cwd: Path) -> Outcome:
    """Run `cartelsim ARGS` in-process in folder `cwd`; returns exit code and output.

    Any exception other than SystemExit escapes, so a traceback fails the calling test.
    """
    from cartelsim.cli import main as cli_main

    out, err = io.StringIO(), io.StringIO()
    old_argv, old_cwd = sys.argv, Path.cwd()
    sys.argv = ["cartelsim", *map(str, args)]
    os.chdir(cwd)
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                cli_main.main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = old_argv
        os.chdir(old_cwd)
    return Outcome(code, out.getvalue(), err.getvalue())


def cli_subprocess(*args: str | Path, cwd: Path, timeout: float = 300) -> Outcome:
    """Run `python -m cartelsim ARGS` in a fresh interpreter in `cwd`."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(COLUMNS="200", PYTHONIOENCODING="utf-8")
    done = subprocess.run([sys.executable, "-m", "cartelsim", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout)
    return Outcome(done.returncode, done.stdout, done.stderr)


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under `root` with its bytes (None for folders)."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(root.rglob("*"))}


def assert_user_error(outcome: Outcome, mentions: list[str] | tuple[str, ...] = ()) -> str:
    """Exit code 2, exactly one stderr line `error: ...` holding every fragment (compared
    case-insensitively), and no traceback anywhere."""
    for stream in (outcome.stdout, outcome.stderr):
        assert "Traceback" not in stream, stream
    assert outcome.code == 2, f"exit {outcome.code}; stderr: {outcome.stderr!r}"
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got {len(lines)}: {outcome.stderr!r}"
    line = lines[0]
    assert line.startswith("error: "), line
    for fragment in mentions:
        assert fragment.lower() in line.lower(), f"{fragment!r} not in {line!r}"
    return line
