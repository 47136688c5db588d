"""Render a `Brief` into one self-contained HTML file (figures inline, no network), atomically."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from cartelsim.io.atomic import write_atomically
from cartelsim.report.model import Brief

TEMPLATE = "brief.html.j2"


def render_html(brief: Brief) -> str:
    """The brief as one HTML page; every figure is a data: URI, nothing is fetched."""
    environment = Environment(loader=PackageLoader("cartelsim.report", "templates"),
                              autoescape=select_autoescape(["html", "j2"]),
                              undefined=StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True)
    return environment.get_template(TEMPLATE).render(brief=brief)


def write_brief(brief: Brief, path: str | Path) -> Path:
    """Write the brief to `path` atomically (a reader never sees half a page)."""
    html = render_html(brief)
    return write_atomically(path, lambda tmp: tmp.write_text(html, encoding="utf-8"))
