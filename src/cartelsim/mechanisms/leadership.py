"""Command integrity, succession and splits (DESIGN.md §2 L2), for every run and group.

Each group has a command integrity L in [0, 1] (1 = intact):

* a leader removal multiplies L by (1 - delta), delta by kind (killed, captured,
  extradited, lieutenant); when the succession is settled only `settled_loss_factor`
  of delta is lost (EVIDENCE F6: a ready heir, no rise in violence);
* L recovers as dL/dt = lambda (1 - L), solved exactly between weeks;
* low integrity raises the group's conflict deaths, theta_i = theta (1 + kappa_c (1 - L)),
  and lowers its recruitment, rho_i = rho (1 - kappa_r (1 - L));
* while a succession is contested, the group splits with weekly hazard h_0 (1 - L)^gamma
  (if it has at least `split_min_members`): a share f of its members moves into its
  splinter slot, a strong rival (see `splinters`). The contest ends with the split, or
  when L has recovered to `succession_consolidated` (an heir has consolidated).

Random events (operation success, contested or settled, splits) draw from the 'events'
stream of each run and week, so the same seed gives the same history on any executor,
and the status quo, which has no events, keeps its draws (common random numbers).
"""

from __future__ import annotations

import numpy as np

from cartelsim.engines.streams import stream
from cartelsim.interventions.actions.leaders import removal_kind
from cartelsim.interventions.spec import InterventionSpec
from cartelsim.params.catalogue import Params

AT_REST = 1e-9  # 1 - L below this counts as intact (no weekly updates needed)
LOSS_PARAMETER = {
    "killed": "integrity_loss_killed",
    "captured": "integrity_loss_captured",
    "extradited": "integrity_loss_extradited",
    "lieutenant": "integrity_loss_lieutenant",
}


