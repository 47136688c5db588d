"""The dashboard server against what an attacker (or a careless client) sends: bodies larger
than the limit without a Content-Length, foreign Host headers (DNS rebinding), connections
that never finish their headers, framing and sniffing, long descriptions, and a results
folder that would fill the disk.

The socket and chunked cases run against a real uvicorn server on 127.0.0.1, configured as
`cartelsim serve` configures it (cartelsim.web.server.uvicorn_config).
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from cartelsim.web import WebSettings, create_app
from cartelsim.web.guard import host_name
from cartelsim.web.store import ResultStore, new_job_id

from .conftest import LOCAL, tiny
from .support import live_server
from .test_api import assert_one_line_error, wait_for

JSON = {"content-type": "application/json"}


def chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """A body sent as a generator: httpx sends it with Transfer-Encoding: chunked."""
    for start in range(0, len(body), size):
        yield body[start:start + size]


def oversized(settings: WebSettings, factor: int = 20) -> bytes:
    """A valid scenario body `factor` times the server's limit (in its description)."""
    return json.dumps(tiny(description="x" * (factor * settings.max_body_bytes))).encode()


# ---------- 1. the body limit counts the bytes received ----------

@pytest.mark.parametrize("path", ["/api/runs", "/api/scenario.toml"])
def test_a_chunked_body_over_the_limit_is_413(client, settings: WebSettings, path: str) -> None:
    """No Content-Length: the limit must hold on the bytes actually read (this got 202 and a
    running job, or the 5 MB body echoed back as TOML)."""
    response = client.post(path, content=chunks(oversized(settings)), headers=JSON)
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    body = assert_one_line_error(response, 413, f"larger than {settings.max_body_bytes} bytes")
    assert body["field"] == "body"
    assert list(settings.results_dir.iterdir()) == []  # nothing was queued or written
    small = client.post(path, content=chunks(json.dumps(tiny()).encode(), 100), headers=JSON)
    assert small.status_code in (200, 202), small.text  # chunked bodies within it still work


def test_a_chunked_body_over_the_limit_is_413_on_a_real_server(tmp_path: Path) -> None:
    settings = WebSettings(results_dir=tmp_path / "results")
    body = oversized(settings)  # 5.1 MB
    with live_server(settings) as url, httpx.Client(base_url=url, timeout=60) as http:
        for path in ("/api/runs", "/api/scenario.toml"):
            response = http.post(path, content=chunks(body), headers=JSON)
            assert response.status_code == 413, (path, response.status_code)
            assert response.json()["field"] == "body" and len(response.content) < 200
        assert http.get("/api/limits").status_code == 200  # still serving
    assert list(settings.results_dir.iterdir()) == []


def test_a_declared_oversized_length_is_refused_unread(client, settings) -> None:
    declared = {**JSON, "content-length": str(settings.max_body_bytes + 1)}
    assert_one_line_error(client.post("/api/runs", content=b"{}", headers=declared),
                          413, "larger than")


# ---------- 2. only the host names being served ----------

@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8000",
                                  "127.0.0.1.nip.io:8000", "localhost.attacker.example",
                                  "[::2]:8000", "127.0.0.1:80:80", "[::1", ""])
def test_a_foreign_host_header_is_400(client, host: str) -> None:
    """DNS rebinding: a page on attacker.example re-pointed at 127.0.0.1 sends its own name."""
    response = client.get("/api/limits", headers={"host": host})
    body = assert_one_line_error(response, 400, "Host header", "--allowed-host")
    assert body["field"] == "host"
    assert client.post("/api/runs", json=tiny(), headers={"host": host}).status_code == 400


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "127.0.0.1", "localhost:1234",
                                  "LOCALHOST", "[::1]:8000", "[::1]"])
def test_the_loopback_names_are_served_on_any_port(client, host: str) -> None:
    assert client.get("/api/limits", headers={"host": host}).status_code == 200


