"""A live dashboard server on a free loopback port and the Chromium it is driven with.

Shared by the browser tests and by `refresh_screenshot.py`, which rewrites the README's
docs/figures/dashboard.png with the same steps the test takes.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from cartelsim.web import WebSettings
from cartelsim.web.server import uvicorn_config

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def live_server(settings: WebSettings) -> Iterator[str]:
    """Serve create_app(settings) with uvicorn as `cartelsim serve` configures it, in a
    thread; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn_config(settings, "127.0.0.1", port, lifespan="on"))
    thread = threading.Thread(target=server.run, name="dashboard-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the dashboard server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's headless Chromium through Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def build_and_run(page, base_url: str, runs: int, weeks: int) -> None:
    """What a user does: start from the CJNG scenario, change its intervention, add one,
    run it, and wait for the results."""
    page.goto(base_url + "/")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.select_option("#scenario", "cjng-leader-killed")
    page.wait_for_selector("body[data-loading=false]")  # the form is filled in
    page.wait_for_selector(".intervention .option-kind")
    page.fill("#runs", str(runs))
    page.fill("#weeks", str(weeks))
    first = page.locator(".intervention").first
    first.locator(".option-kind").select_option("captured")
    first.locator(".option-succession").select_option("contested")
    page.click("#add-intervention")
    added = page.locator(".intervention").nth(1)
    added.locator(".action").select_option("prevent_recruitment")
    added = page.locator(".intervention").nth(1)  # the card is redrawn for the new action
    added.locator(".effect").fill("0.3")
    added.locator(".start").fill("2026-06-01")
    page.click("#run")
    page.wait_for_selector("#diff-table tbody tr", timeout=120_000)
    # the network is drawn folded away (a secondary view): attached, not visible
    page.wait_for_selector("#network-after .main-svg", state="attached", timeout=30_000)
