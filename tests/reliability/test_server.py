"""The dashboard server under attack and under load.

Fast (default run): the server binds to 127.0.0.1 unless told otherwise; result downloads
resist path traversal (encoded, doubled, backslashed, through the job id or the file name).
Long (`make reliability`): schemathesis generates requests from the app's OpenAPI schema and
none may get a 5xx; benchmarks/load_test.py holds 20 clients against a real `cartelsim serve`.
"""

from __future__ import annotations

import importlib.util
import inspect
import time
from pathlib import Path

import pytest

from .support import record

ROOT = Path(__file__).resolve().parents[2]
LONG_ONLY = pytest.mark.long  # deselected by default; `make reliability` runs it


def load_harness():
    spec = importlib.util.spec_from_file_location("load_test", ROOT / "benchmarks" / "load_test.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_serve_binds_to_loopback_by_default() -> None:
    from cartelsim.cli.serve import serve_command

    assert inspect.signature(serve_command).parameters["host"].default == "127.0.0.1"


@pytest.fixture
def served(tmp_path: Path):
    from fastapi.testclient import TestClient

    from cartelsim.web import WebSettings, create_app

    local = "http://127.0.0.1:8000"  # the server answers only to local host names
    settings = WebSettings(results_dir=tmp_path / "srv" / "results", max_runs=4, max_weeks=60,
                           max_groups=60, max_queued_jobs=2, workers=1)
    (tmp_path / "srv").mkdir()
    (tmp_path / "srv" / "outside-secret.txt").write_text("SECRET-OUTSIDE", encoding="utf-8")
    with TestClient(create_app(settings), base_url=local) as client:
        yield client


def test_downloads_resist_path_traversal(served) -> None:
    harness = load_harness()
    body = harness.body("sweep", 1, 0, 0)
    body["run"]["runs"] = 2
    response = served.post("/api/runs", json=body)
    assert response.status_code == 202, response.text
    job = response.json()["id"]
    deadline = time.monotonic() + 120
    while served.get(f"/api/runs/{job}").json()["state"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert served.get(f"/api/runs/{job}/files/scenario.toml").status_code == 200
    for template in harness.TRAVERSALS:
        url = template.format(job=job)
        got = served.get(url)
        assert got.status_code in (404, 405, 422), (url, got.status_code)
        assert "SECRET-OUTSIDE" not in got.text and "[project]" not in got.text
        assert "root:" not in got.text


@LONG_ONLY
def test_schemathesis_finds_no_server_error(tmp_path: Path) -> None:
    """Generated requests for every operation of the OpenAPI schema, valid ones and
    deliberately invalid ones: no 5xx (503, the request time limit, excepted)."""
    import schemathesis
    from hypothesis import HealthCheck, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    from cartelsim.web import WebSettings, create_app

    # schemathesis's ASGI client sends Host: testserver; allow that name (and only it)
    app = create_app(WebSettings(results_dir=tmp_path / "results", max_runs=3, max_weeks=30,
                                 max_groups=40, max_queued_jobs=2, workers=1,
                                 allowed_hosts=("testserver",)))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    tried, failures = 0, []
    strategies = [operation.ok().as_strategy(mode) for operation in schema.get_all_operations()
                  for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
    for strategy in strategies:

        @settings(max_examples=150, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @schemathesis_given(strategy)
        def check(case) -> None:
            nonlocal tried
            tried += 1
            response = case.call()
            if response.status_code >= 500 and response.status_code != 503:
                failures.append(f"{case.method} {case.formatted_path}: "
                                f"{response.status_code} {response.text[:200]}")

        try:
            check()
        except Unsatisfiable:  # nothing invalid to generate (an operation without inputs)
            continue
    record("schemathesis", cases=tried, server_errors=len(failures))
    assert not failures, failures[:5]


def schemathesis_given(strategy):
    from hypothesis import given

    return given(strategy)


@LONG_ONLY
def test_twenty_clients_for_a_minute(tmp_path: Path) -> None:
    """The load harness against a real server process: no 5xx, no transport error, results
    never mixed between requests, bounded memory, excess work refused with 429."""
    harness = load_harness()
    figures = harness.run(clients=20, duration=60, seed=1, workers=1, queued=4,
                          results_dir=tmp_path / "results")
    record("load_test_short", **{k: v for k, v in figures.items() if k != "problems"})
    assert figures["ok"], figures["problems"]
    assert figures["jobs_completed"] > 0 and figures["rejected_429"] > 0
