"""The dashboard's maps in a real browser (Debian's headless Chromium via Playwright): one SVG
fill per state, legends, nothing fetched from outside and no console errors."""

from __future__ import annotations

import importlib.util

import pytest

from cartelsim.web import WebSettings

from .support import CHROMIUM, build_and_run, chromium, live_server

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"browser tests need Debian's Chromium at {CHROMIUM}"),
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None,
                       reason="browser tests need Playwright (pip install -e '.[test]')"),
]
STATE_TRACES = """div => div.data.filter(t => /^[0-9]{2}$/.test(t.name)).length"""
FILLS = """div => div.querySelectorAll('g.trace.scatter path.js-fill').length"""
LEGEND = """div => [...div.querySelectorAll('.legendtext')].map(t => t.textContent)"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    settings = WebSettings(results_dir=tmp_path_factory.mktemp("web") / "results",
                           max_runs=20, max_weeks=200)
    with live_server(settings) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def watch(page) -> list[str]:
    """Everything that went wrong on the page: failed requests, errors, console errors."""
    problems: list[str] = []
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" else None)
    return problems


def test_the_first_page_shows_two_maps_of_mexico(server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems = watch(page)
    page.goto(server + "/")
    page.wait_for_selector("body[data-maps=true]", timeout=60_000)
    for div in ("#map-homicides", "#map-control"):
        assert page.eval_on_selector(div, STATE_TRACES) == 32, div
        assert page.eval_on_selector(div, FILLS) >= 32, div  # a drawn SVG path per state
    assert "SESNSP" in page.text_content("#map-homicides .gtitle")
    assert page.locator("#map-homicides .cbtitle").count() == 1  # the colour bar has its unit
    legend = page.eval_on_selector("#map-control", LEGEND)
    assert "Cártel de Jalisco Nueva Generación" in legend
    assert any(text.startswith("contested (") for text in legend)
    page.close()
    assert problems == []


def test_a_run_shows_the_control_map_and_a_readable_network(server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems = watch(page)
    build_and_run(page, server, runs=3, weeks=40)
    page.wait_for_selector("#map-result-control .main-svg", timeout=30_000)
    assert page.eval_on_selector("#map-result-control", STATE_TRACES) == 32
    assert page.eval_on_selector("#map-result-control", FILLS) >= 32
    assert "at the end" in page.text_content("#map-result-control .gtitle")
    labels = page.eval_on_selector("#network-after", """div => div.data[1].text
        .filter(t => t !== '')""")
    assert 1 <= len(labels) <= 8 and any(t.startswith("Cártel de Jalisco") for t in labels)
    opacity = page.eval_on_selector("#network-after", "div => div.data[1].marker.opacity")
    assert min(opacity) < 1 and opacity.count(1) == len(labels)  # the rest are faded
    assert not page.locator("#network-after").is_visible()  # secondary: folded away
    page.click("#network-box summary")
    page.wait_for_timeout(500)
    chart = page.eval_on_selector("#network-after", "d => d.getBoundingClientRect().width")
    drawn = page.eval_on_selector("#network-after .main-svg",
                                  "s => s.getBoundingClientRect().width")
    assert drawn == pytest.approx(chart, abs=4)  # resized to its box when opened
    page.close()
    assert problems == []


def test_the_change_and_flow_maps_draw_in_the_page(server: str, browser) -> None:
    """Results with the contract's variables (synthetic here: no engine records them yet)
    drawn by the page's own code: one SVG fill per state, hatching where the interval holds 0."""
    from cartelsim.web.maps import result_maps

    from .maps_support import synthetic_paired

    maps = result_maps(synthetic_paired())
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems = watch(page)
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.evaluate("maps => { document.querySelector('#results').hidden = false; "
                  "drawResultMaps(maps); }", maps)
    page.wait_for_selector("#map-result-change .main-svg")
    page.wait_for_selector("#map-result-flows .main-svg")
    assert page.eval_on_selector("#map-result-change", STATE_TRACES) == 32
    assert page.eval_on_selector("#map-result-change", FILLS) >= 32
    assert page.locator("#map-result-change pattern").count() >= 1  # the hatching
    assert "Change in homicides" in page.inner_text("#maps-note")
    assert page.eval_on_selector("#map-result-flows", STATE_TRACES) == 32
    page.close()
    assert problems == []