def test_allowed_hosts_are_configurable(tmp_path: Path) -> None:
    named = WebSettings(results_dir=tmp_path / "a", allowed_hosts=("Dash.Example", "[fd00::7]"))
    with TestClient(create_app(named), base_url="http://dash.example:8000") as client:
        assert client.get("/api/limits").status_code == 200
        assert client.get("/", headers={"host": "[fd00::7]:80"}).status_code == 200
        assert client.get("/", headers={"host": "127.0.0.1"}).status_code == 400
    anything = WebSettings(results_dir=tmp_path / "b", allowed_hosts=("*",))
    with TestClient(create_app(anything), base_url="http://any.example") as client:
        assert client.get("/api/limits").status_code == 200
    with pytest.raises(ValueError, match="not a host name"):
        WebSettings(allowed_hosts=("http://x/",))


def test_host_names_are_parsed_like_browsers_send_them() -> None:
    assert host_name("Example.COM:8000") == "example.com"
    assert host_name("[::1]:8000") == host_name("[::1]") == "::1"
    for bad in (None, "", ":8000", "a:b", "[::1]x", "[::1", "x:80:80", "x: 80"):
        assert host_name(bad) is None, bad


# ---------- 3. header and idle deadlines ----------

def closed_within(sock: socket.socket, bound: float) -> float:
    """Seconds until the server closes `sock` (reads until EOF); fails after `bound`."""
    sock.settimeout(bound)
    started = time.monotonic()
    try:
        while sock.recv(4096):
            pass
    except ConnectionResetError:
        pass
    except TimeoutError:
        pytest.fail(f"the server kept the connection open for more than {bound} s")
    return time.monotonic() - started


@pytest.fixture(scope="module")
def deadline_server(tmp_path_factory) -> Iterator[tuple[str, int]]:
    settings = WebSettings(results_dir=tmp_path_factory.mktemp("deadline"),
                           header_timeout_s=1.0, keep_alive_s=1)
    with live_server(settings) as url:
        yield "127.0.0.1", int(url.rsplit(":", 1)[1])


def test_a_connection_that_sends_nothing_is_closed(deadline_server) -> None:
    with socket.create_connection(deadline_server) as sock:
        closed_within(sock, 15)


def test_a_connection_that_never_finishes_its_headers_is_closed(deadline_server) -> None:
    with socket.create_connection(deadline_server) as sock:
        sock.sendall(b"GET /api/limits HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        closed_within(sock, 15)


def test_trickled_header_bytes_do_not_extend_the_deadline(deadline_server) -> None:
    """Slowloris: a header byte every 0.2 s would keep an idle timer alive for ever; the
    deadline counts from the start of the request, so the server closes anyway."""
    request = b"GET /api/limits HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200
    sent = 0
    with socket.create_connection(deadline_server) as sock:
        try:
            for byte in request:
                sock.sendall(bytes([byte]))
                sent += 1
                time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert sent < len(request)  # closed long before the 40 s this would take
        closed_within(sock, 15)


def test_a_kept_alive_connection_is_closed_when_idle_or_stalled(deadline_server) -> None:
    request = b"GET /api/limits HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    for follow_up in (b"", b"GET /api/limits HTTP/1.1\r\n"):
        with socket.create_connection(deadline_server) as sock:
            sock.sendall(request)
            sock.settimeout(15)
            first = sock.recv(65536)
            assert first.startswith(b"HTTP/1.1 200"), first[:60]
            sock.sendall(follow_up)
            closed_within(sock, 15)


def test_complete_requests_are_served_as_before(deadline_server) -> None:
    host, port = deadline_server
    with httpx.Client(base_url=f"http://{host}:{port}", timeout=30) as http:
        for _ in range(3):  # over one kept-alive connection
            assert http.get("/api/limits").status_code == 200


def test_an_unfinished_head_over_16_kb_is_refused_at_once(deadline_server) -> None:
    with socket.create_connection(deadline_server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 20_000)
        sock.settimeout(15)
        assert sock.recv(4096).startswith(b"HTTP/1.1 400")
        closed_within(sock, 15)


# ---------- 4. security headers, description, results on disk ----------

EXPECTED_HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY"}


@pytest.mark.parametrize("path", ["/", "/static/app.js", "/vendor/plotly.min.js", "/docs",
                                  "/api/limits", "/api/runs/" + "0" * 32, "/nowhere"])
def test_every_response_carries_the_security_headers(client, path: str) -> None:
    response = client.get(path)
    for name, value in EXPECTED_HEADERS.items():
        assert response.headers[name] == value, (path, name)
    policy = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"  # no inline script, no eval, no CDN
    assert directives["frame-ancestors"] == "'none'" and directives["default-src"] == "'none'"


def test_errors_carry_the_security_headers_too(client, settings) -> None:
    for response in (client.post("/api/runs", json=tiny(run={"runs": "x"})),
                     client.get("/api/limits", headers={"host": "attacker.example"}),
                     client.post("/api/runs", content=chunks(oversized(settings)),
                                 headers=JSON)):
        assert response.status_code in (400, 413, 422)
        assert response.headers["x-frame-options"] == "DENY"
        assert "content-security-policy" in response.headers


def test_the_page_needs_no_inline_script(client) -> None:
    """The policy allows scripts from this server only: every <script> must have a src
    on this server and no element may carry an on* handler."""
    for path in ("/", "/docs"):
        page = client.get(path).text
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, flags=re.S | re.I)
        assert all(re.search(r'src="/', attrs) and not body.strip() for attrs, body in scripts)
        assert not re.search(r"\son[a-z]+\s*=", page, flags=re.I)


