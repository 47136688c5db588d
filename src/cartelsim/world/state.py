"""Per-run arrays of the world step: the state [run, group] and the records [run, time, ...].

The group axis is a capacity: base groups first (the System's order), then the splinters
of each run in the order they were born. Runs use their own first `n_used[run]` columns, so
the axis is as long as the busiest run needs; it grows by doubling between compiled calls
(`grow`). The step loops over each run's live groups only, so the capacity never changes a
number: a run computes the same with any capacity (tests check this bit for bit).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from cartelsim.engines.kernels import STATUS_OK

# Value a new group column starts with, per state array (the column is unused until a split).
_STATE_FILL = {"members": 0.0, "integrity": 1.0, "contested": False, "alliance": 0.0,
               "root": -1, "parent": -1, "birth": -1, "end": -1, "live": -1,
               "hist_net": 0.0, "hist_comps": 0.0, "prev_coef": 1.0, "money": 0.0,
               "protection": 0.0, "local": False}


@dataclass
class WorldState:
    """Everything a run carries from one week to the next (shapes in comments)."""

    members: np.ndarray  # [run, cap] float
    integrity: np.ndarray  # [run, cap] command integrity L
    contested: np.ndarray  # [run, cap] bool: succession contested
    alliance: np.ndarray  # [run, cap] alliance strength s^A (inherited for splinters)
    root: np.ndarray  # [run, cap] int64: base group of the lineage (-1: no group)
    parent: np.ndarray  # [run, cap] int64: group it split from (-1: base group)
    birth: np.ndarray  # [run, cap] int64: week of the split (0: base group, -1: none)
    end: np.ndarray  # [run, cap] int64: date index at which it ended (-1: not ended)
    live: np.ndarray  # [run, cap] int64: live groups in increasing order, n_live of them
    n_live: np.ndarray  # [run] int64
    n_used: np.ndarray  # [run] int64: groups that ever existed
    week: np.ndarray  # [run] int64: next week to simulate
    status: np.ndarray  # [run] int64: engines' status codes, step.STATUS_*
    need: np.ndarray  # [run] int64: capacity a paused run waits for
    resolved: np.ndarray  # [run, item, N] int64: targets of lasting 'N largest' actions
    keys_demo: np.ndarray  # [run] uint64 stream keys (see rng)
    keys_events: np.ndarray  # [run] uint64
    keys_sweep: np.ndarray  # [run] uint64
    hist_net: np.ndarray  # [run, 4, cap] multistep memory (deterministic)
    hist_comps: np.ndarray  # [run, 4, 4, cap or 0]
    hist_sums: np.ndarray  # [run, 4, 5]
    since: np.ndarray  # [run] int64 weeks since the multistep rule restarted
    prev_coef: np.ndarray  # [run, 3, cap] last week's multipliers (restart test); a new
    # column starts at 1, as a calm week leaves every live group (step's rates sub-step)
    prev_eta: np.ndarray  # [run] last week's eta (-1: none)
    jumped: np.ndarray  # [run] bool: members jumped since the last week (restart)
    phase: np.ndarray  # [run] int64: 1 = resume a paused week at its splits
    money: np.ndarray  # [run, cap] US$ million (L2 money; unused when switched off)
    protection: np.ndarray  # [run, cap] political protection P in [0, 1]
    was_calm: np.ndarray  # [run] bool: last week's multipliers were all 1 (see step)
    intact: np.ndarray  # [run] bool: every live group at integrity 1, none contested
    held: np.ndarray  # [run, row] bool: the row's condition held this week (see step)
    fired: np.ndarray  # [run, row] bool: a conditional one-off without every_weeks happened
    local: np.ndarray  # [run, cap] bool: a group that entered, or a splinter of one (its
    # own lineage fights it at entrant_rivalry, engines.lineage.kin_rivalry)

    @classmethod
    def start(cls, members0: np.ndarray, alliance: np.ndarray, capacity: int, keep: bool,
              keys: tuple[np.ndarray, np.ndarray, np.ndarray], items: int,
              most_largest: int, money0: np.ndarray | None = None,
              protection0: np.ndarray | None = None) -> WorldState:
        runs, n = members0.shape
        if capacity < n:
            raise ValueError(f"capacity {capacity} below the {n} base groups")
        state = cls(
            members=np.zeros((runs, capacity)), integrity=np.ones((runs, capacity)),
            contested=np.zeros((runs, capacity), dtype=np.bool_),
            alliance=np.zeros((runs, capacity)), root=np.full((runs, capacity), -1),
            parent=np.full((runs, capacity), -1), birth=np.full((runs, capacity), -1),
            end=np.full((runs, capacity), -1), live=np.full((runs, capacity), -1),
            n_live=np.full(runs, n, dtype=np.int64), n_used=np.full(runs, n, dtype=np.int64),
            week=np.zeros(runs, dtype=np.int64), status=np.full(runs, STATUS_OK),
            need=np.zeros(runs, dtype=np.int64),
            resolved=np.full((runs, items, max(most_largest, 1)), -1, dtype=np.int64),
            keys_demo=keys[0], keys_events=keys[1], keys_sweep=keys[2],
            hist_net=np.zeros((runs, 4, capacity)),
            hist_comps=np.zeros((runs, 4, 4, capacity if keep else 0)),
            hist_sums=np.zeros((runs, 4, 5)), since=np.zeros(runs, dtype=np.int64),
            prev_coef=np.ones((runs, 3, capacity)), prev_eta=np.full(runs, -1.0),
            jumped=np.zeros(runs, dtype=np.bool_), phase=np.zeros(runs, dtype=np.int64),
            money=np.zeros((runs, capacity)), protection=np.zeros((runs, capacity)),
            was_calm=np.zeros(runs, dtype=np.bool_), intact=np.ones(runs, dtype=np.bool_),
            held=np.zeros((runs, items), dtype=np.bool_),
            fired=np.zeros((runs, items), dtype=np.bool_),
            local=np.zeros((runs, capacity), dtype=np.bool_),
        )
        if money0 is not None:
            state.money[:, :n] = money0
        if protection0 is not None:
            state.protection[:, :n] = protection0
        state.members[:, :n] = members0
        state.alliance[:, :n] = alliance
        state.root[:, :n] = np.arange(n)
        state.birth[:, :n] = 0
        state.live[:, :n] = np.arange(n)
        return state

    @property
    def capacity(self) -> int:
        return self.members.shape[1]

    def grow(self, capacity: int) -> None:
        """Widen every group axis to `capacity` (new columns hold no group)."""
        for name, fill in _STATE_FILL.items():
            array = getattr(self, name)
            if array.shape[-1] == 0:  # per-group memory not kept
                continue
            setattr(self, name, widen(array, capacity, fill))

    def as_tuple(self) -> tuple[np.ndarray, ...]:
        return tuple(getattr(self, f.name) for f in fields(self))


@dataclass
class WorldRecord:
    """What the step writes for the results; per-group arrays are empty without `keep`."""

    totals: np.ndarray  # [run, time, 5]: members, recruits, arrests, deaths, exits
    active: np.ndarray  # [run, time] int64
    members: np.ndarray  # [run, time, cap]
    flows: np.ndarray  # [run, time, 4, cap]
    integrity: np.ndarray  # [run, time, cap] (NaN where the group does not exist)
    transfers: np.ndarray  # [run, time, cap]: members moved by splits in the week to the date
    hvt: np.ndarray  # [run, time]: successful leader removals at the date
    splits: np.ndarray  # [run, time]: groups that split at the date
    money: np.ndarray  # [run, time, cap] (empty unless kept and money or protection is on)
    protection: np.ndarray  # [run, time, cap]
    seizures: np.ndarray  # [run, time]: money frozen over the week ending at the date
    state_deaths: np.ndarray  # [run, time, state] (empty unless territory is on)
    drug_north: np.ndarray  # [run, time, drug, crossing] tonnes that crossed (territory on)
    drug_seized: np.ndarray  # [run, time, drug, crossing] tonnes seized at the crossings
    us_pressure_state: np.ndarray  # [run, time] U.S. pressure's feedback state (territory)
    lineages: np.ndarray  # [run, time, 2, base group]: members and deaths of each lineage
    # (record = "lineages": what the record's summaries need, without per-group series)

    @classmethod
    def start(cls, state: WorldState, weeks: int, keep: bool,
              finance: bool = False, states: int = 0, crossings: int = 0, drugs: int = 0,
              lineages: int = 0) -> WorldRecord:
        runs, cap = state.members.shape
        times = weeks + 1
        width = cap if keep else 0
        lead = (runs, times) if keep else (0, 0)
        record = cls(
            totals=np.empty((runs, times, 5)), active=np.empty((runs, times), dtype=np.int64),
            members=np.zeros((*lead, width)), flows=np.zeros((*lead, 4, width)),
            integrity=np.full((*lead, width), np.nan), transfers=np.zeros((*lead, width)),
            hvt=np.zeros((runs, times)), splits=np.zeros((runs, times)),
            money=np.full((*lead, width) if finance else (0, 0, 0), np.nan),
            protection=np.full((*lead, width) if finance else (0, 0, 0), np.nan),
            seizures=np.zeros((runs, times)),
            state_deaths=np.zeros((runs, times, states) if states else (0, 0, 0)),
            drug_north=np.zeros((runs, times, drugs, crossings) if states else (0, 0, 0, 0)),
            drug_seized=np.zeros((runs, times, drugs, crossings) if states else (0, 0, 0, 0)),
            us_pressure_state=np.zeros((runs, times) if states else (0, 0)),
            lineages=np.zeros((runs, times, 2, lineages) if lineages else (0, 0, 2, 0)),
        )
        base = state.members[:, :int(state.n_used.max())]  # sums as the other engines do
        record.totals[:, 0, 0] = base.sum(axis=1)
        record.totals[:, 0, 1:] = np.nan
        record.active[:, 0] = (state.members >= 1.0).sum(axis=1)
        if keep:
            record.members[:, 0] = state.members
            record.flows[:, 0] = np.nan
        if lineages:  # at the start every lineage is its base group
            record.lineages[:, 0, 0] = state.members[:, :lineages]
            record.lineages[:, 0, 1] = np.nan
        return record

    def grow(self, capacity: int) -> None:
        if self.members.shape[0] == 0:
            return
        self.members = widen(self.members, capacity, 0.0)
        self.flows = widen(self.flows, capacity, 0.0)
        self.flows[:, 0, :, :] = np.nan
        self.integrity = widen(self.integrity, capacity, np.nan)
        self.transfers = widen(self.transfers, capacity, 0.0)
        if self.money.shape[0]:
            self.money = widen(self.money, capacity, np.nan)
            self.protection = widen(self.protection, capacity, np.nan)

    def as_tuple(self) -> tuple[np.ndarray, ...]:
        return (self.totals, self.active, self.members, self.flows, self.integrity,
                self.transfers, self.hvt, self.splits, self.money, self.protection,
                self.seizures, self.lineages)


def widen(array: np.ndarray, capacity: int, fill: object) -> np.ndarray:
    """A copy of `array` with its last axis extended to `capacity`, new cells = fill."""
    wider = np.full((*array.shape[:-1], capacity), fill, dtype=array.dtype)
    wider[..., :array.shape[-1]] = array
    return wider
