"""A synthetic paired result shaped as issue 14's contract, for the dashboard's map tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from cartelsim.territory.network import load_network
from cartelsim.web.paired import PairedResult

CODES = [f"{k:02d}" for k in range(1, 33)]


def synthetic_paired(runs: int = 10) -> PairedResult:
    """Jalisco higher in every world, Sinaloa straddling 0, one CJNG group in Jalisco, 1 t a
    week at every crossing."""
    base = xr.DataArray(np.full((runs, 32), 5.0), dims=("run", "state"), coords={"state": CODES})
    policy = base.copy()
    policy[:, CODES.index("14")] += 1.0
    policy[:, CODES.index("25")] += np.linspace(-1, 1, runs)
    members = xr.DataArray(np.full((runs, 2, 1), 100.0), dims=("run", "moment", "group"),
                           coords={"moment": ["start", "end"], "group": ["cjng"],
                                   "home_state": ("group", ["14"])})
    national = xr.Dataset(coords={"time": pd.date_range("2026-01-01", periods=3, freq="7D")})
    network = load_network()
    crossings = [network.node_ids[i] for i in network.crossings]
    tonnes = xr.DataArray(np.ones((runs, len(crossings))), dims=("run", "crossing"),
                          coords={"crossing": crossings})
    return PairedResult(None,  # type: ignore[arg-type]  # the maps read no scenario
                        {"status-quo": national, "policy": national},
                        {"status-quo": members, "policy": members}, pd.DataFrame(),
                        {"status-quo": base, "policy": policy},
                        {"status-quo": tonnes, "policy": tonnes})
