"""Load test of the dashboard server: many clients submitting small paired runs at once.

    python benchmarks/load_test.py --clients 20 --duration 180 --json out.json

Starts `cartelsim serve` on 127.0.0.1 (a free port, its own results folder) and, for
`--duration` seconds, lets `--clients` threads each submit a small run, poll it until it is
done, and fetch its results and files. Excess submissions get 429 (the bounded queue) and are
retried after a pause. It measures:

* latency of every HTTP request (p50, p95, max) and its status codes (2xx, 404, 409, 429,
  503, 5xx, transport errors);
* the server's resident memory (RSS, /proc) once a second;
* that results never mix: every client uses one of a few (scenario, seed) pairs, so all jobs
  with the same pair must give byte-identical numbers and different pairs different ones, and
  every job's files must name its own scenario and seed;
* path traversal on the result downloads (must be 404/422, never a file);
* the address the server listens on (127.0.0.1 by default).

It prints one JSON object with the figures (also written to --json). Exit code 1 when any
check fails: a 5xx, a transport error, mixed results, a traversal that succeeded, or an
unbounded rise in memory.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

# Small paired runs: ~1 s of work each once compiled. Two policies x three seeds = six
# distinct worlds shared by all clients (to prove that equal requests give equal results).
POLICIES = {
    "sweep": [{"action": "arrest_sweep", "effect": 0.1, "start": "2026-03-05",
               "target": {"largest": 3}}],
    "leader": [{"action": "remove_leader", "kind": "killed", "succession": "contested",
                "start": "2026-02-22", "target": {"groups": ["cjng"]}}],
}
SEEDS = (1, 2, 3)
TRAVERSALS = (
    "/api/runs/..%2F..%2F..%2Fetc%2Fpasswd/files/results.json",
    "/api/runs/%2e%2e/files/results.json",
    "/api/runs/....//....//etc/files/results.json",
    "/api/runs/{job}/files/..%2F..%2F..%2Fpyproject.toml",
    "/api/runs/{job}/files/%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/api/runs/{job}/files/..\\..\\pyproject.toml",
    "/api/runs/{job}/files/%2Fetc%2Fpasswd",
    "/api/runs/{job}%2F..%2F..%2F/files/results.json",
    "/static/..%2F..%2F..%2Fpyproject.toml",
    "/static/../../pyproject.toml",
    "/../../../../etc/passwd",
)


def body(policy: str, seed: int, client: int, number: int) -> dict:
    return {"name": f"load-c{client:02d}-n{number:03d}-{policy}-s{seed}",
            "system": {"name": "mexico2025", "groups": 40},
            "horizon": {"start": "2026-01-01", "weeks": 52},
            "run": {"engine": "stochastic", "runs": 4, "seed": seed},
            "interventions": POLICIES[policy]}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_bytes(pid: int) -> int:
    """Resident memory of a process and its children (Linux /proc)."""
    total = 0
    for p in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    out = [int(c) for c in found]
    for c in list(out):
        out += children(c)
    return out


def listening_addresses(pid: int, port: int) -> set[str]:
    """Local addresses with a socket listening on `port` (from /proc/net/tcp{,6})."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if int(port_hex, 16) == port and fields[3] == "0A":  # LISTEN
                if len(address) == 8:
                    found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
                else:
                    found.add(address)
    return found


