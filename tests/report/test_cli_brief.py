"""`cartelsim brief`, run as a real subprocess: the file, the summary, one-line errors.

Commands start at once on a small thread pool; each test waits for the one it checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.cli.support import WORKERS, Job, assert_one_line_error, cartelsim, tree

OK = ("brief", "--quick", "--runs", "4", "--claims", "C4", "--seed", "3", "--data", "nodata",
      "--workers", "1", "--out", "reports/brief.html")
FAILING = {
    "unknown-system": (("brief", "--out", "b.html", "--system", "atlantis"),
                       ("--system", "'atlantis'", "mexico2025")),
    "system-is-a-file": (("brief", "--out", "b.html", "--system", "notes.txt"),
                         ("--system notes.txt", "not a folder")),
    "system-folder-without-data": (("brief", "--out", "b.html", "--system", "nodata"),
                                   ("nodata",)),
    "runs-too-few": (("brief", "--out", "b.html", "--runs", "1"), ("--runs",)),
    "runs-not-a-number": (("brief", "--out", "b.html", "--runs", "many"), ("--runs",)),
    "out-is-a-folder": (("brief", "--out", "nodata"), ("--out nodata", "expected a file name")),
    "out-not-html": (("brief", "--out", "brief.pdf"), ("--out brief.pdf", ".html")),
    "out-missing": (("brief",), ("--out",)),
    "unknown-claim": (("brief", "--out", "b.html", "--claims", "C9"), ("--claims", "'C9'")),
    "posterior-missing": (("brief", "--out", "b.html", "--posterior", "absent.csv"),
                          ("--posterior absent.csv", "no such file")),
    "posterior-and-noise-only": (("brief", "--out", "b.html", "--posterior", "p.csv",
                                  "--noise-only"), ("--posterior", "--noise-only")),
    "validation-not-a-summary": (("brief", "--out", "b.html", "--validation", "notes.txt"),
                                 ("notes.txt, line 1", "forecaster")),
}


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Job]]:
    started: dict[str, Job] = {}
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for key, args in [("ok", OK), *[(k, v[0]) for k, v in FAILING.items()]]:
            cwd = tmp_path_factory.mktemp(key)
            (cwd / "nodata").mkdir()
            (cwd / "notes.txt").write_text("not data", encoding="utf-8")
            started[key] = Job(cwd, tree(cwd), pool.submit(cartelsim, *args, cwd=cwd))
        yield started


def test_writes_the_brief_and_prints_where_and_a_summary(jobs):
    job = jobs["ok"]
    result = job.ok()
    out = job.cwd / "reports" / "brief.html"
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert '<h2 id="C4">' in html and '<h2 id="C1">' not in html
    assert "Brief written to reports/brief.html" in result.stdout
    assert "C4" in result.stdout and "hitting the rivals" in result.stdout  # the summary row
    # written atomically: no temporary file left beside it
    assert sorted(p.name for p in out.parent.iterdir()) == ["brief.html"]


@pytest.mark.parametrize("case", sorted(FAILING))
def test_bad_options_are_one_line_errors(jobs, case):
    assert_one_line_error(jobs[case], *FAILING[case][1])
