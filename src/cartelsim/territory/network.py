"""The corridor network: production and entry points, hubs and U.S. ports of entry, with roads.

Read from ``cartelsim/data/territory/nodes.csv`` and ``edges.csv`` (docs/territory.md lists the
columns and sources). Every way a row can be wrong is a one-line `DataFileError` naming the
file, line and field. Road lengths are either taken from a cited page (``distance_source =
sourced``) or computed here as great-circle distance × the catalogue's ``territory_road_detour``
(``computed``; the cell is left empty in the file so the factor is stated in one place).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from cartelsim.errors import DataFileError
from cartelsim.system.csvtable import Row, parse_number, read_table
from cartelsim.territory.market import DRUGS
from cartelsim.textmatch import closest

NODES_FILE = "nodes.csv"
EDGES_FILE = "edges.csv"
NODE_COLUMNS = ("id", "name", "kind", "state_code", "lat", "lon", "us_port", "cbp_field_office",
                "drugs", "drugs_source_url", "coord_source", "source_url", "notes")
EDGE_COLUMNS = ("a", "b", "km", "distance_source", "source_url", "notes")
NODE_KINDS = ("port", "production", "border_entry", "hub", "crossing")
ORIGIN_KINDS = ("port", "production", "border_entry")
DISTANCE_SOURCES = ("sourced", "computed")
EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
# Mexico and its border, with a margin: a coordinate outside is a typo (swapped sign or axes).
LAT_RANGE = (14.0, 33.5)
LON_RANGE = (-118.5, -86.0)
MAX_ROAD_KM = 2500.0


@dataclass(frozen=True)
class CorridorNetwork:
    """Nodes and undirected road segments; arrays are aligned with `node_ids` / edge order.

    `km` holds road lengths in km (sourced ones as cited, computed ones already multiplied by
    the detour factor `detour`); `sourced[e]` says which.
    """

    node_ids: tuple[str, ...]
    names: tuple[str, ...]
    kinds: tuple[str, ...]
    state_codes: tuple[str, ...]
    lat: np.ndarray
    lon: np.ndarray
    us_ports: tuple[str, ...]
    drugs: tuple[frozenset[str], ...]  # the drugs (market.DRUGS) that leave each origin
    edges: np.ndarray  # (n_edges, 2) node indices
    km: np.ndarray
    sourced: np.ndarray  # bool
    detour: float

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        return int(self.edges.shape[0])

    def index(self, node_id: str) -> int:
        return self.node_ids.index(node_id)

    @property
    def origins(self) -> tuple[int, ...]:
        """Indices of production and entry points (ports, producing regions, southern border)."""
        return tuple(i for i, k in enumerate(self.kinds) if k in ORIGIN_KINDS)

    @property
    def crossings(self) -> tuple[int, ...]:
        """Indices of the U.S. ports of entry, in file order."""
        return tuple(i for i, k in enumerate(self.kinds) if k == "crossing")

    def edges_at(self, node: int) -> np.ndarray:
        """Indices of the segments that end at `node`."""
        return np.flatnonzero((self.edges[:, 0] == node) | (self.edges[:, 1] == node))


def great_circle_km(lat1: np.ndarray | float, lon1: np.ndarray | float,
                    lat2: np.ndarray | float, lon2: np.ndarray | float) -> np.ndarray:
    """Haversine distance in km on a sphere of the Earth's mean radius."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))


def load_network(directory: str | Path | None = None, *, detour: float | None = None,
                 state_codes: frozenset[str] | None = None) -> CorridorNetwork:
    """Read nodes.csv and edges.csv from `directory` (default: the packaged copy).

    `detour` multiplies great-circle distance for segments without a sourced length (default:
    the catalogue's ``territory_road_detour``). `state_codes` is the set of valid state codes
    (default "01".."32").
    """
    if detour is None:
        from cartelsim.params.catalogue import CATALOGUE

        detour = CATALOGUE["territory_road_detour"].default
    if not (math.isfinite(detour) and detour >= 1.0):
        raise ValueError(f"detour must be a finite factor >= 1, got {detour!r}")
    codes = state_codes or frozenset(f"{k:02d}" for k in range(1, 33))
    if directory is None:
        base = resources.files("cartelsim") / "data" / "territory"
        with resources.as_file(base / NODES_FILE) as nodes, resources.as_file(base / EDGES_FILE) as edges:
            return _load(Path(nodes), Path(edges), detour, codes)
    directory = Path(directory)
    return _load(directory / NODES_FILE, directory / EDGES_FILE, detour, codes)


