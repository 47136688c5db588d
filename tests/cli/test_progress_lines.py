"""Progress in pipes and logs: nothing for short work, one plain line a minute for long."""

from __future__ import annotations

from cartelsim.cli.progress import LOG_EVERY_SECONDS, log_lines


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_work_shorter_than_a_minute_writes_nothing():
    clock, lines = Clock(), []
    update = log_lines("fit", lines.append, clock)
    for done in range(1, 11):
        clock.now += (LOG_EVERY_SECONDS - 1) / 10
        update(done, 10)
    assert lines == []


def test_long_work_writes_a_line_a_minute_with_the_share_done():
    clock, lines = Clock(), []
    update = log_lines("record fit", lines.append, clock)
    for done in range(1, 301):  # one step a second for five minutes
        clock.now += 1.0
        update(done, 1200)
    assert len(lines) == 5
    assert lines[0] == "record fit: 60 of 1,200 (5 %) after 1 min 00 s"
    assert lines[-1] == "record fit: 300 of 1,200 (25 %) after 5 min 00 s"
