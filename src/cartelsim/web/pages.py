"""The page, its static files, plotly.js from the installed plotly package, and offline docs.

Nothing is fetched from the internet: FastAPI's default /docs loads Swagger UI from a CDN,
so /docs here is a plain page rendered from the app's own OpenAPI document instead.
"""

from __future__ import annotations

import html
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse

STATIC = Path(str(files("cartelsim.web") / "static"))


def plotly_js() -> Path:
    """plotly.min.js as shipped inside the plotly Python package."""
    return Path(str(files("plotly") / "package_data" / "plotly.min.js"))


def build_pages(app: FastAPI) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/")
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    @pages.get("/vendor/plotly.min.js")
    def plotly() -> FileResponse:
        return FileResponse(plotly_js(), media_type="text/javascript; charset=utf-8",
                            headers={"Cache-Control": "max-age=86400"})

    @pages.get("/docs")
    def docs() -> HTMLResponse:
        return HTMLResponse(render_docs(app.openapi()))

    return pages


def render_docs(spec: dict) -> str:
    """Every path with its methods, summary and parameters; the full schema is linked."""
    rows = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = ", ".join(f"{p['name']} ({p['in']})" for p in op.get("parameters", []))
            body = "JSON body" if "requestBody" in op else ""
            codes = ", ".join(sorted(op.get("responses", {})))
            rows.append(
                f"<tr><td><code>{html.escape(method.upper())}</code></td>"
                f"<td><code>{html.escape(path)}</code></td>"
                f"<td>{html.escape(op.get('summary', ''))}</td>"
                f"<td>{html.escape(', '.join(x for x in (params, body) if x))}</td>"
                f"<td>{html.escape(codes)}</td></tr>")
    title = html.escape(spec.get("info", {}).get("title", "API"))
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title}: API</title><link rel='stylesheet' href='/static/style.css'></head>"
        f"<body class='docs'><h1>{title}: HTTP API</h1>"
        "<p>The machine-readable description is <a href='/openapi.json'>/openapi.json</a> "
        "(OpenAPI 3); load it into any OpenAPI tool. Errors are JSON objects "
        "<code>{\"error\": \"one line\", \"field\": \"the field it names\"}</code>.</p>"
        "<table><thead><tr><th>method</th><th>path</th><th>what</th><th>inputs</th>"
        f"<th>responses</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "<p><a href='/'>Back to the dashboard</a></p></body></html>")