def _drugs(path: Path, row: Row, kind: str) -> frozenset[str]:
    """The `drugs` cell: ';'-separated names of market.DRUGS, on origins only, with a source."""
    names = [name.strip() for name in row.text("drugs").split(";") if name.strip()]
    for name in names:
        if name not in DRUGS:
            raise DataFileError(path, f"drugs {name!r}: expected names among "
                                + ", ".join(DRUGS) + " separated by ';'", row.line)
    if names and kind not in ORIGIN_KINDS:
        raise DataFileError(path, f"drugs: only origins ({', '.join(ORIGIN_KINDS)}) send drugs "
                            f"north, not a {kind}", row.line)
    if names and not row.text("drugs_source_url").startswith(("http://", "https://")):
        raise DataFileError(path, "drugs_source_url: expected an http(s) URL for the drugs "
                            "this origin sends", row.line)
    return frozenset(names)


def _load(nodes_path: Path, edges_path: Path, detour: float,
          codes: frozenset[str]) -> CorridorNetwork:
    ids: list[str] = []
    fields: dict[str, list] = {k: [] for k in ("name", "kind", "state_code", "lat", "lon", "us_port",
                                               "drugs")}
    for row in read_table(nodes_path, NODE_COLUMNS):
        node_id = row.text("id")
        if not node_id or not node_id.replace("_", "").isalnum() or node_id != node_id.lower():
            raise DataFileError(nodes_path, f"id {node_id!r}: expected a lower-case snake_case "
                                "identifier", row.line)
        if node_id in ids:
            raise DataFileError(nodes_path, f"id {node_id!r} appears twice", row.line)
        kind = row.text("kind")
        if kind not in NODE_KINDS:
            raise DataFileError(nodes_path, f"kind {kind!r}: expected one of "
                                + ", ".join(NODE_KINDS), row.line)
        code = row.text("state_code")
        if code not in codes:
            raise DataFileError(nodes_path, f"state_code {code!r}: expected a two-digit INEGI "
                                "code 01..32", row.line)
        if kind == "crossing" and not row.text("us_port"):
            raise DataFileError(nodes_path, f"crossing {node_id!r} needs a us_port", row.line)
        if not row.text("source_url").startswith(("http://", "https://")):
            raise DataFileError(nodes_path, "source_url: expected an http(s) URL", row.line)
        fields["drugs"].append(_drugs(nodes_path, row, kind))
        ids.append(node_id)
        fields["name"].append(row.text("name") or node_id)
        fields["kind"].append(kind)
        fields["state_code"].append(code)
        fields["lat"].append(parse_number(nodes_path, row, "lat", *LAT_RANGE))
        fields["lon"].append(parse_number(nodes_path, row, "lon", *LON_RANGE))
        fields["us_port"].append(row.text("us_port"))
    lat, lon = np.asarray(fields["lat"]), np.asarray(fields["lon"])

    pairs: list[tuple[int, int]] = []
    km: list[float] = []
    sourced: list[bool] = []
    seen: set[frozenset[int]] = set()
    for row in read_table(edges_path, EDGE_COLUMNS):
        ends = []
        for column in ("a", "b"):
            name = row.text(column)
            if name not in ids:
                hint = closest(name, ids)
                suggestion = f"; did you mean {hint!r}?" if hint else ""
                raise DataFileError(edges_path, f"{column} {name!r} is not a node id in "
                                    f"{NODES_FILE}{suggestion}", row.line)
            ends.append(ids.index(name))
        if ends[0] == ends[1]:
            raise DataFileError(edges_path, f"a segment from {row.text('a')!r} to itself", row.line)
        key = frozenset(ends)
        if key in seen:
            raise DataFileError(edges_path, f"segment {row.text('a')}-{row.text('b')} appears "
                                "twice (in either direction)", row.line)
        seen.add(key)
        kind = row.text("distance_source")
        if kind not in DISTANCE_SOURCES:
            raise DataFileError(edges_path, f"distance_source {kind!r}: expected 'sourced' (km "
                                "from the cited page) or 'computed' (km left empty)", row.line)
        if not row.text("source_url").startswith(("http://", "https://")):
            raise DataFileError(edges_path, "source_url: expected an http(s) URL", row.line)
        straight = float(great_circle_km(lat[ends[0]], lon[ends[0]], lat[ends[1]], lon[ends[1]]))
        if kind == "sourced":
            if not row.text("km"):
                raise DataFileError(edges_path, "km is empty but distance_source is 'sourced'",
                                    row.line)
            length = parse_number(edges_path, row, "km", 1.0, MAX_ROAD_KM)
            if length < straight:
                raise DataFileError(edges_path, f"km {length:g} is shorter than the straight line "
                                    f"between the two nodes ({straight:.0f} km)", row.line)
        else:
            if row.text("km"):
                raise DataFileError(edges_path, "km must be empty when distance_source is "
                                    "'computed' (the length comes from the detour factor)", row.line)
            length = straight * detour
        pairs.append((ends[0], ends[1]))
        km.append(length)
        sourced.append(kind == "sourced")

    return CorridorNetwork(
        node_ids=tuple(ids), names=tuple(fields["name"]), kinds=tuple(fields["kind"]),
        state_codes=tuple(fields["state_code"]), lat=lat, lon=lon,
        us_ports=tuple(fields["us_port"]), drugs=tuple(fields["drugs"]), edges=np.asarray(pairs, dtype=np.int64).reshape(-1, 2),
        km=np.asarray(km), sourced=np.asarray(sourced, dtype=bool), detour=float(detour),
    )


