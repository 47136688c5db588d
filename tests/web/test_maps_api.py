"""GET /api/maps: the maps shown before a run, as Plotly figures with one trace per state."""

from __future__ import annotations

CODES = {f"{k:02d}" for k in range(1, 33)}


def test_the_maps_of_mexico_are_plotly_figures_with_32_states(client) -> None:
    response = client.get("/api/maps")
    assert response.status_code == 200
    maps = response.json()
    assert set(maps) == {"homicides", "control"}
    for figure in maps.values():
        states = [t for t in figure["data"] if t.get("name") in CODES]
        assert {t["name"] for t in states} == CODES
        assert all(t["type"] == "scatter" and t["fill"] == "toself" for t in states)
    colima = next(t for t in maps["homicides"]["data"] if t.get("name") == "06")
    assert colima["text"].startswith("Colima (06): ")
    assert "SESNSP" in maps["homicides"]["layout"]["title"]["text"]


def test_a_finished_run_carries_its_control_map_and_no_change_without_states(client) -> None:
    from .conftest import tiny
    from .test_api import wait_for

    job = client.post("/api/runs", json=tiny()).json()
    assert wait_for(client, job["id"])["state"] == "done"
    maps = client.get(f"/api/runs/{job['id']}/results").json()["maps"]
    assert set(maps) == {"control"}  # no state homicides in today's results: no change map
    states = [t for t in maps["control"]["data"] if t.get("name") in CODES]
    assert len(states) == 32 and "at the end" in maps["control"]["layout"]["title"]["text"]


def test_results_with_state_homicides_get_a_change_map_hatched_where_it_straddles_zero() -> None:
    import numpy as np
    import pandas as pd
    import xarray as xr

    from cartelsim.web.maps import result_maps
    from cartelsim.web.paired import PairedResult

    codes = sorted(CODES)
    runs = 10
    base = xr.DataArray(np.full((runs, 32), 5.0), dims=("run", "state"), coords={"state": codes})
    policy = base.copy()
    policy[:, codes.index("14")] += 1.0  # Jalisco: higher in every world
    policy[:, codes.index("25")] += np.linspace(-1, 1, runs)  # Sinaloa: straddles 0
    members = xr.DataArray(np.full((runs, 2, 1), 100.0), dims=("run", "moment", "group"),
                           coords={"moment": ["start", "end"], "group": ["cjng"],
                                   "home_state": ("group", ["14"])})
    national = xr.Dataset(coords={"time": pd.date_range("2026-01-01", periods=3, freq="7D")})
    result = PairedResult(None, {"status-quo": national, "policy": national},  # type: ignore[arg-type]
                          {"status-quo": members, "policy": members}, pd.DataFrame(),
                          {"status-quo": base, "policy": policy})
    maps = result_maps(result)
    assert set(maps) == {"control", "change"}
    traces = {t["name"]: t for t in maps["change"]["data"] if t.get("name") in CODES}
    hatched = {code for code, t in traces.items() if t.get("fillpattern", {}).get("shape")}
    assert "25" in hatched and "14" not in hatched
    scale = next(t for t in maps["change"]["data"] if t.get("name") == "scale")
    assert scale["marker"]["cmid"] == 0.0


def test_a_slice_keeps_the_last_year_of_state_homicides_per_run() -> None:
    import numpy as np
    import xarray as xr

    from cartelsim.web.paired import STATE_WEEKS, _reduce

    weeks = STATE_WEEKS + 10
    homicides = np.zeros((2, weeks, 32))
    homicides[:, -STATE_WEEKS:, 0] = 3.0  # only the last year counts
    homicides[:, :10, 0] = 1000.0
    ds = xr.Dataset({"members": (("run", "time", "group"), np.ones((2, weeks, 1))),
                     "state_homicides": (("run", "time", "state"), homicides),
                     "status": ("run", np.zeros(2, dtype=int))},
                    coords={"week": ("time", np.arange(weeks)), "state": sorted(CODES)})
    kept = _reduce(ds)
    assert kept["state_recent"].dims == ("run", "state")
    assert float(kept["state_recent"].isel(state=0).max()) == 3.0
