"""Rewrite docs/figures/dashboard.png, the README's screenshot of the dashboard.

    .venv/bin/python tests/web/refresh_screenshot.py

It takes the browser test's steps (tests/web/support.py) with a larger run, so the README
shows what a user sees: the CJNG leader captured with a contested succession, plus
recruitment prevention, against the status quo.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from cartelsim.web import WebSettings  # noqa: E402
from tests.web.support import build_and_run, chromium, live_server  # noqa: E402

OUT = ROOT / "docs" / "figures" / "dashboard.png"


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        with live_server(WebSettings(results_dir=Path(scratch))) as url, chromium() as browser:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            build_and_run(page, url, runs=40, weeks=260)
            OUT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(OUT), full_page=True)
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
