"""`cartelsim serve`: the dashboard on a local web server (127.0.0.1 unless told otherwise)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cartelsim.errors import CartelsimError


def serve_command(
    host: Annotated[str, typer.Option(
        help="Address to listen on. The default serves this machine only; 0.0.0.0 exposes "
        "the dashboard to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    results_dir: Annotated[Path, typer.Option(
        help="The only folder the server writes to (one sub-folder per run).")] = Path("outputs/web"),
    bacrim_dir: Annotated[Path | None, typer.Option(
        help="BACRIM 2020 folder offered as a system (default: the `cartelsim data fetch` "
        "cache, if it holds the files).")] = None,
    max_runs: Annotated[int, typer.Option(min=1, help="Most paired runs per request.")] = 200,
    max_weeks: Annotated[int, typer.Option(min=1, help="Longest horizon per request, weeks.")] = 1040,
    max_groups: Annotated[int, typer.Option(min=1, help="Most groups per request.")] = 500,
    max_queued_jobs: Annotated[int, typer.Option(
        min=0, help="Jobs that may wait beyond the running ones; more get HTTP 429.")] = 4,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Jobs run at the same time.")] = 1,
    request_timeout: Annotated[float, typer.Option(
        min=0.1, help="Longest HTTP request, seconds.")] = 30.0,
    job_timeout: Annotated[float, typer.Option(min=1.0, help="Longest job, seconds.")] = 600.0,
    allowed_host: Annotated[list[str] | None, typer.Option(
        help="Another host name the server answers to in the Host header (repeatable; '*' "
        "for any), beside the --host address, 127.0.0.1, localhost and [::1]. Other names "
        "get HTTP 400, which stops web pages from reaching the server by DNS rebinding.")
    ] = None,
    header_timeout: Annotated[float, typer.Option(
        min=0.1, help="Seconds a connection may take to send a request's headers.")] = 10.0,
    keep_alive_timeout: Annotated[int, typer.Option(
        min=1, help="Seconds an idle kept-alive connection stays open.")] = 5,
    keep_results: Annotated[int, typer.Option(
        min=1, help="Finished runs kept in --results-dir (the oldest go first).")] = 200,
    keep_results_gb: Annotated[float, typer.Option(
        min=0.001, help="Gigabytes of finished runs kept in --results-dir (the oldest go "
        "first; the newest run always stays).")] = 2.0,
) -> None:
    """Start the dashboard: an HTTP JSON API (/docs) and a page that uses it (/)."""
    import socket

    import uvicorn
    from pydantic import ValidationError

    from cartelsim.web import WebSettings
    from cartelsim.web.server import uvicorn_config
    from cartelsim.web.settings import LOOPBACK_NAMES

    if bacrim_dir is not None and not bacrim_dir.is_dir():
        raise CartelsimError(f"--bacrim-dir {bacrim_dir}: no such folder")
    if not 0 < keep_results_gb < float("inf"):  # also refuses nan
        raise CartelsimError(f"--keep-results-gb must be a positive number, got {keep_results_gb}")
    wildcard = host in ("0.0.0.0", "::", "")  # every address: not a name a client uses
    names = (*(allowed_host or ()), *(() if wildcard else (host,)), *LOOPBACK_NAMES)
    try:
        settings = WebSettings(
            results_dir=results_dir, bacrim_dir=bacrim_dir, max_runs=max_runs,
            max_weeks=max_weeks, max_groups=max_groups, max_queued_jobs=max_queued_jobs,
            workers=workers, request_timeout_s=request_timeout, job_timeout_s=job_timeout,
            allowed_hosts=names, header_timeout_s=header_timeout,
            keep_alive_s=keep_alive_timeout, keep_results=keep_results,
            keep_results_bytes=int(keep_results_gb * 1e9))
    except ValidationError as exc:
        first = exc.errors()[0]
        option = {"allowed_hosts": "allowed-host"}.get(str(first["loc"][0]),
                                                       str(first["loc"][0]).replace("_", "-"))
        raise CartelsimError(f"--{option}: {first['msg']}") from None
    try:  # a busy port or a bad address is a user mistake: say so in one line
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except (OSError, UnicodeError) as exc:
        raise CartelsimError(f"cannot listen on {host}:{port} ({exc})") from None
    try:
        results_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CartelsimError(f"--results-dir {results_dir}: cannot create it ({exc.strerror})") from None
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"cartelsim dashboard on http://{shown}:{port}/  (API: /docs, results in "
               f"{results_dir}); Ctrl+C stops it", err=True)
    if wildcard and not allowed_host:
        typer.echo("note: other machines reach it by a name or address of this machine; "
                   "allow that name with --allowed-host NAME (requests naming any other host "
                   "get HTTP 400)", err=True)
    uvicorn.Server(uvicorn_config(settings, host, port)).run()