class Recorder:
    """Thread-safe log of every request: (seconds, status or error name, what)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[float, str, str]] = []
        self.jobs: list[dict] = []
        self.problems: list[str] = []

    def call(self, client: httpx.Client, method: str, url: str, what: str,
             **kwargs) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = client.request(method, url, **kwargs)
            outcome = str(response.status_code)
        except httpx.HTTPError as exc:
            response, outcome = None, type(exc).__name__
        with self.lock:
            self.requests.append((time.perf_counter() - started, outcome, what))
        return response

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)


def client_loop(number: int, base: str, stop: float, recorder: Recorder, seed: int) -> None:
    rng = random.Random(seed * 1000 + number)
    with httpx.Client(base_url=base, timeout=60) as client:
        count = 0
        while time.monotonic() < stop:
            policy, run_seed = rng.choice(list(POLICIES)), rng.choice(SEEDS)
            request = body(policy, run_seed, number, count)
            count += 1
            response = recorder.call(client, "POST", "/api/runs", "submit", json=request)
            if response is None or response.status_code in (429, 503):
                time.sleep(rng.uniform(0.5, 1.5))
                continue
            if response.status_code != 202:
                recorder.problem(f"submit -> {response.status_code}: {response.text[:200]}")
                continue
            job = response.json()["id"]
            state = "queued"
            while state in ("queued", "running") and time.monotonic() < stop + 120:
                time.sleep(0.3)
                polled = recorder.call(client, "GET", f"/api/runs/{job}", "status")
                if polled is not None and polled.status_code == 200:
                    state = polled.json()["state"]
            if state != "done":
                recorder.problem(f"job {job} ended {state}")
                continue
            results = recorder.call(client, "GET", f"/api/runs/{job}/results", "results")
            toml = recorder.call(client, "GET", f"/api/runs/{job}/files/scenario.toml", "file")
            table = recorder.call(client, "GET", f"/api/runs/{job}/files/differences.csv",
                                  "file")
            if any(r is None or r.status_code != 200 for r in (results, toml, table)):
                recorder.problem(f"job {job}: results or files missing")
                continue
            if request["name"] not in toml.text or f"seed = {run_seed}" not in toml.text:
                recorder.problem(f"job {job}: scenario.toml is another request's")
            with recorder.lock:
                recorder.jobs.append({"job": job, "policy": policy, "seed": run_seed,
                                      "fingerprint": hashlib.sha256(table.content).hexdigest(),
                                      "failed_runs": results.json().get("failed_runs")})


def check_traversal(base: str, job: str, recorder: Recorder, secret: str) -> int:
    tried = 0
    with httpx.Client(base_url=base, timeout=30) as client:
        for template in TRAVERSALS:
            url = template.format(job=job)
            response = recorder.call(client, "GET", url, "traversal")
            tried += 1
            if response is None:
                continue
            if response.status_code == 200 and (secret in response.text
                                                or "root:" in response.text
                                                or "[project]" in response.text):
                recorder.problem(f"path traversal served a file: {url}")
            elif response.status_code >= 500:
                recorder.problem(f"path traversal gave {response.status_code}: {url}")
    return tried


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(clients: int, duration: float, seed: int, workers: int, queued: int,
        results_dir: Path) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    secret_file = results_dir.parent / "outside-secret.txt"
    secret = f"SECRET-{seed}-{time.time_ns()}"
    secret_file.write_text(secret, encoding="utf-8")
    command = [sys.executable, "-m", "cartelsim", "serve", "--port", str(port),
               "--results-dir", str(results_dir), "--max-runs", "8", "--max-weeks", "104",
               "--max-groups", "60", "--max-queued-jobs", str(queued), "--workers", str(workers),
               "--request-timeout", "20", "--job-timeout", "120"]  # note: no --host
    log = open(results_dir.parent / "server.log", "w", encoding="utf-8")  # noqa: SIM115
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    recorder = Recorder()
    memory: list[tuple[float, int]] = []
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/api/limits", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start; see server.log")
            time.sleep(0.3)
        addresses = listening_addresses(server.pid, port)
        # warm-up: one job, so that compilation is not counted as load
        with httpx.Client(base_url=base, timeout=120) as warm:
            job = warm.post("/api/runs", json=body("sweep", 1, 99, 0)).json()["id"]
            while warm.get(f"/api/runs/{job}").json()["state"] in ("queued", "running"):
                time.sleep(0.3)
        started = time.monotonic()
        stop = started + duration
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.is_set():
                memory.append((time.monotonic() - started, rss_bytes(server.pid)))
                sampling.wait(1.0)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        threads = [threading.Thread(target=client_loop, args=(n, base, stop, recorder, seed))
                   for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        sampling.set()
        sampler.join()
        traversals = check_traversal(base, job, recorder, secret)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

    # equal requests, equal numbers; different requests, different numbers
    by_world: dict[tuple[str, int], set[str]] = defaultdict(set)
    for job in recorder.jobs:
        by_world[(job["policy"], job["seed"])].add(job["fingerprint"])
    for world, prints in by_world.items():
        if len(prints) != 1:
            recorder.problem(f"{world}: {len(prints)} different results for the same request")
    distinct = [next(iter(p)) for p in by_world.values() if len(p) == 1]
    if len(distinct) != len(set(distinct)):
        recorder.problem("two different requests gave the same results")

    codes = Counter(outcome for _, outcome, _ in recorder.requests)
    latencies = [s for s, outcome, what in recorder.requests
                 if outcome.isdigit() and what != "traversal"]
    server_errors = sum(n for code, n in codes.items() if code.isdigit() and int(code) >= 500
                        and code != "503")
    transport = sum(n for code, n in codes.items() if not code.isdigit())
    rss = [b for _, b in memory]
    half = len(rss) // 2
    growth = (max(rss[half:]) / max(rss[:half])) if half else 1.0
    if server_errors:
        recorder.problem(f"{server_errors} responses with a 5xx (other than 503)")
    if transport:
        recorder.problem(f"{transport} requests failed at the transport level")
    if addresses and addresses != {"127.0.0.1"}:
        recorder.problem(f"the server listens on {sorted(addresses)}, not only 127.0.0.1")
    if growth > 1.5:
        recorder.problem(f"server memory grew {growth:.2f}x from the first to the second half")
    return {
        "clients": clients, "duration_s": round(elapsed, 1), "server_workers": workers,
        "max_queued_jobs": queued, "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "jobs_completed": len(recorder.jobs), "distinct_worlds": len(by_world),
        "latency_p50_ms": round(1000 * percentile(latencies, 0.50), 1),
        "latency_p95_ms": round(1000 * percentile(latencies, 0.95), 1),
        "latency_max_ms": round(1000 * max(latencies, default=float("nan")), 1),
        "status_counts": dict(sorted(codes.items())),
        "rejected_429": codes.get("429", 0), "timeouts_503": codes.get("503", 0),
        "server_errors_5xx": server_errors, "transport_errors": transport,
        "rss_start_mb": round(rss[0] / 1e6, 1) if rss else None,
        "rss_max_mb": round(max(rss) / 1e6, 1) if rss else None,
        "rss_end_mb": round(rss[-1] / 1e6, 1) if rss else None,
        "rss_growth_second_half": round(growth, 3),
        "listening_on": sorted(addresses), "traversal_attempts": traversals,
        "failed_runs": sum(sum((j["failed_runs"] or {}).values()) for j in recorder.jobs),
        "problems": recorder.problems[:20], "ok": not recorder.problems,
        "mean_latency_ms": round(1000 * statistics.fmean(latencies), 1) if latencies else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of load")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1, help="server jobs at the same time")
    parser.add_argument("--queued", type=int, default=4, help="server queue beyond running")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cartelsim-load-") as tmp:
        results_dir = Path(tmp) / "results"
        figures = run(args.clients, args.duration, args.seed, args.workers, args.queued,
                      results_dir)
    text = json.dumps(figures, indent=1)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
