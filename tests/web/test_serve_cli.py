"""`cartelsim serve` as a user starts it: loopback by default, one-line errors, exit code 2."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .support import free_port


def serve(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cartelsim", "serve", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_serves_on_loopback_by_default(tmp_path: Path) -> None:
    port = free_port()
    process = serve("--port", str(port), "--results-dir", "results", cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/limits", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert answer.status_code == 200 and answer.json()["max_runs"] == 200
        listening = [line for line in open("/proc/net/tcp").read().splitlines()[1:]
                     if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "0A"]
        assert [line.split()[1].split(":")[0] for line in listening] == ["0100007F"]
        assert (tmp_path / "results").is_dir()
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in stderr


def test_a_busy_port_is_a_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "cartelsim", "serve", "--port", str(port)],
                              cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}")
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "outputs").exists()


def test_allowed_hosts_and_the_header_deadline_from_the_command_line(tmp_path: Path) -> None:
    """`--allowed-host` adds a name to the loopback ones; `--header-timeout` closes a
    connection that never finishes its headers (uvicorn alone kept it open for ever)."""
    port = free_port()
    process = serve("--port", str(port), "--results-dir", "results", "--allowed-host",
                    "dash.example", "--header-timeout", "1", cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/limits", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        url = f"http://127.0.0.1:{port}/api/limits"
        for host, status in (("dash.example", 200), (f"localhost:{port}", 200),
                             ("attacker.example", 400)):
            assert httpx.get(url, headers={"host": host}, timeout=10).status_code == status, host
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            sock.settimeout(15)  # the bound: a server that never closes fails here
            assert sock.recv(100) == b""
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_a_bad_allowed_host_is_a_one_line_error(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "cartelsim", "serve", "--allowed-host",
                           "http://x/"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("error: --allowed-host:") and "not a host name" in done.stderr
