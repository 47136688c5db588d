"""Progress on the terminal: a bar fed by the engines' progress(done, total) callbacks and a
spinner for steps of unknown length, both on stderr and only on a terminal (pipes and logs
stay clean). Shared by every command module, so none imports another for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

errors = Console(stderr=True)


@contextmanager
def progress_bar(label: str, quiet: bool = False) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar fed by the engines' progress(done, total) callbacks."""
    if quiet or not errors.is_terminal:  # no bar (and no stray newline) in pipes and logs
        yield lambda done, total: None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TaskProgressColumn(), TextColumn("[dim]{task.fields[rate]}"),
                  TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                  console=errors, transient=True) as bar:
        task = bar.add_task(label, total=None, rate="")

        def update(done: int, total: int) -> None:
            speed = bar.tasks[0].speed
            bar.update(task, completed=done, total=total,
                       rate=f"{speed:,.1f}/s" if speed else "")

        yield update


@contextmanager
def working(label: str, quiet: bool = False) -> Iterator[None]:
    """A spinner for a step of unknown length (only on a terminal)."""
    if quiet or not errors.is_terminal:
        yield
        return
    with errors.status(label):
        yield
