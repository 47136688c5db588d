"""The U.S. side of a route: where the drugs go after the crossing.

Loads that cross go on to the U.S. demand regions of ``data/territory/us_markets.csv``: the
four census regions, each reached at its largest metro (the hub), demand in proportion to
population (assumption: no regional consumption in tonnes was found; the 2020 Census
estimates are sourced). The road from a crossing to a hub is great-circle distance x
``territory_road_detour``; `corridors.route_table` adds ``territory_us_km_weight`` times it
to a route's cost, so a shipper bound for Los Angeles prefers Tijuana and one bound for
Dallas a Texas crossing, and the split over crossings follows where the demand is.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from cartelsim.errors import DataFileError
from cartelsim.system.csvtable import parse_number, read_table
from cartelsim.territory.network import CorridorNetwork, great_circle_km

MARKETS_FILE = "us_markets.csv"
MARKET_COLUMNS = ("region", "hub", "lat", "lon", "population", "year", "source_url", "notes")
# the continental United States, with a margin: a coordinate outside is a typo
US_LAT, US_LON = (24.0, 50.0), (-125.0, -66.0)


@dataclass(frozen=True)
class Markets:
    """U.S. demand regions: hub coordinates and each region's share of demand."""

    regions: tuple[str, ...]
    hubs: tuple[str, ...]
    lat: np.ndarray
    lon: np.ndarray
    share: np.ndarray  # sums to 1

    def onward_km(self, network: CorridorNetwork) -> np.ndarray:
        """Road km from each crossing (order of `network.crossings`) to each hub."""
        crossings = list(network.crossings)
        straight = great_circle_km(network.lat[crossings][:, None],
                                   network.lon[crossings][:, None],
                                   self.lat[None, :], self.lon[None, :])
        return np.asarray(straight) * network.detour


def load_markets(path: str | Path | None = None) -> Markets:
    """Read us_markets.csv (default: the packaged copy); one-line errors naming the line."""
    if path is None:
        with resources.as_file(resources.files("cartelsim") / "data" / "territory"
                               / MARKETS_FILE) as packaged:
            return _read(Path(packaged))
    return _read(Path(path))


def _read(path: Path) -> Markets:
    regions, hubs, lat, lon, population = [], [], [], [], []
    for row in read_table(path, MARKET_COLUMNS):
        region = row.text("region")
        if not region or region in regions:
            raise DataFileError(path, f"region {region!r}: expected a name given once", row.line)
        for column, low, high, into in (("lat", *US_LAT, lat), ("lon", *US_LON, lon),
                                        ("population", 1.0, 1e9, population)):
            into.append(parse_number(path, row, column, low, high))
        if not row.text("source_url").startswith(("http://", "https://")):
            raise DataFileError(path, "source_url: expected an http(s) URL", row.line)
        regions.append(region)
        hubs.append(row.text("hub") or region)
    if not regions:
        raise DataFileError(path, "no regions: expected at least one data row")
    people = np.asarray(population)
    return Markets(regions=tuple(regions), hubs=tuple(hubs), lat=np.asarray(lat),
                   lon=np.asarray(lon), share=people / people.sum())
