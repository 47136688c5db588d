"""The dashboard end to end in a real browser: Debian's headless Chromium via Playwright.

Skipped, with the reason shown, only when /usr/bin/chromium is missing (`make test`
installs it with apt-get where it can).
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import pytest

from cartelsim.scenarios.schema import parse_scenario
from cartelsim.web import WebSettings

from .support import CHROMIUM, build_and_run, chromium, live_server

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium; "
               "`make test` installs it when apt-get is available)"),
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None,
                       reason="browser tests need Playwright (pip install -e '.[test]')"),
]


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


def test_change_an_intervention_run_and_read_the_results(server: str, browser,
                                                         tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("pageerror", lambda exc: failed.append(f"page error: {exc}"))
    page.on("console", lambda message: failed.append(f"console: {message.text}")
            if "Content Security Policy" in message.text else None)  # what the CSP blocked
    build_and_run(page, server, runs=4, weeks=60)

    rows = page.locator("#diff-table tbody tr")
    assert rows.count() >= 4  # homicides, members, killed, groups at >= 1 horizon
    assert "homicides" in rows.first.inner_text()
    for chart in ("fan-homicides", "fan-total_members", "fan-active_groups", "fan-difference",
                  "network-before", "network-after"):
        assert page.locator(f"#{chart} .main-svg").count() >= 1, chart
    # the run used what was typed: two interventions, the changed kind and 4 runs
    meta = page.inner_text("#results-meta")
    assert "4 paired stochastic runs of 60 weeks" in meta
    assert "leader captured" in meta and "prevent_recruitment (effect 0.3)" in meta
    links = page.locator("#downloads a")
    assert links.count() == 5
    toml = page.request.get(server + links.nth(4).get_attribute("href"))
    assert toml.ok and 'kind = "captured"' in toml.text()
    assert page.eval_on_selector("#progress", "bar => bar.value") == 1
    assert not page.locator("#error").is_visible()
    assert failed == []  # every file (plotly.js included) came from the local server, and
    #                      the Content-Security-Policy blocked nothing the page needs
    result = page.request.get(f"{server}/api/runs/{page.eval_on_selector('body', 'b => b.dataset.results')}/results").json()
    check_the_table(page, result["differences"])
    for width in (1400, 1280, 1010):  # 1280: the narrowest two-column charts (about 360 px)
        page.set_viewport_size({"width": width, "height": 1000})
        page.wait_for_timeout(800)  # plotly redraws on resize
        assert titles_outside_their_chart(page) == [], width

    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    page.close()


def check_the_table(page, rows: list[dict]) -> None:
    """Numbers with the decimals the server gives (analysis.rounding), coloured only when
    the interval excludes zero, horizons after the first intervention."""
    cells = page.eval_on_selector_all("#diff-table tbody tr", """trs => trs.map(tr =>
        [...tr.children].map(td => [td.textContent, td.className]))""")
    assert len(cells) == len(rows)
    for row, shown in zip(rows, cells, strict=True):
        difference, css = shown[5]
        numbers = re.findall(r"[−-]?\d[\d,]*(?:\.(\d+))?", difference)
        assert len(numbers) == 3 and all(len(d) == row["decimals"] for d in numbers), difference
        tone = {"lower", "higher"} & set(css.split())
        assert tone == ({row["direction"]} if row["direction"] else set()), (difference, css)
        assert shown[2][0] > "2026-02-22"  # dated after the leader's capture
    # the reported "17.813 [-76.219, 111.75]": never more digits than the interval supports
    assert not any(re.search(r"\.\d{3}", c[5][0]) and r["high"] - r["low"] > 1
                   for c, r in zip(cells, rows, strict=True))


def titles_outside_their_chart(page) -> list[str]:
    """Charts whose title, axis titles or colour-bar title do not fit inside the chart's
    box (the box hides what overflows it), as "chart-id: title"."""
    return page.evaluate("""() => [...document.querySelectorAll('.chart')].flatMap(chart => {
        const box = chart.getBoundingClientRect();
        const titles = [...chart.querySelectorAll('.gtitle, .xtitle, .ytitle, .cbtitle text')];
        if (!chart.querySelector('.gtitle')) return [`${chart.id}: no title`];
        return titles.filter(title => {
            const t = title.getBoundingClientRect();
            return t.width > 0 && (t.left < box.left || t.right > box.right ||
                                   t.top < box.top || t.bottom > box.bottom);
        }).map(title => `${chart.id}: ${title.textContent}`);
    })""")


def test_a_bad_value_shows_the_servers_one_line_error(server: str, browser) -> None:
    page = browser.new_page()
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.fill("#runs", "5000")
    page.click("#run")
    page.wait_for_selector("#error:not([hidden])", timeout=15_000)
    message = page.inner_text("#error")
    assert "run.runs" in message and "at most 20 runs" in message
    page.close()


def test_the_edited_scenario_downloads_as_toml(server: str, browser) -> None:
    page = browser.new_page()
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.select_option("#scenario", "selective-enforcement")
    page.wait_for_selector(".intervention .rivals_of")
    page.locator(".intervention").nth(1).locator(".effect").fill("2.5")
    page.fill("#name", "my-enforcement")
    page.click("#parameters-box summary")
    page.fill("#parameter-filter", "splinter")
    page.fill('.param[data-name="splinter_rivalry"] input', "10")
    assert page.inner_text("#changed-count") == "1"
    assert "Source:" in page.inner_text('.param[data-name="splinter_rivalry"]')
    with page.expect_download() as download:
        page.click("#download-toml")
    assert download.value.suggested_filename == "my-enforcement.toml"
    scenario = parse_scenario(tomllib.loads(Path(download.value.path()).read_text()))
    assert scenario.name == "my-enforcement"
    assert [i.effect for i in scenario.interventions] == [0.0, 2.5]
    assert scenario.interventions[1].target.rivals_of == "cds_mayiza"
    assert scenario.parameters == {"splinter_rivalry": 10.0}
    page.close()


def test_route_crackdowns_offer_their_crossings_and_segments(server: str, browser) -> None:
    """The crossing and the road of a crackdown are menus of what the network holds, and
    the chosen one reaches the scenario."""
    page = browser.new_page()
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)

    def downloaded() -> object:
        with page.expect_download(timeout=10_000) as download:
            page.click("#download-toml")
            page.wait_for_timeout(3000)
            assert page.locator("#error").is_hidden(), page.inner_text("#error")
        return parse_scenario(tomllib.loads(Path(download.value.path()).read_text()))

    page.select_option("#scenario", "segment-crackdown")
    segment = page.locator(".intervention .option-segment")
    segment.wait_for()
    assert page.is_checked("#territory")  # the example's switch, kept with the form's
    assert segment.input_value() == "monterrey-nuevo_laredo"
    roads = segment.locator("option").all_inner_texts()
    assert len(roads) > 20 and "monterrey-nuevo_laredo" in roads
    other = next(road for road in roads if road != "monterrey-nuevo_laredo")
    segment.select_option(other)
    scenario = downloaded()
    assert [i.segment for i in scenario.interventions if i.segment] == [other]
    assert scenario.mechanisms.territory and scenario.mechanisms.fragmentation == "open"

    page.select_option("#scenario", "crossing-crackdown")
    crossing = page.locator(".intervention .option-crossing")
    crossing.wait_for()
    assert crossing.input_value() == "nuevo_laredo"
    assert "nogales" in crossing.locator("option").all_inner_texts()
    crossing.select_option("nogales")
    assert [i.crossing for i in downloaded().interventions if i.crossing] == ["nogales"]
    page.close()


def test_every_option_of_an_action_has_its_control(server: str, browser) -> None:
    """Each option is drawn from the registry's description of it (a menu, a bounded number),
    for every action alike: an extradition demanded by Washington keeps the succession and
    clarity the user gives it."""
    page = browser.new_page()
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.select_option("#scenario", "cjng-leader-killed")
    page.wait_for_selector("body[data-loading=false]")
    first = page.locator(".intervention").first
    first.locator(".option-kind").wait_for()
    assert "(default)" not in first.locator(".option-kind option").all_inner_texts()  # required
    assert "(default)" in first.locator(".option-succession option").all_inner_texts()
    assert first.locator(".option-clarity").get_attribute("max") == "1"
    page.click("#add-intervention")
    page.locator(".intervention").nth(1).locator(".action").select_option("demanded_transfer")
    added = page.locator(".intervention").nth(1)  # redrawn for the new action
    assert added.locator(".option-kind").count() == 0  # always an extradition
    added.locator(".option-succession").select_option("uncertain")
    added.locator(".option-clarity").fill("0.3")
    added.locator(".start").fill("2026-06-01")
    with page.expect_download(timeout=10_000) as download:
        page.click("#download-toml")
    transfer = parse_scenario(tomllib.loads(Path(download.value.path()).read_text())
                              ).interventions[1]
    assert (transfer.action, transfer.succession, transfer.clarity) == (
        "demanded_transfer", "uncertain", 0.3)
    page.close()


def test_a_system_this_server_lacks_is_explained(server: str, browser) -> None:
    page = browser.new_page()
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    available = page.eval_on_selector('#system option[value="bacrim2020"]', "o => !o.disabled")
    page.select_option("#scenario", "prieto2023-double-incapacitation")
    if available:  # BACRIM 2020 is installed here: its groups load
        page.wait_for_function("document.querySelector('#system').value === 'bacrim2020'")
        page.wait_for_timeout(500)
        assert not page.locator("#error").is_visible()
    else:
        page.wait_for_selector("#error:not([hidden])", timeout=15_000)
        assert "bacrim2020 is not available on this server" in page.inner_text("#error")
    page.close()
