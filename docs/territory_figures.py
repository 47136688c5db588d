"""Render the territory figures in docs/figures/ (run: PYTHONPATH=src python docs/territory_figures.py).

Reads the observed state series from ../shared/data/observed (not shipped with the package).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from cartelsim.system.embedded import mexico_2025  # noqa: E402
from cartelsim.territory import (  # noqa: E402
    control_map,
    crackdown_penalties,
    least_cost_routes,
    load_network,
    route_map,
    segment_flows,
    state_map,
)
from cartelsim.territory.mapdata import embedded_presence  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OBSERVED = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "observed"
OUT = ROOT / "docs" / "figures"


def main() -> None:
    inegi = pd.read_csv(OBSERVED / "inegi_state_year.csv", dtype={"state_code": str})
    y2019 = inegi[inegi.year == 2019].set_index("state_code").homicides
    state_map(y2019, title="INEGI homicides 2019 (preliminary; only the 10 states with a sourced count)",
              cmap="Reds", label="homicides").savefig(OUT / "territory-inegi-2019.png", dpi=110)

    sesnsp = pd.read_csv(OBSERVED / "sesnsp_state_month.csv", dtype={"state_code": str})
    year = sesnsp[sesnsp.month.str.startswith("2018")]
    per_100k = (year.groupby("state_code").homicide_victims.sum()
                / year.groupby("state_code").population.mean() * 1e5)
    state_map(per_100k, title="SESNSP intentional-homicide victims 2018 per 100,000 (all 32 states)",
              cmap="Reds", label="victims per 100,000").savefig(OUT / "territory-sesnsp-2018.png", dpi=110)

    system = mexico_2025()
    control_map(embedded_presence(system), dict(zip(system.group_ids, system.group_names, strict=True)),
                title="Strongest group by state, Mexico 2025 as the model starts"
                ).savefig(OUT / "territory-control.png", dpi=110)

    network = load_network()
    route_map(network, title="Corridor network: origins, hubs and U.S. ports of entry "
              "(dashed: road length computed)").savefig(OUT / "territory-network.png", dpi=110)
    supply = np.ones(len(network.origins))
    base = segment_flows(network, least_cost_routes(network), supply)
    route_map(network, base, title="Default routing, 1 t from every origin (width ∝ tonnes); "
              "uncalibrated").savefig(OUT / "territory-flows.png", dpi=110)
    seg, cross = crackdown_penalties(network, crossings=("nuevo_laredo",))
    after = segment_flows(network, least_cost_routes(network, seg, cross), supply)
    route_map(network, after, title="Crackdown at Nuevo Laredo (crossing cost × 2): flows "
              "divert").savefig(OUT / "territory-flows-crackdown.png", dpi=110)


if __name__ == "__main__":
    main()
