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
) -> None:
    """Start the dashboard: an HTTP JSON API (/docs) and a page that uses it (/)."""
    import socket

    import uvicorn

    from cartelsim.web import WebSettings, create_app

    if bacrim_dir is not None and not bacrim_dir.is_dir():
        raise CartelsimError(f"--bacrim-dir {bacrim_dir}: no such folder")
    settings = WebSettings(results_dir=results_dir, bacrim_dir=bacrim_dir, max_runs=max_runs, max_weeks=max_weeks,
                           max_groups=max_groups, max_queued_jobs=max_queued_jobs,
                           workers=workers, request_timeout_s=request_timeout,
                           job_timeout_s=job_timeout)
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
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
