"""`System`: the immutable world every engine reads.

Groups are kept in the order their source lists them. Rivalry and alliance weights are
symmetric, non-negative sparse matrices with an empty diagonal (DESIGN.md §2).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp


@dataclass(frozen=True, eq=False)
class System:
    """Criminal groups and the weighted rivalry/alliance graph between them.

    Attributes:
        name: short label used in outputs and provenance ("bacrim2020", "mexico2025").
        group_ids: stable ids, one per group (shape [group]).
        group_names: display names.
        home_states: home state of each group (a name or INEGI code, as the source gives it).
        rivalry: symmetric sparse matrix W^R of rivalry weights (dimensionless intensity).
        alliance: symmetric sparse matrix W^A of alliance weights.
        synthetic: True for groups generated to fill a tail, never observed.
        parent: for splinter slots (empty groups that a split can fill during a run), the
            index of the group they split from; -1 for ordinary groups. None: no slots.
        inherited_alliance: alliance strength a splinter inherits from its parent. It counts
            in the splinter's own conflict term only, so its parent's allies are unchanged.
        national_series: yearly national totals indexed by year (homicides, missing, arrests).
        size_hint: optional known members per group (NaN where unknown), used by some
            initial-condition rules instead of the Zipf allocation.
        sources: citations for the data the system was built from.
    """

    name: str
    group_ids: tuple[str, ...]
    group_names: tuple[str, ...]
    home_states: tuple[str, ...]
    rivalry: sp.csr_array
    alliance: sp.csr_array
    synthetic: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    national_series: pd.DataFrame = field(default_factory=pd.DataFrame)
    size_hint: np.ndarray | None = None
    sources: tuple[str, ...] = ()
    parent: np.ndarray | None = None  # [group] index of the group a splinter slot splits from, -1 otherwise
    inherited_alliance: np.ndarray | None = None  # [group] alliance strength a slot inherits

    def __post_init__(self) -> None:
        n = len(self.group_ids)
        if len(set(self.group_ids)) != n:
            raise ValueError("group ids must be unique")
        if len(self.group_names) != n or len(self.home_states) != n:
            raise ValueError("group_ids, group_names and home_states must have equal length")
        for label, matrix in (("rivalry", self.rivalry), ("alliance", self.alliance)):
            if matrix.shape != (n, n):
                raise ValueError(f"{label} matrix must be {n}x{n}, got {matrix.shape}")
            if abs(matrix - matrix.T).max() if matrix.nnz else 0:
                raise ValueError(f"{label} matrix must be symmetric")
            if matrix.nnz and (matrix.data < 0).any():
                raise ValueError(f"{label} weights must be non-negative")
            if matrix.diagonal().any():
                raise ValueError(f"{label} matrix must have an empty diagonal")
        if self.synthetic.size == 0:
            object.__setattr__(self, "synthetic", np.zeros(n, dtype=bool))
        elif self.synthetic.shape != (n,):
            raise ValueError("synthetic flags must have one entry per group")

    @property
    def n_groups(self) -> int:
        return len(self.group_ids)

    @property
    def rivalry_strength(self) -> np.ndarray:
        """Sum of rivalry weights per group, s^R_i (shape [group])."""
        return np.asarray(self.rivalry.sum(axis=1)).ravel().astype(float)

    @property
    def alliance_strength(self) -> np.ndarray:
        """Sum of alliance weights per group, s^A_i (shape [group]), plus what a splinter
        slot inherits (see `inherited_alliance`)."""
        strength = np.asarray(self.alliance.sum(axis=1)).ravel().astype(float)
        if self.inherited_alliance is not None:
            strength = strength + self.inherited_alliance
        return strength

    @property
    def is_slot(self) -> np.ndarray:
        """True for splinter slots (shape [group])."""
        if self.parent is None:
            return np.zeros(self.n_groups, dtype=bool)
        return self.parent >= 0

    def strength_rank(self) -> np.ndarray:
        """Rank (0 = strongest) of each group by total strength s^R + s^A, descending.

        Ties keep the source order (a stable sort), as the published model's R code does.
        """
        total = self.rivalry_strength + self.alliance_strength
        order = np.argsort(-total, kind="stable")
        rank = np.empty(self.n_groups, dtype=np.int64)
        rank[order] = np.arange(self.n_groups)
        return rank

    def index_of(self, group: str) -> int:
        """Position of a group given its id or name; raises a helpful error otherwise."""
        from cartelsim.errors import CartelsimError
        from cartelsim.textmatch import closest

        for labels in (self.group_ids, self.group_names):
            if group in labels:
                return labels.index(group)
        lowered = [g.lower() for g in self.group_ids]
        if group.lower() in lowered:
            return lowered.index(group.lower())
        hint = closest(group, list(self.group_ids) + list(self.group_names))
        suggestion = f"; did you mean {hint!r}?" if hint else ""
        raise CartelsimError(f"unknown group {group!r} in system {self.name!r}{suggestion}")

    def describe(self) -> dict[str, object]:
        """A short summary for logs, reports and provenance."""
        return {
            "name": self.name,
            "groups": self.n_groups,
            "synthetic_groups": int(self.synthetic.sum()),
            "rivalries": int(self.rivalry.nnz // 2),
            "alliances": int(self.alliance.nnz // 2),
        }
