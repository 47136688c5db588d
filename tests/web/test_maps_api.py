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
    assert wait_for(client, job["id"], timeout=600)["state"] == "done"  # a guard, not a speed test
    maps = client.get(f"/api/runs/{job['id']}/results").json()["maps"]
    assert set(maps) == {"control"}  # no state homicides in today's results: no change map
    states = [t for t in maps["control"]["data"] if t.get("name") in CODES]
    assert len(states) == 32 and "at the end" in maps["control"]["layout"]["title"]["text"]


def test_results_with_state_homicides_get_a_change_map_hatched_where_it_straddles_zero() -> None:
    from cartelsim.web.maps import result_maps

    from .maps_support import synthetic_paired

    maps = result_maps(synthetic_paired())
    assert set(maps) == {"control", "change", "flows"}
    traces = {t["name"]: t for t in maps["change"]["data"] if t.get("name") in CODES}
    hatched = {code for code, t in traces.items() if t.get("fillpattern", {}).get("shape")}
    assert "25" in hatched and "14" not in hatched  # Sinaloa straddles 0, Jalisco does not
    scale = next(t for t in maps["change"]["data"] if t.get("name") == "scale")
    assert scale["marker"]["cmid"] == 0.0
    ports = next(t for t in maps["flows"]["data"] if t.get("mode") == "markers+text")
    assert len(ports["text"]) == 8 and ports["text"][0].endswith(" 1 t")


def test_a_slice_keeps_the_last_year_of_state_homicides_and_flows_per_run() -> None:
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
    ds["flow_north"] = (("run", "time", "crossing"), np.ones((2, weeks, 1)))
    kept = _reduce(ds)
    assert kept["state_recent"].dims == ("run", "state")
    assert float(kept["state_recent"].isel(state=0).max()) == 3.0
    assert kept["flow_recent"].dims == ("run", "crossing")
