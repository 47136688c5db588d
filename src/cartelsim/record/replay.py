"""The record replayed: the world of 2007 driven by the timeline's leader removals.

The replay is an ordinary `Scenario` built in code: the history world (system
"history2007") from 1 January 2007 to the end of June 2026, one week a step, with every
leader removal of the timeline as a ``remove_leader`` intervention on the event's group
(kind by the event's kind, succession "uncertain"). It runs through `run_scenario`, so any
engine a scenario can choose runs the replay too.

What the timeline holds beyond removals is not forced: splits are what the model's own
fragmentation is compared with, and alliances, rivalries, escapes and measures are listed
with the reason they do not act (see `EventUse`).

A removal in a group first seen after 2007 (the Zetas, the CJNG, the Templarios, ...) acts,
on the world engine (fragmentation "open"), on the model's analogue of that group: the
largest live group of the lineage of the 2007 organisation it came from (``parent_id``
followed back to a group of 2007: cjng -> milenio, cdn -> zetas -> gulf, blo -> sinaloa),
resolved in each run at the week of the removal (target ``{largest = 1, lineage = ...}``).
Splits are not forced, so the model's analogue is the strongest part of that lineage: a
splinter or an entrant of it, or the 2007 organisation itself while it is still the
largest. When the 2007 organisation has its own removal in the same week, the later
group's removal joins that operation (one operation of the most severe kind, on the named
group). The capped engines know no lineages: there such a removal does nothing.

Removals of one group in the same week (El Mayo and Joaquín Guzmán López on 25 July 2024)
become one operation, of the most severe kind among them.

With territory on, the timeline's U.S. measures act too: ``us_levers.csv`` (`levers`) names
the ``us_measure`` events that start and end each U.S. pressure lever (`tariff_threat` from
the first tariff orders to the Supreme Court's ruling, `fto_designation` from the FTO
designation on), and each becomes that intervention after the removals. Territory is what
gives U.S. pressure its feedback and the Mexican state's answer; without it the replay
stays the removals alone, unchanged, which the national calibration was fitted on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence

import pandas as pd
import xarray as xr

from cartelsim.engines.simulate import Progress
from cartelsim.record.events import Event
from cartelsim.record.levers import UsLever, load_us_levers
from cartelsim.record.observation import add_observed_series
from cartelsim.record.world import START_YEAR, HistoryGroup, history_groups
from cartelsim.scenarios.runner import run_scenario
from cartelsim.scenarios.schema import Scenario, parse_scenario

REPLAY_START = dt.date(START_YEAR, 1, 1)
REPLAY_END = dt.date(2026, 6, 30)  # mid-2026: the timeline's last events are in Feb 2026
SYSTEM = "history2007"
SOURCE = "history replay"
# Event kind -> remove_leader kind; a week's removals of one group take the most severe.
REMOVAL_KIND = {
    "leader_killed": "killed",
    "leader_captured": "captured",
    "leader_extradited_or_transferred": "extradited",
}
SEVERITY = ("killed", "captured", "extradited")
NOT_FORCED = {
    "split": "not forced: splits are compared with the model's own fragmentation",
    "alliance": "not applied: alliances and rivalries stay as in 2007 in today's engines",
    "rivalry": "not applied: alliances and rivalries stay as in 2007 in today's engines",
    "leader_escaped": "not applied: no intervention returns a leader",
    "us_measure": "not applied: U.S. measures act only with territory on (us_levers.csv)",
    "mx_measure": "not applied: measures are not translated into interventions",
}
APPLIED = "applied"
# With territory on, a U.S. measure that starts or ends no lever of us_levers.csv.
NO_LEVER = "not applied: starts or ends no U.S. lever of us_levers.csv (territory on)"

Runner = Callable[[Scenario, Progress | None], xr.Dataset]


@dataclasses.dataclass(frozen=True)
class EventUse:
    """How the replay used one event of the timeline.

    Attributes:
        event: the event.
        status: "applied", "applied to the largest group of the <founder> lineage" (a group
            first seen after 2007), "applied with <founder>'s removal of the same week",
            "dropped" (left out of a counterfactual) or "not applied: why" /
            "not forced: why".
        intervention: 1-based number of the scenario intervention that carries it (0: none).
        dropped: the event was chosen to be left out (a counterfactual history), whether or
            not it acts in the replay.
    """

    event: Event
    status: str
    intervention: int = 0
    dropped: bool = False
    lineage: str = ""  # the group of 2007 whose lineage the removal acts on ("": none)

    @property
    def acts(self) -> bool:
        """True if the event changes the replay (an applied removal, or with territory on
        a U.S. measure that starts or ends a lever)."""
        return self.status.startswith(APPLIED)


@dataclasses.dataclass(frozen=True)
class ReplaySetup:
    """A replay scenario and how each event was used in it."""

    scenario: Scenario
    uses: tuple[EventUse, ...]


def replay_weeks(start: dt.date = REPLAY_START, end: dt.date = REPLAY_END) -> int:
    """Whole weeks from `start` to `end` (the replay has weeks + 1 dates)."""
    return (end - start).days // 7


def build_replay(
    events: Sequence[Event],
    *,
    runs: int,
    seed: int,
    engine: str = "stochastic",
    fragmentation: str = "open",
    dropped: Iterable[Event] = (),
    parameters: Mapping[str, float] | None = None,
    name: str = "history-replay",
    data: str | None = None,
    territory: bool = False,
    record: str = "groups",
) -> ReplaySetup:
    """The replay as a `Scenario`, with the events in `dropped` left out.

    A dropped removal keeps its place in the scenario as an operation with success
    probability 0: the factual and the counterfactual history then have the same groups,
    the same weeks of change and the same random streams, and differ only by the events
    left out (paired worlds, STYLE.md 5).

    Args:
        events: the timeline (`load_events`).
        runs, seed, engine: as in a scenario's [run] table.
        fragmentation: "capped" (today's engines: one split per group) or "open" (the world
            engine: splinters split again), as in a scenario's [mechanisms] table.
        dropped: events to leave out (a counterfactual history).
        parameters: catalogue overrides, as in a scenario's [parameters] table.
        name: the scenario's name.
        data: folder with edited copies of the history files (None: the packaged ones).
        territory: switch on the 32 states (`[mechanisms] territory`, world engine only):
            the replay then carries ``state_homicides`` dated by the world of 2007 and its
            splinters (presence rules in `territory.states`), and the U.S. measures act
            as the pressure levers of ``us_levers.csv`` (`levers`; a dropped measure that
            starts or ends a lever leaves it in place with amount 0).
        record: the scenario's run.record: "groups" (every group's series), "lineages"
            (members and deaths per lineage, what the calibration reads; open only) or
            "totals".

    Raises:
        CartelsimError: invalid runs, seed, engine or parameters (one line).
        DataFileError: a malformed row of ``us_levers.csv`` (territory on).
    """
    weeks = replay_weeks()
    groups = history_groups(data)
    founders = {g.id for g in groups if g.active_in(START_YEAR)}
    first_seen = {g.id: g.first_seen for g in groups}
    founder_of = _founders(groups, founders)
    drop = set(dropped)
    start = pd.Timestamp(REPLAY_START)
    end = pd.Timestamp(REPLAY_START) + pd.Timedelta(weeks=weeks)
    operations: dict[tuple[int, str], list[Event]] = {}  # (week, group or "lineage:<id>")
    status: dict[Event, str] = {}
    lineage: dict[Event, str] = {}
    for event in events:
        moment = pd.Timestamp(event.date)
        week = int(round((moment - start).days / 7))  # as the intervention plan rounds
        if event.kind not in REMOVAL_KIND:
            status[event] = NOT_FORCED[event.kind]
        elif not start <= moment < end:
            status[event] = f"not applied: outside the replay ({REPLAY_START} to {end.date()})"
        elif event.group in founders:
            operations.setdefault((week, event.group), []).append(event)
            lineage[event] = event.group
        elif fragmentation == "open" and event.group in founder_of:
            lineage[event] = founder_of[event.group]
            operations.setdefault((week, f"lineage:{founder_of[event.group]}"),
                                  []).append(event)
        else:
            seen = first_seen.get(event.group)
            since = f", first seen {seen}" if seen else ""
            why = ("the capped engines know no lineages" if event.group in founder_of
                   else "splits are not forced")
            status[event] = (f"not applied: {event.group} is not a group of the world of "
                             f"{START_YEAR}{since}; {why}, so it has no members")
    for (week, key) in sorted(k for k in operations if k[1].startswith("lineage:")):
        founder = key.split(":", 1)[1]
        if (week, founder) in operations:  # the founder's own operation that week
            operations[(week, founder)].extend(operations.pop((week, key)))
    interventions = []
    number: dict[Event, int] = {}
    for (_, key), members in sorted(operations.items()):
        interventions.append(_operation(key, members, drop))
        for event in members:
            number[event] = len(interventions)
            status[event] = "dropped" if event in drop else _applied(event, key)
    if territory:
        for lever in load_us_levers(data):
            interventions.append(_lever(lever, events, drop, end.date()))
            for event in _lever_events(lever, events):
                number[event] = len(interventions)
                status[event] = ("dropped" if event in drop else
                                 f"{APPLIED} as {lever.lever} {lever.span(end.date())} "
                                 "(territory on)")
        for event in events:
            if event.kind == "us_measure" and event not in number:
                status[event] = NO_LEVER
    scenario = parse_scenario(
        {
            "name": name,
            "description": (f"The world of {START_YEAR} replayed to {end.date()} with the "
                            "timeline's leader removals"
                            + (" and U.S. pressure levers" if territory else "")
                            + (f", without {len(drop)} chosen events" if drop else "")),
            "system": {"name": SYSTEM, **({"data": data} if data else {})},
            "horizon": {"start": REPLAY_START, "weeks": weeks},
            "run": {"engine": engine, "runs": runs, "seed": seed, "initial": "sizes",
                    "record": record},
            "mechanisms": {"fragmentation": fragmentation,
                           **({"territory": True} if territory else {})},
            "defaults": "catalogue",  # the posterior's values come in `parameters` (draws.py)
            "parameters": dict(parameters or {}),
            "interventions": interventions,
        },
        source=SOURCE,
    )
    uses = tuple(EventUse(e, status[e], number.get(e, 0), e in drop,
                          lineage.get(e, "") if e in number else "") for e in events)
    return ReplaySetup(scenario, uses)


def _founders(groups: Sequence[HistoryGroup], founders: set[str]) -> dict[str, str]:
    """The group of 2007 each later group descends from (``parent_id`` followed back);
    groups whose chain does not reach one are left out."""
    parent = {g.id: g.parent_id for g in groups}
    found: dict[str, str] = {}
    for group in parent:
        seen, at = set(), group
        while at and at not in founders and at not in seen:
            seen.add(at)
            at = parent.get(at, "")
        if at in founders and group not in founders:
            found[group] = at
    return found


def _applied(event: Event, key: str) -> str:
    """The status of an applied removal on operation `key` (a group or "lineage:<id>")."""
    if key.startswith("lineage:"):
        return f"{APPLIED} to the largest group of the {key.split(':', 1)[1]} lineage"
    if event.group != key:
        return f"{APPLIED} with {key}'s removal of the same week"
    return APPLIED


def _operation(key: str, events: list[Event], drop: set[Event]) -> dict:
    """One remove_leader intervention for a group's removals in one week; key is the
    group, or "lineage:<id>" for the largest group of that lineage."""
    kept = [e for e in events if e not in drop]
    chosen = kept or events
    kind = min((REMOVAL_KIND[e.kind] for e in chosen), key=SEVERITY.index)
    people = "; ".join(e.person for e in chosen)
    label = f"{people} ({kind})" if kept else f"dropped: {people}"
    return {
        "action": "remove_leader",
        "kind": kind,
        "succession": "uncertain",
        "effect": 1.0 if kept else 0.0,
        "start": min(e.date for e in events),
        "target": ({"largest": 1, "lineage": key.split(":", 1)[1]}
                   if key.startswith("lineage:") else {"groups": [key]}),
        "label": label,
    }


def _lever_events(lever: UsLever, events: Sequence[Event]) -> list[Event]:
    """The timeline's U.S. measures that start or end `lever` (matched by date)."""
    dates = {lever.start, lever.end}
    return [e for e in events if e.kind == "us_measure" and e.date in dates]


def _lever(lever: UsLever, events: Sequence[Event], drop: set[Event],
           replay_end: dt.date) -> dict:
    """The intervention of one U.S. lever. A lever whose starting or ending measure is
    dropped keeps its place with amount 0, as a dropped removal keeps its operation with
    effect 0: the factual and counterfactual histories then have the same interventions and
    random streams (paired worlds, STYLE.md 5)."""
    dropped = any(e in drop for e in _lever_events(lever, events))
    span = lever.span(replay_end)
    item = {
        "action": lever.lever,
        "effect": 0.0 if dropped else lever.amount,
        "start": lever.start,
        "label": (f"dropped: {lever.lever} {span}" if dropped
                  else f"{lever.lever} {span} (u {lever.amount:g})"),
    }
    if lever.end is not None:
        item["end"] = lever.end
    return item


def run_replay(setup: ReplaySetup, progress: Progress | None = None,
               runner: Runner = run_scenario) -> xr.Dataset:
    """Run a replay scenario and add the observed series (`observation`).

    `runner` runs a scenario (default `run_scenario`); an engine that is not chosen through
    the scenario can be passed here.
    """
    ds = runner(setup.scenario, progress)
    return add_observed_series(ds, setup.scenario.params())
