"""Where each group is: its share of members in each of the 32 states (DESIGN.md §2 L5).

The world step allocates a group's conflict deaths to states through this presence matrix
(`territory.kernel`), so the rules that fill it are stated here, once:

* a group is present in its **home state** (an INEGI code, or a state name as BACRIM gives
  it, matched to ``states.csv``);
* a named group of the embedded data is also present in the states of its
  ``other_states_present`` column (major_groups.csv), each holding
  ``territory_presence_other`` times the weight of the home state;
* a group of the world of 2007 (system "history2007") takes the list of the embedded group
  its ``embedded_id`` names (history groups.csv: Sinaloa -> cds, Gulf -> cdg, Juárez ->
  juarez_la_linea, Tijuana -> caf_tijuana), with the same weight. The lists are of 2025:
  no dated list of states for 2007-2018 was found, so this is anachronistic, and said so
  (VALIDATION.md); groups without an embedded twin have no list;
* the synthetic tail and the groups of BACRIM have no list of other states: they are
  present in their home state only (the tail's home states are drawn by population, see
  `system.embedded`);
* then a share ``territory_presence_spread`` of every row is spread over the 32 states by
  population (cells, allies and retail where no list names the group; 0 by default, fitted
  by `cartelsim calibrate territory`);
* a home state that matches no state (a typo in a user's file) spreads the group over the
  32 states by population;
* a splinter is where its lineage's base group is (the step reads the row of its root), the
  rule rivalry already follows.

Rows sum to 1: presence[g, s] is the share of group g's members in state s.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cartelsim.params.catalogue import Params
from cartelsim.system.csvtable import read_data_file, read_table
from cartelsim.system.embedded import states_table
from cartelsim.system.model import System

GROUPS_FILE = "major_groups.csv"


@dataclass(frozen=True)
class StateLayout:
    """The 32 states and the presence of each base group in them.

    `codes` are INEGI codes "01".."32"; `population` people (2020 census, states.csv);
    `presence` [group, state] shares (rows sum to 1); `ptr`/`cols` the non-zero cells of
    each row (CSR, so the step loops over a group's states only); `rival_pairs` [state]
    how many pairs of rival groups are both present (a state is contested if > 0).
    """

    codes: tuple[str, ...]
    names: tuple[str, ...]
    population: np.ndarray
    presence: np.ndarray
    ptr: np.ndarray
    cols: np.ndarray
    rival_pairs: np.ndarray  # [state] pairs of rival groups both present (contested states)

    @property
    def n_states(self) -> int:
        return len(self.codes)

    @property
    def population_share(self) -> np.ndarray:
        return self.population / self.population.sum()


def _plain(text: str) -> str:
    """Lower case without accents, for matching state names."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def state_index(label: str, codes: tuple[str, ...], names: tuple[str, ...]) -> int:
    """Index of a state given as an INEGI code or a name ("Coahuila" matches "Coahuila de
    Zaragoza", "Estado de México" matches "México"); -1 if none matches."""
    label = label.strip()
    if label in codes:
        return codes.index(label)
    plain = _plain(label)
    if plain.startswith("estado de "):
        plain = plain[len("estado de "):]
    plains = [_plain(n) for n in names]
    if plain in plains:
        return plains.index(plain)
    starts = [k for k, n in enumerate(plains) if n.startswith(plain + " ")]
    return starts[0] if len(starts) == 1 else -1


def _other_states(directory: str | Path | None) -> dict[str, tuple[str, ...]]:
    """Group id -> other states with reported presence (major_groups.csv)."""
    def read(path: Path) -> dict[str, tuple[str, ...]]:
        rows = read_table(path, ("id", "other_states_present"))
        return {row.text("id"): tuple(c for c in row.text("other_states_present").split(";")
                                      if c.strip()) for row in rows}
    return read_data_file("embedded", directory, GROUPS_FILE, read)


def _history_lists(directory: str | Path | None) -> dict[str, tuple[str, ...]]:
    """History group id -> the other states of its embedded twin (groups.csv embedded_id)."""
    from cartelsim.record.world import history_groups

    lists = _other_states(directory)
    return {g.id: lists.get(g.embedded_id, ()) for g in history_groups() if g.embedded_id}


def state_layout(system: System, params: Params | None = None,
                 directory: str | Path | None = None) -> StateLayout:
    """The presence matrix of `system`'s base groups under the rules of the module docstring.

    `directory`: a folder with edited copies of the embedded files (default: the packaged
    ones); other states are read for systems named "mexico2025" and, through their
    embedded twins, "history2007".
    """
    params = params or Params.defaults()
    table = states_table(directory)
    codes = tuple(table.index)
    names = tuple(table["name"])
    population = table["population"].to_numpy(dtype=float)
    other = params["territory_presence_other"]
    lists = (_other_states(directory) if system.name == "mexico2025"
             else _history_lists(directory) if system.name == "history2007" else {})
    presence = np.zeros((system.n_groups, len(codes)))
    for g, (gid, home) in enumerate(zip(system.group_ids, system.home_states, strict=True)):
        s = state_index(str(home), codes, names)
        if s < 0:
            presence[g] = population
        else:
            presence[g, s] = 1.0
            for code in lists.get(gid, ()):
                k = state_index(code, codes, names)
                if k >= 0 and k != s:
                    presence[g, k] = other
    presence /= presence.sum(axis=1, keepdims=True)
    spread = params["territory_presence_spread"]
    if spread > 0.0:
        presence = (1.0 - spread) * presence + spread * population / population.sum()
    counts = (presence > 0).sum(axis=1)
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    cols = np.nonzero(presence)[1].astype(np.int64)
    present = (presence > 0).astype(float)
    rivals = (system.rivalry > 0).astype(float)
    pairs = np.einsum("is,is->s", present, rivals @ present) / 2.0
    return StateLayout(codes=codes, names=names, population=population, presence=presence,
                       ptr=ptr, cols=cols, rival_pairs=pairs.round().astype(np.int64))
