"""The U.S. side of a route: where the drugs go after the crossing.

Loads that cross go on to the U.S. demand regions of ``data/territory/us_markets.csv``: the
four census regions, each reached at its largest metro (the hub). Each drug's loads are
bound for the regions in proportion to that drug's demand there (``us_demand.csv``: fentanyl
by overdose deaths involving synthetic opioids, 2023; methamphetamine and cocaine by past-year
users, NSDUH 2018-2019; no regional consumption in tonnes was found, so these counts stand in
for it). The road from a crossing to a hub is great-circle distance x
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
from cartelsim.system.csvtable import claim_once, parse_number, read_table
from cartelsim.territory.market import DRUGS
from cartelsim.territory.network import CorridorNetwork, great_circle_km

MARKETS_FILE = "us_markets.csv"
DEMAND_FILE = "us_demand.csv"
DEMAND_COLUMNS = ("region", "drug", "count", "measure", "year", "source_url")
MARKET_COLUMNS = ("region", "hub", "lat", "lon", "population", "year", "source_url", "notes")
# the continental United States, with a margin: a coordinate outside is a typo
US_LAT, US_LON = (24.0, 50.0), (-125.0, -66.0)


@dataclass(frozen=True)
class Markets:
    """U.S. demand regions: hub coordinates, each region's share of the population and of
    each drug's demand."""

    regions: tuple[str, ...]
    hubs: tuple[str, ...]
    lat: np.ndarray
    lon: np.ndarray
    share: np.ndarray  # of the population; sums to 1
    demand: np.ndarray  # [drug (market.DRUGS), region]; each row sums to 1

    def onward_km(self, network: CorridorNetwork) -> np.ndarray:
        """Road km from each crossing (order of `network.crossings`) to each hub."""
        crossings = list(network.crossings)
        straight = great_circle_km(network.lat[crossings][:, None],
                                   network.lon[crossings][:, None],
                                   self.lat[None, :], self.lon[None, :])
        return np.asarray(straight) * network.detour


def load_markets(path: str | Path | None = None, demand: str | Path | None = None) -> Markets:
    """Read us_markets.csv and us_demand.csv (default: the packaged copies; `demand` defaults
    to the us_demand.csv beside `path`); one-line errors naming the file and line."""
    if path is None:
        packaged = resources.files("cartelsim") / "data" / "territory"
        with resources.as_file(packaged / MARKETS_FILE) as markets, \
                resources.as_file(packaged / DEMAND_FILE) as shipped:
            return _read(Path(markets), Path(demand) if demand else Path(shipped))
    return _read(Path(path), Path(demand) if demand else Path(path).with_name(DEMAND_FILE))


def _read_demand(path: Path, regions: tuple[str, ...]) -> np.ndarray:
    """Counts per drug and region, each drug's row normalised to shares."""
    counts = np.full((len(DRUGS), len(regions)), np.nan)
    seen: dict[tuple[str, str], int] = {}
    for row in read_table(path, DEMAND_COLUMNS):
        region, drug = row.text("region"), row.text("drug")
        if region not in regions:
            raise DataFileError(path, f"region {region!r}: expected one of "
                                + ", ".join(regions) + f" ({MARKETS_FILE})", row.line)
        if drug not in DRUGS:
            raise DataFileError(path, f"drug {drug!r}: expected one of " + ", ".join(DRUGS),
                                row.line)
        claim_once(path, row, seen, (region, drug), "region and drug", "one row each")
        if not row.text("source_url").startswith(("http://", "https://")):
            raise DataFileError(path, "source_url: expected an http(s) URL", row.line)
        counts[DRUGS.index(drug), regions.index(region)] = parse_number(
            path, row, "count", 0.0, 1e9)
    for d, drug in enumerate(DRUGS):
        missing = [r for r, value in zip(regions, counts[d], strict=True) if np.isnan(value)]
        if missing:
            raise DataFileError(path, f"no {drug} row for {', '.join(missing)}: expected one "
                                "row per region and drug")
        if not counts[d].sum() > 0:
            raise DataFileError(path, f"{drug}: every count is 0; expected a positive total")
    return counts / counts.sum(axis=1, keepdims=True)


def _read(path: Path, demand_path: Path) -> Markets:
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
                   lon=np.asarray(lon), share=people / people.sum(),
                   demand=_read_demand(demand_path, tuple(regions)))
