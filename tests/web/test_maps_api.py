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