@pytest.mark.parametrize("path", ["/api/runs", "/api/scenario.toml"])
def test_a_long_description_is_a_one_line_422(client, settings, path: str) -> None:
    limit = settings.max_description_chars
    body = assert_one_line_error(client.post(path, json=tiny(description="d" * (limit + 1))),
                                 422, f"at most {limit} characters", f"got {limit + 1:,}")
    assert body["field"] == "description"
    assert client.post(path, json=tiny(description="d" * limit)).status_code in (200, 202)


def make_job(root: Path, size: int, age: float) -> str:
    job = new_job_id()
    (root / job).mkdir(parents=True)
    (root / job / "results.nc").write_bytes(b"\0" * size)
    stamp = time.time() - 1000 + age
    os.utime(root / job, (stamp, stamp))
    return job


def test_prune_keeps_the_results_folder_under_its_byte_cap(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    jobs = [make_job(tmp_path, 1000 * (k + 1), age=k) for k in range(5)]  # 1..5 kB, oldest first
    store.prune(keep=100, protected={jobs[0]}, max_bytes=10_000)
    # 15 kB in all: the oldest unprotected go first (2 kB, 3 kB) until 10 kB remain
    assert {p.name for p in tmp_path.iterdir()} == {jobs[0], jobs[3], jobs[4]}
    store.prune(keep=100, protected=set(), max_bytes=1)
    assert {p.name for p in tmp_path.iterdir()} == {jobs[4]}  # the newest always stays


def test_finished_runs_beyond_the_byte_cap_are_removed(tmp_path: Path) -> None:
    settings = WebSettings(results_dir=tmp_path / "r", keep_results_bytes=1)
    with TestClient(create_app(settings), base_url=LOCAL) as client:
        first = client.post("/api/runs", json=tiny()).json()["id"]
        assert wait_for(client, first)["state"] == "done"
        second = client.post("/api/runs", json=tiny()).json()["id"]
        assert wait_for(client, second)["state"] == "done"
        deadline = time.monotonic() + 30  # the worker prunes just after marking it done
        while len(list(settings.results_dir.iterdir())) > 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [p.name for p in settings.results_dir.iterdir()] == [second]
        assert client.get(f"/api/runs/{second}/results").status_code == 200
        assert_one_line_error(client.get(f"/api/runs/{first}/results"), 410, "removed")