@lru_cache(maxsize=1)
def packaged_network() -> CorridorNetwork:
    """The packaged network at the catalogue's detour, read once (segment names are checked
    at every scenario parse and every run's crackdowns); shared: never modified."""
    return load_network()


def segment_names(network: CorridorNetwork | None = None) -> list[str]:
    """Every road of the network as "a-b" (node ids, in edges.csv's order), the names
    `segment_index` accepts; default network: the packaged one."""
    network = network or packaged_network()
    return [f"{network.node_ids[int(i)]}-{network.node_ids[int(j)]}" for i, j in network.edges]


def segment_index(segment: str | None, network: CorridorNetwork | None = None) -> int:
    """The edge index of `segment`, "a-b" with the node ids of an edges.csv row in either
    order (default network: the packaged one); ValueError in one line naming what exists."""
    network = network or packaged_network()
    if not segment or segment.count("-") != 1:
        raise ValueError("segment_crackdown needs segment = the two node ids of an edges.csv "
                         f"row joined by '-' (e.g. monterrey-nuevo_laredo), got {segment!r}")
    ends = [name.strip() for name in segment.split("-")]
    for name in ends:
        if name not in network.node_ids:
            hint = closest(name, network.node_ids)
            raise ValueError(f"segment {segment!r}: {name!r} is not a node of nodes.csv"
                             + (f" (did you mean {hint!r}?)" if hint else ""))
    a, b = (network.index(name) for name in ends)
    for e, (i, j) in enumerate(network.edges):
        if {int(i), int(j)} == {a, b}:
            return e
    roads = sorted(name for name, (i, j) in zip(segment_names(network), network.edges,
                                                 strict=True) if a in (int(i), int(j)))
    raise ValueError(f"segment {segment!r} is not a road of edges.csv; the roads from "
                     f"{ends[0]}: {', '.join(roads)}")