class Leadership:
    """The L2 leadership state of `runs` runs over the groups of one system."""

    def __init__(self, params: Params, runs: int, parent: np.ndarray, weeks: int,
                 seed: int, first_run: int = 0) -> None:
        groups = parent.size
        self.params = params
        self.seed = seed
        self.parent = parent
        self.slot_of = {int(p): int(s) for s, p in enumerate(parent) if p >= 0}
        self.integrity = np.ones((runs, groups))
        self.contested = np.zeros((runs, groups), dtype=bool)
        self.split_done = np.zeros((runs, groups), dtype=bool)
        # the integrity trace [run, time, group] is kept only for the groups whose
        # integrity ever left 1 (the others are 1 throughout); `trace` assembles it
        self._trace_shape = (runs, weeks + 1, groups)
        self._traced = np.zeros(0, dtype=np.int64)
        self._trace_part = np.ones((runs, weeks + 1, 0))
        self.splits = np.zeros((runs, weeks + 1))
        self.removals = np.zeros((runs, weeks + 1))
        self.week = 0
        self.first_run = first_run
        self._rngs: dict[tuple[int, int], np.random.Generator] = {}

    @property
    def trace(self) -> np.ndarray:
        """Command integrity [run, time, group] recorded so far (see `finish`)."""
        full = np.ones(self._trace_shape)
        full[:, :, self._traced] = self._trace_part
        return full

    def _track(self) -> None:
        """Keep trace columns for every group whose integrity has left 1 (before writing)."""
        moved = (self.integrity != 1.0).any(axis=0)
        moved[self._traced] = False
        if moved.any():
            new = np.flatnonzero(moved)
            runs, times, _ = self._trace_shape
            self._traced = np.concatenate([self._traced, new])
            self._trace_part = np.concatenate(
                [self._trace_part, np.ones((runs, times, new.size))], axis=2)

    def dynamic(self) -> bool:
        """True while some integrity is still recovering (weekly updates needed)."""
        return bool((1.0 - self.integrity > AT_REST).any())

    def advance_to(self, week: int) -> None:
        """Recover integrity from the last update to `week` (exact solution)."""
        if week < self.week:
            raise ValueError("leadership must be advanced forwards in time")
        if week > self.week:
            self._track()
            self._trace_part[:, self.week + 1:week] = self.integrity[:, None, self._traced]
            decay = np.exp(-self.params["integrity_recovery"] * (week - self.week))
            self.integrity = 1.0 - (1.0 - self.integrity) * decay
            self.integrity[1.0 - self.integrity <= AT_REST] = 1.0
            self.contested &= self.integrity < self.params["succession_consolidated"]
            self.week = week
            self._rngs.clear()

    def coast(self, until: int) -> tuple[np.ndarray, np.ndarray]:
        """Recover week by week up to week `until - 1` with no events, exactly as
        `advance_to(w)` and `record()` each week would, and return the groups that moved
        and their integrity [run, week, k] for weeks self.week .. until - 1 (row 0: now).

        For a plan that knows no event can happen before `until` (no contested succession,
        no pressure), so the engines can run those weeks in one call.
        """
        if self.contested.any():
            raise ValueError("a contested succession may split any week; it cannot coast")
        moving = np.flatnonzero((self.integrity != 1.0).any(axis=0))
        path = np.empty((self.integrity.shape[0], until - self.week, moving.size))
        current = self.integrity[:, moving]
        path[:, 0] = current
        decay = np.exp(-self.params["integrity_recovery"] * 1)  # as advance_to, one week
        for row in range(1, path.shape[1]):
            current = 1.0 - (1.0 - current) * decay
            current[1.0 - current <= AT_REST] = 1.0
            path[:, row] = current
        if path.shape[1] > 1:
            self.integrity[:, moving] = current
            self._track()
            column = {int(g): i for i, g in enumerate(self._traced)}
            rows = self._trace_part[:, self.week + 1:until]
            rows[:, :, [column[int(g)] for g in moving]] = path[:, 1:]
            self.week = until - 1
            self._rngs.clear()
        return moving, path

    def rng(self, run: int) -> np.random.Generator:
        """The events stream of `run` for the current week (made on first use)."""
        key = (run, self.week)
        if key not in self._rngs:
            self._rngs[key] = stream(self.seed, "events", self.first_run + run, self.week)
        return self._rngs[key]

    def remove(self, mask: np.ndarray, spec: InterventionSpec,
               exposure: np.ndarray | None = None) -> None:
        """Apply one remove_leader operation to the groups in mask [run, group].

        It succeeds with probability effect x exposure (1 - protection, see `finance`).
        """
        runs = mask.shape[0]
        delta = self.params[LOSS_PARAMETER[removal_kind(spec)]]
        clarity = spec.clarity if spec.clarity is not None else self.params["succession_clarity"]
        for r in range(runs):
            hit = np.flatnonzero(mask[r])
            if hit.size == 0:
                continue
            rng = self.rng(r)
            chance = spec.effect * (exposure[r, hit] if exposure is not None else 1.0)
            success = rng.random(hit.size) < chance
            hit = hit[success]
            if spec.succession == "contested":
                contested = np.ones(hit.size, dtype=bool)
            elif spec.succession == "settled":
                contested = np.zeros(hit.size, dtype=bool)
            else:
                contested = rng.random(hit.size) >= clarity
            loss = np.where(contested, delta, delta * self.params["settled_loss_factor"])
            self.integrity[r, hit] *= 1.0 - loss
            self.contested[r, hit] |= contested
            self.removals[r, self.week] += hit.size

    def split(self, members: np.ndarray) -> np.ndarray | None:
        """Draw this week's splits; return member transfers [run, group] or None."""
        candidates = self.contested & ~self.split_done
        if not candidates.any() or not self.slot_of:
            return None
        p = self.params
        hazard = p["split_hazard"] * (1.0 - self.integrity) ** p["split_exponent"]
        transfers = np.zeros_like(members)
        for r, g in zip(*np.nonzero(candidates), strict=True):
            if g not in self.slot_of or members[r, g] < p["split_min_members"]:
                continue
            if self.rng(int(r)).random() >= 1.0 - np.exp(-hazard[r, g]):
                continue
            slot = self.slot_of[g]
            moved = p["split_fraction"] * members[r, g]
            if float(members[r, g]).is_integer():  # integer members: move whole members
                moved = np.floor(moved)
            transfers[r, g] -= moved
            transfers[r, slot] += moved
            self.split_done[r, g] = True
            self.contested[r, g] = False
            self.integrity[r, slot] = p["splinter_integrity"]
            self.splits[r, self.week] += 1
        return transfers if transfers.any() else None

    def record(self) -> None:
        self._track()
        self._trace_part[:, self.week] = self.integrity[:, self._traced]

    def factors(self, integrity: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(theta factor, rho factor), each shaped like the integrity (default: the current
        one, [run, group])."""
        lost = 1.0 - (self.integrity if integrity is None else integrity)
        return (1.0 + self.params["conflict_sensitivity"] * lost,
                1.0 - self.params["recruitment_coordination"] * lost)

    def finish(self, times: int) -> None:
        """Fill the integrity trace after the last update to the end of the horizon, with
        the recovery those weeks would bring (no events happen after the last update)."""
        ahead = np.arange(1, times - self.week)
        if ahead.size:
            decay = np.exp(-self.params["integrity_recovery"] * ahead)[None, :, None]
            self._trace_part[:, self.week + 1:times] = \
                1.0 - (1.0 - self.integrity[:, None, self._traced]) * decay
