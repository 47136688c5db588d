"""The record, 2006–2026: a dated event timeline, the world of 2007 and what was counted.

Three kinds of shipped, sourced data (``cartelsim/data/history/``, described in
``docs/history-data.md``), each validated on load like every data file:

* `events` – leader removals, splits, alliances, rivalries and US/Mexican measures, one dated
  and sourced row each (`load_events`);
* `world` – the organisations of 2007 with their alliances and rivalries, and the groups that
  emerged later flagged by the year they were first seen (`history_groups`, `history_world`);
* `observed` – national homicide series (INEGI registrations, SESNSP victims) and published
  counts of active groups (`national_homicides`, `group_counts`).
"""

from cartelsim.history.events import EVENT_KINDS, Event, events_frame, load_events
from cartelsim.history.observed import group_counts, national_homicides
from cartelsim.history.world import HistoryGroup, history_groups, history_world

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
