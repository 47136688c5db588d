"""Fixtures for the dashboard tests: settings in a temporary results folder, an API client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cartelsim.web import WebSettings, create_app

# The name a browser on this machine uses; the server refuses other Host headers.
LOCAL = "http://127.0.0.1:8000"

# A run of this size takes well under a second once the engines are compiled.
TINY = {"horizon": {"start": "2026-01-01", "weeks": 30},
        "run": {"engine": "stochastic", "runs": 3, "seed": 5}}


def tiny(**changes: object) -> dict:
    """A small valid scenario body with `changes` merged in at the top level."""
    body = {"name": "tiny", **{k: dict(v) for k, v in TINY.items()},
            "interventions": [{"action": "remove_leader", "kind": "killed",
                               "succession": "contested", "start": "2026-02-22",
                               "target": {"groups": ["cjng"]}}]}
    body.update(changes)
    return body


@pytest.fixture
def settings(tmp_path: Path) -> WebSettings:
    return WebSettings(results_dir=tmp_path / "results", max_runs=20, max_weeks=200,
                       max_groups=300, max_queued_jobs=2, workers=1)


@pytest.fixture
def client(settings: WebSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url=LOCAL) as test_client:
        yield test_client
