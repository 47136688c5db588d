"""The record, 2006–2026: a dated event timeline, the world of 2007, what was counted, and
the replay of 2007 to mid-2026 with its counterfactual histories.

Shipped, sourced data (``cartelsim/data/history/``, described in ``docs/history-data.md``),
each validated on load like every data file:

* `events` – leader removals, splits, alliances, rivalries and US/Mexican measures, one dated
  and sourced row each (`load_events`);
* `world` – the organisations of 2007 with their alliances and rivalries, and the groups that
  emerged later flagged by the year they were first seen (`history_groups`, `history_world`);
* `observed` – national homicide series (INEGI registrations, SESNSP victims) and published
  counts of active groups (`national_homicides`, `group_counts`).

The replay (`replay`, `counterfactual`, `observation`, `result`; ``docs/history-replay.md``):
`cartelsim.history(...)` (defined in `cartelsim.record.api`) runs the world of 2007 to
mid-2026 driven by the timeline's leader removals, optionally beside a paired history
without chosen events.
"""

from cartelsim.record.events import EVENT_KINDS, Event, events_frame, load_events
from cartelsim.record.observed import group_counts, national_homicides
from cartelsim.record.world import HistoryGroup, history_groups, history_world

__all__ = [
    "EVENT_KINDS",
    "Event",
    "HistoryGroup",
    "events_frame",
    "group_counts",
    "history_groups",
    "history_world",
    "load_events",
    "national_homicides",
]
