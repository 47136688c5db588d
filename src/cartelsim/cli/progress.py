"""Progress on stderr: a bar fed by the engines' progress(done, total) callbacks and a
spinner for steps of unknown length, both only on a terminal. In pipes and logs a short
command stays clean, and long work (a fit of hours run under nohup) writes one plain line a
minute instead of a bar. Shared by every command module, so none imports another for it."""

from __future__ import annotations

import time
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
LOG_EVERY_SECONDS = 60.0  # in pipes and logs: one progress line a minute, none before


def log_lines(label: str, write: Callable[[str], None],
              clock: Callable[[], float] = time.monotonic) -> Callable[[int, int], None]:
    """A progress(done, total) callback for pipes and logs: one plain line at most every
    `LOG_EVERY_SECONDS`, the first after that long, so that work shorter than a minute
    writes nothing."""
    start = clock()
    last = [start]

    def update(done: int, total: int) -> None:
        now = clock()
        if now - last[0] < LOG_EVERY_SECONDS:
            return
        last[0] = now
        share = f" ({100 * done / total:.0f} %)" if total else ""
        minutes, seconds = divmod(int(now - start), 60)
        write(f"{label}: {done:,} of {total:,}{share} after {minutes} min {seconds:02d} s")

    return update


@contextmanager
def progress_bar(label: str, quiet: bool = False, short: str | None = None
                 ) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar fed by the engines' progress(done, total) callbacks; in pipes and
    logs, `log_lines` under the `short` label (default: the bar's)."""
    if quiet:
        yield lambda done, total: None
        return
    if not errors.is_terminal:  # no bar (and no stray newline) in pipes and logs
        yield log_lines(short or label, lambda line: errors.print(line, highlight=False,
                                                         soft_wrap=True))
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
