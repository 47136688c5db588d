"""Running the command line in a subprocess, as a user would, for the CLI tests."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

# Commands are started in parallel: the machine has 2 cores, subprocesses mostly wait on I/O.
WORKERS = max(2, min(4, os.cpu_count() or 2))


def cartelsim(*args: str | Path, cwd: Path, columns: int = 200) -> subprocess.CompletedProcess:
    """Run `python -m cartelsim ARGS` in `cwd` with a fixed terminal width."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(COLUMNS=str(columns), PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "cartelsim", *map(str, args)],
        cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8", timeout=300,
    )


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under `root` with its bytes (None for folders): a before/after snapshot."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(root.rglob("*"))}


@dataclass
class Job:
    """One command started in the background in its own folder."""

    cwd: Path
    before: dict[str, bytes | None]  # the folder just before the command started
    future: Future

    @property
    def result(self) -> subprocess.CompletedProcess:
        return self.future.result()

    def ok(self) -> subprocess.CompletedProcess:
        result = self.result
        assert result.returncode == 0, (f"exit {result.returncode}\nstdout:\n{result.stdout}\n"
                                        f"stderr:\n{result.stderr}")
        assert "Traceback" not in result.stderr
        return result


def assert_one_line_error(job: Job, *fragments: str) -> str:
    """A user mistake: exit 2, one stderr line `error: ...` holding every fragment, no
    traceback, and nothing written or changed in the job's folder."""
    result = job.result
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr
    assert result.returncode == 2, f"exit {result.returncode}; stderr:\n{result.stderr}"
    assert len(result.stderr.splitlines()) == 1, result.stderr
    line = result.stderr.strip()
    assert line.startswith("error:"), line
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"
    assert tree(job.cwd) == job.before, "a failed command wrote or changed files"
    return line
