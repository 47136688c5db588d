"""State outlines of Mexico: the shipped TopoJSON decoded into polygons and GeoJSON.

A TopoJSON file stores each shared border once, as a quantised, delta-encoded "arc"; a state
is a list of rings, each ring a list of arc indices (a negative index ``~k`` means arc ``k``
reversed). Decoding that takes a few lines of numpy, so maps need no GIS stack (the PyPI
``topojson`` and ``geopandas`` packages both pull in shapely, and geopandas also pyproj and
pyogrio, for what is here a 56 KiB file).

The file is ``cartelsim/data/territory/mexico_states.topojson``, a copy of
``shared/data/observed/mexico_states.topojson`` (see docs/territory.md for its origin).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from cartelsim.errors import DataFileError

TOPOJSON_FILE = "mexico_states.topojson"
OBJECT_NAME = "states"
N_STATES = 32


@dataclass(frozen=True)
class StateShape:
    """One state: INEGI code ("01".."32"), name and its outer rings as (n, 2) lon/lat arrays.

    Holes are kept as separate rings in `holes`; no Mexican state outline in the file has one
    that matters at map scale, but they are decoded rather than silently dropped.
    """

    code: str
    name: str
    rings: tuple[np.ndarray, ...]
    holes: tuple[np.ndarray, ...] = ()


def _decode_arcs(topology: dict, path: Path) -> list[np.ndarray]:
    """Absolute lon/lat coordinates of every arc (undo the delta encoding and quantisation)."""
    try:
        transform = topology.get("transform")
        arcs = [np.asarray(arc, dtype=float) for arc in topology["arcs"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise DataFileError(path, f"not a TopoJSON topology with 'arcs': {exc}") from None
    if transform is None:
        return arcs
    scale = np.asarray(transform["scale"], dtype=float)
    translate = np.asarray(transform["translate"], dtype=float)
    return [np.cumsum(arc[:, :2], axis=0) * scale + translate for arc in arcs]


def _ring(indices: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    """Stitch a ring from arc indices; consecutive arcs share their joining point."""
    parts = []
    for k, index in enumerate(indices):
        arc = arcs[~index][::-1] if index < 0 else arcs[index]
        parts.append(arc if k == 0 else arc[1:])
    return np.concatenate(parts, axis=0)


def read_states(path: str | Path | None = None) -> tuple[StateShape, ...]:
    """Decode the 32 state outlines, ordered by code. `path` defaults to the packaged file."""
    if path is None:
        return _packaged_states()
    return _read(Path(path))


@cache
def _packaged_states() -> tuple[StateShape, ...]:
    resource = resources.files("cartelsim") / "data" / "territory" / TOPOJSON_FILE
    with resources.as_file(resource) as path:
        return _read(Path(path))


def _read(path: Path) -> tuple[StateShape, ...]:
    if not path.is_file():
        raise DataFileError(path, "file not found")
    try:
        topology = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataFileError(path, f"not valid JSON: {exc}") from None
    arcs = _decode_arcs(topology, path)
    try:
        geometries = topology["objects"][OBJECT_NAME]["geometries"]
    except (KeyError, TypeError):
        raise DataFileError(path, f"no object {OBJECT_NAME!r} with 'geometries'") from None
    states = []
    for number, geometry in enumerate(geometries, start=1):
        props = geometry.get("properties", {})
        code = str(props.get("state_code", ""))
        if geometry.get("type") == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry.get("type") == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            raise DataFileError(path, f"geometry {number} ({code or 'no code'}): expected a "
                                f"Polygon or MultiPolygon, got {geometry.get('type')!r}")
        try:
            outer = tuple(_ring(poly[0], arcs) for poly in polygons)
            holes = tuple(_ring(ring, arcs) for poly in polygons for ring in poly[1:])
        except (IndexError, TypeError) as exc:
            raise DataFileError(path, f"geometry {number} ({code}): bad arc index: {exc}") from None
        states.append(StateShape(code, str(props.get("name", code)), outer, holes))
    codes = sorted(s.code for s in states)
    expected = [f"{k:02d}" for k in range(1, N_STATES + 1)]
    if codes != expected:
        raise DataFileError(path, "expected one geometry per state code 01..32, found "
                            + ", ".join(codes))
    return tuple(sorted(states, key=lambda s: s.code))


def to_geojson(states: tuple[StateShape, ...] | None = None) -> dict:
    """A GeoJSON FeatureCollection (lon/lat) with ``properties.state_code`` and ``id`` = code.

    Rings are closed and outer rings wound counter-clockwise as RFC 7946 asks; Plotly's
    choropleth draws from this offline (no tiles, no downloads).
    """
    states = read_states() if states is None else states
    features = []
    for state in states:
        coordinates = [[_closed(_ccw(ring, True)).tolist()] for ring in state.rings]
        features.append({
            "type": "Feature",
            "id": state.code,
            "properties": {"state_code": state.code, "name": state.name},
            "geometry": {"type": "MultiPolygon", "coordinates": coordinates},
        })
    return {"type": "FeatureCollection", "features": features}


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def _ccw(ring: np.ndarray, counter_clockwise: bool) -> np.ndarray:
    return ring if (_signed_area(ring) > 0) == counter_clockwise else ring[::-1]


def _closed(ring: np.ndarray) -> np.ndarray:
    return ring if np.array_equal(ring[0], ring[-1]) else np.vstack([ring, ring[:1]])


def state_of_point(lon: float, lat: float,
                   states: tuple[StateShape, ...] | None = None) -> tuple[str, float]:
    """The state containing (lon, lat), or the nearest by outline vertex; and that distance in degrees.

    Distance 0.0 means inside. Coastal points (ports) often fall just outside a simplified
    outline, so the nearest state is the useful answer there.
    """
    from matplotlib.path import Path as MplPath

    states = read_states() if states is None else states
    best, best_distance = "", float("inf")
    for state in states:
        for ring in state.rings:
            if MplPath(ring).contains_point((lon, lat)):
                return state.code, 0.0
            distance = float(np.min(np.hypot(ring[:, 0] - lon, ring[:, 1] - lat)))
            if distance < best_distance:
                best, best_distance = state.code, distance
    return best, best_distance
