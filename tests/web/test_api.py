"""The dashboard's HTTP JSON API through FastAPI's TestClient: lists, runs, downloads, and
every way a request can be wrong (4xx JSON naming the field, caps, a full queue, paths)."""

from __future__ import annotations

import io
import json
import time
import tomllib
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr
from fastapi.testclient import TestClient

from cartelsim.interventions.actions import registry
from cartelsim.params.catalogue import CATALOGUE
from cartelsim.scenarios.examples import example_names, example_path, examples_dir
from cartelsim.scenarios.schema import load_scenario, parse_scenario
from cartelsim.web import WebSettings, create_app
from cartelsim.web.settings import default_scenarios_dir

from .conftest import LOCAL, tiny


def wait_for(client: TestClient, job_id: str, timeout: float = 90.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/api/runs/{job_id}").json()
        if status["state"] in ("done", "failed"):
            return status
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def assert_one_line_error(response, status: int, *fragments: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "field"}
    assert "\n" not in body["error"] and "Traceback" not in body["error"]
    for fragment in fragments:
        assert fragment in body["error"], (fragment, body["error"])
    return body


# ---------- what the page is built from ----------

def test_lists_come_from_the_catalogue_the_schema_and_the_shipped_scenarios(client) -> None:
    systems = {s["name"]: s for s in client.get("/api/systems").json()}
    assert systems["mexico2025"]["available"] is True and "bacrim2020" in systems
    shipped = example_names()
    assert len(shipped) >= 10 and default_scenarios_dir() == examples_dir()
    assert sorted(s["name"] for s in client.get("/api/scenarios").json()) == shipped
    parameters = {p["name"]: p for p in client.get("/api/parameters").json()}
    assert set(parameters) == set(CATALOGUE)
    world = parse_scenario({}).params()  # a Mexico 2025 scenario's starting values
    for name, spec in CATALOGUE.items():
        shown = parameters[name]
        assert (shown["default"], shown["catalogue"], shown["origin"], shown["unit"],
                shown["low"], shown["high"], shown["source"]) \
            == (world[name], spec.default, world.origin(name), spec.unit, spec.low, spec.high,
                spec.source)
    assert parameters["recruitment_rate"]["origin"].startswith("calibrated")
    actions = client.get("/api/interventions").json()["actions"]
    assert set(actions) == set(registry())
    assert (actions["arrest_sweep"]["low"], actions["arrest_sweep"]["high"]) == (0.0, 1.0)
    groups = client.get("/api/systems/mexico2025/groups").json()
    assert {"cjng", "cds_mayiza"} <= {g["id"] for g in groups}


@pytest.mark.parametrize("name", example_names())
def test_each_shipped_scenario_round_trips_through_the_api_as_toml(client, name: str) -> None:
    """What the page loads and sends back is the file's scenario (without its output path)."""
    body = client.get(f"/api/scenarios/{name}").json()
    assert "output" not in body and "parameters_file" not in body
    response = client.post("/api/scenario.toml", json=body)
    original = load_scenario(example_path(name))
    # needs data this server may not have: BACRIM, or a folder of its own (the server
    # refuses data paths and builds the packaged world instead)
    if body["system"]["name"] == "bacrim2020" or original.system.data is not None:
        assert response.status_code in (200, 422)
        return
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/toml")
    again = parse_scenario(tomllib.loads(response.text))
    assert again.interventions == original.interventions
    assert again.parameters == original.parameters and again.horizon == original.horizon


def test_docs_and_page_work_offline(client) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/runs", "/api/runs/{job_id}", "/api/parameters"} <= set(spec["paths"])
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/openapi.json" in docs.text and "/api/runs" in docs.text
    assert "cdn" not in docs.text.lower()
    page = client.get("/").text
    assert '<script src="/vendor/plotly.min.js">' in page and "http" not in page.split("<body>")[0]
    plotly = client.get("/vendor/plotly.min.js")
    assert plotly.status_code == 200 and len(plotly.content) > 1_000_000
    assert client.get("/static/app.js").status_code == 200


# ---------- bad requests: 4xx JSON naming the field ----------

BAD = [
    (tiny(horizn={"weeks": 10}), "unknown key 'horizn'; did you mean 'horizon'?", "horizn"),
    (tiny(run={"runs": "ten"}), "field 'run.runs'", "run.runs"),
    (tiny(run={"runs": 21}), "at most 20 runs per request", "run.runs"),
    (tiny(horizon={"weeks": 201}), "at most 200 weeks per request", "horizon.weeks"),
    (tiny(system={"name": "mexico2025", "groups": 301}), "at most 300 groups", "system.groups"),
    (tiny(system={"name": "atlantis"}), "field 'system.name'", "system.name"),
    (tiny(parameters={"incapacitation": -1.0}), "outside its bounds", "parameters"),
    (tiny(parameters={"recruitment_rat": 0.002}), "did you mean 'recruitment_rate'", "parameters"),
    (tiny(interventions=[{"action": "scale_arrests", "effect": -2}]),
     "effect of scale_arrests must be between 0 and 100", "interventions[1]"),
    (tiny(interventions=[{"action": "focus_arrests", "effect": 2,
                          "target": {"groups": ["cjgn"]}}]),
     "unknown group 'cjgn'", "interventions[1]"),
    (tiny(interventions=[{"action": "focus_arrests", "effect": 2,
                          "target": {"largest": 1, "lineage": "cjgn"}}]),
     "lineage: unknown group 'cjgn'", "interventions[1]"),
    (tiny(mechanisms={"fragmentation": "capped"},
          interventions=[{"action": "focus_arrests", "effect": 2,
                          "target": {"largest": 1, "lineage": "cjng"}}]),
     'target.lineage needs fragmentation = "open"', "interventions[1]"),
    (tiny(interventions=[{"action": "arrest_sweep", "effect": 0.1, "start": "2031-01-01"}]),
     "interventions", None),
    (tiny(horizon={"start": "9999-12-01", "weeks": 10}), "end by 2261-12-31",
     "horizon.start"),
    (tiny(horizon={"start": "0001-01-01", "weeks": 10}), "on or after 1678-01-01",
     "horizon.start"),
    (tiny(system={"name": "mexico2025", "groups": 1}), "field 'system'", "system"),
    (tiny(parameters_file="/etc/passwd"), "field 'parameters_file'", "parameters_file"),
    (tiny(parameters_file="../../calibrated.toml"), "field 'parameters_file'", "parameters_file"),
    (tiny(system={"name": "bacrim2020", "data": "/etc"}), "field 'system.data'", "system.data"),
    (tiny(output={"path": "../../../tmp/evil.nc"}), "field 'output'", "output"),
    (tiny(source="x"), "'source' is set by cartelsim", None),
]


@pytest.mark.parametrize(("body", "fragment", "field"), BAD,
                         ids=[b[1][:40] for b in BAD])
def test_bad_scenarios_are_4xx_json_naming_the_field(client, body, fragment, field) -> None:
    capped = "at most" in fragment  # caps limit runs, not writing a scenario file
    for path in ("/api/runs",) if capped else ("/api/runs", "/api/scenario.toml"):
        answer = assert_one_line_error(client.post(path, json=body), 422, fragment)
        if field is not None:
            assert answer["field"] == field
    assert client.get("/api/limits").status_code == 200  # still serving


def test_malformed_bodies_are_4xx_json(client, settings: WebSettings) -> None:
    json_header = {"content-type": "application/json"}
    assert_one_line_error(client.post("/api/runs", content=b"{oops", headers=json_header),
                          422, "not valid JSON")
    assert_one_line_error(client.post("/api/runs", json=[1, 2]), 422, "JSON object")
    assert_one_line_error(client.post("/api/runs", content=b"name=x",
                                      headers={"content-type": "text/plain"}), 422, "JSON")
    huge = json.dumps(tiny(description="x" * (settings.max_body_bytes + 1)))
    assert_one_line_error(client.post("/api/runs", content=huge, headers=json_header),
                          413, "larger than")
    assert list(settings.results_dir.iterdir()) == []  # nothing was queued or written


# ---------- a run, its progress and its downloads ----------

def test_a_paired_run_and_every_download(client, settings: WebSettings, tmp_path: Path) -> None:
    # entry off: the status quo then has no new group in CJNG's lineage (<id>_splinter
    # sums the lineage's splinters and entrants)
    submitted = client.post("/api/runs", json=tiny(parameters={"entry_rate": 0.0}))
    assert submitted.status_code == 202
    job = submitted.json()
    assert job["state"] in ("queued", "running") and len(job["id"]) == 32
    assert client.get(f"/api/runs/{job['id']}/results").status_code in (409, 200)
    status = wait_for(client, job["id"])
    assert status["state"] == "done" and status["progress"] == 1.0, status

    result = client.get(f"/api/runs/{job['id']}/results").json()
    assert result["runs"] == 3 and result["weeks"] == 30
    for var in ("homicides", "total_members", "active_groups"):
        fan = result["fans"][var]
        assert len(fan["dates"]) == 31 and len(fan["policy"]["q50"]) == 31
    members = result["fans"]["total_members"]
    assert all(lo <= mid <= hi for lo, mid, hi in zip(
        members["policy"]["q05"], members["policy"]["q50"], members["policy"]["q95"],
        strict=True))
    network = result["network"]
    assert "cjng_splinter" in [n["id"] for n in network["nodes"]]  # the split's slot
    assert len(network["start"]) == len(network["nodes"]) == len(network["end_policy"])
    variables = {row["variable"] for row in result["differences"]}
    assert {"homicides / week", "members", "active groups"} <= variables

    files = result["links"]
    downloaded = client.get(files["results.json"])
    assert downloaded.headers["content-type"] == "application/json"
    assert json.loads(downloaded.content)["id"] == job["id"]
    table = pd.read_csv(io.BytesIO(client.get(files["results.csv"]).content))
    assert sorted(table["scenario"].unique()) == ["policy", "status-quo"]
    assert table.groupby("scenario")["run"].nunique().tolist() == [3, 3]
    assert len(table) == 2 * 3 * 31
    differences = pd.read_csv(io.BytesIO(client.get(files["differences.csv"]).content))
    assert {"variable", "difference", "low", "high", "p_lower"} <= set(differences.columns)
    netcdf = tmp_path / "results.nc"
    netcdf.write_bytes(client.get(files["results.nc"]).content)
    ds = xr.load_dataset(netcdf, engine="netcdf4")
    assert dict(ds["homicides"].sizes) == {"scenario": 2, "run": 3, "time": 31}
    assert list(ds.scenario.values) == ["status-quo", "policy"]
    assert ds["members"].sel(scenario="status-quo", group="cjng_splinter").max() == 0
    scenario = client.get(files["scenario.toml"])
    assert scenario.headers["content-disposition"].startswith("attachment")
    again = parse_scenario(tomllib.loads(scenario.text))
    assert again.digest == parse_scenario(tiny(parameters={"entry_rate": 0.0})).digest


def test_a_policy_that_changes_nothing_differs_by_exactly_zero(client) -> None:
    """Common random numbers: with arrests scaled by 1 the policy's worlds are the status
    quo's worlds, so every paired difference is exactly 0 (not merely small)."""
    body = tiny(interventions=[{"action": "scale_arrests", "effect": 1, "start": "2026-03-01"}])
    job = client.post("/api/runs", json=body).json()
    assert wait_for(client, job["id"])["state"] == "done"
    rows = client.get(f"/api/runs/{job['id']}/results").json()["differences"]
    assert rows and all(r["difference"] == r["low"] == r["high"] == 0.0 for r in rows)


def test_a_full_queue_answers_429_and_the_server_keeps_serving(tmp_path: Path) -> None:
    settings = WebSettings(results_dir=tmp_path / "r", workers=1, max_queued_jobs=1,
                           max_runs=40, max_weeks=400)
    slow = tiny(run={"engine": "stochastic", "runs": 40, "seed": 1},
                horizon={"start": "2026-01-01", "weeks": 400})
    with TestClient(create_app(settings), base_url=LOCAL) as client:
        first = client.post("/api/runs", json=slow)
        second = client.post("/api/runs", json=slow)
        third = client.post("/api/runs", json=slow)
        assert (first.status_code, second.status_code) == (202, 202)
        body = assert_one_line_error(third, 429, "queued or running")
        assert third.headers["retry-after"] == "5" and body["field"] is None
        assert client.get("/api/limits").status_code == 200
        assert client.get(f"/api/runs/{second.json()['id']}").json()["state"] in (
            "queued", "running", "done")
    # leaving the client shut the app down: running jobs stop at their next progress report


def test_a_job_over_the_time_limit_fails_with_a_message(tmp_path: Path) -> None:
    settings = WebSettings(results_dir=tmp_path / "r", job_timeout_s=0.001)
    with TestClient(create_app(settings), base_url=LOCAL) as client:
        job = client.post("/api/runs", json=tiny()).json()
        status = wait_for(client, job["id"])
        assert status["state"] == "failed" and "longer than 0.001 s" in status["error"]
        assert_one_line_error(client.get(f"/api/runs/{job['id']}/results"), 409, "failed")
        assert_one_line_error(client.get(f"/api/runs/{job['id']}/files/results.csv"), 404)


# ---------- nothing outside the results folder ----------

TRAVERSALS = [
    "/api/runs/..%2F..%2F..%2Fpyproject.toml",
    "/api/runs/%2e%2e%2f%2e%2e%2fetc%2fpasswd/results",
    "/api/runs/0123456789abcdef0123456789abcdef/files/..%2F..%2F..%2Fpyproject.toml",
    "/api/runs/0123456789abcdef0123456789abcdef/files/results.csv",
    "/api/runs/0123456789ABCDEF0123456789ABCDEF",
    "/api/runs/..%2F..%2F..%2F..%2Fetc/files/results.csv",
    "/api/scenarios/..%2F..%2Fpyproject",
    "/api/scenarios/%2e%2e%2fpyproject",
    "/static/..%2F..%2F..%2F..%2Fpyproject.toml",
    "/static/%2e%2e/%2e%2e/__init__.py",
    "/api/systems/..%2F..%2Fetc/groups",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_paths_in_requests_never_reach_files(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (404, 422), (path, response.status_code)
    assert response.headers["content-type"].startswith("application/json")
    assert "[build-system]" not in response.text and "root:" not in response.text


def test_a_run_writes_only_inside_its_own_folder(client, settings: WebSettings,
                                                 tmp_path: Path) -> None:
    before = {p for p in tmp_path.rglob("*")}
    refused = client.post("/api/runs", json=tiny(name="../../escape"))
    assert refused.status_code == 422 and refused.json()["field"] == "name"
    job = client.post("/api/runs", json=tiny(description="../../escape")).json()
    assert wait_for(client, job["id"])["state"] == "done"
    created = {p for p in tmp_path.rglob("*")} - before
    root = settings.results_dir.resolve()
    assert created and all(p.resolve().is_relative_to(root / job["id"]) or p.resolve() == root
                           for p in created)
    assert sorted(p.name for p in (root / job["id"]).iterdir()) == sorted(
        ["differences.csv", "results.csv", "results.json", "results.nc", "scenario.toml"])


def test_the_openapi_body_is_the_scenario_schema_with_this_servers_caps(client) -> None:
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/api/runs"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["$ref"] == "#/components/schemas/ScenarioRequest"
    schemas = spec["components"]["schemas"]
    assert schemas["RunSection"]["properties"]["runs"]["maximum"] == 20
    assert schemas["HorizonSection"]["properties"]["weeks"]["maximum"] == 200
    assert not {"output", "parameters_file", "source"} & set(
        schemas["ScenarioRequest"]["properties"])
    standalone = client.get("/api/schema/scenario").json()
    assert standalone["properties"]["run"]["$ref"] == "#/$defs/RunSection"


def test_inputs_found_by_fuzzing_are_4xx_not_5xx(client) -> None:
    """Cases schemathesis found: a key that looks like a digit ('²') and a name that is not
    latin-1 (it ends up in a Content-Disposition header)."""
    answer = assert_one_line_error(client.post("/api/scenario.toml", json={"\u00b2": {"": 1}}),
                                   422, "unknown key '\u00b2'")
    assert answer["field"] == "\u00b2"
    named = client.post("/api/scenario.toml", json=tiny(name="椞-plan"))
    assert named.status_code == 200
    assert named.headers["content-disposition"] == 'attachment; filename="plan.toml"'
    assert 'name = "椞-plan"' in named.text


def test_bacrim_is_offered_when_the_server_has_its_files(tmp_path: Path, bacrim_dir: Path) -> None:
    settings = WebSettings(results_dir=tmp_path / "r", bacrim_dir=bacrim_dir)
    with TestClient(create_app(settings), base_url=LOCAL) as client:
        systems = {s["name"]: s for s in client.get("/api/systems").json()}
        assert systems["bacrim2020"]["available"] is True
        assert len(client.get("/api/systems/bacrim2020/groups").json()) == 150
        body = client.get("/api/scenarios/prieto2023-double-incapacitation").json()
        body["run"] = {"engine": "deterministic", "runs": 1}
        body["horizon"]["weeks"] = 20
        body["interventions"] = [{"action": "scale_arrests", "effect": 2.0, "start": "2012-03-01"}]
        job = client.post("/api/runs", json=body).json()
        assert wait_for(client, job["id"])["state"] == "done"
        result = client.get(f"/api/runs/{job['id']}/results").json()
        assert result["system"] == "bacrim2020"
        members = next(r for r in result["differences"] if r["variable"] == "members")
        assert members["difference"] < 0  # doubled arrests: fewer members after 3 months
        toml = client.get(result["links"]["scenario.toml"]).text
        assert str(bacrim_dir) not in toml  # server paths are never handed out
