"""`create_app(settings)`: the dashboard's FastAPI application.

One app owns one results folder, one bounded job queue and its worker threads (started on
the first submitted run, stopped when the app shuts down). Every error a client can cause
is a JSON object with a 4xx status; a bug in a handler is a JSON 500, never a traceback.
Middleware (guard.py) checks the Host header, limits request bodies by the bytes received
(chunked ones included) and adds security headers to every response.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

from cartelsim import __version__
from cartelsim.web.api import build_router, error, request_error, request_schema
from cartelsim.web.guard import (
    SECURITY_HEADERS,
    BodyLimit,
    BodyTooLarge,
    HostCheck,
    SecurityHeaders,
)
from cartelsim.web.jobs import JobManager
from cartelsim.web.pages import STATIC, build_pages
from cartelsim.web.settings import WebSettings
from cartelsim.web.store import ResultStore
from cartelsim.web.validate import RequestError

log = logging.getLogger("cartelsim.web")

DESCRIPTION = """Run cartelsim scenarios against the status quo on common random numbers.

Submit a scenario (the same schema as scenario files) to `POST /api/runs`, poll
`GET /api/runs/{id}` until `state` is `done`, then read `GET /api/runs/{id}/results` or
download the files it links (JSON, CSV, NetCDF and the scenario as TOML). Work beyond the
server's queue is refused with 429; requests beyond its caps with 422 naming the field."""


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """Build the dashboard app for `settings` (defaults: WebSettings())."""
    settings = settings or WebSettings()
    store = ResultStore(settings.results_dir)
    manager = JobManager(settings, store)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await asyncio.to_thread(manager.shutdown)

    app = FastAPI(title="cartelsim dashboard", version=__version__, description=DESCRIPTION,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json", lifespan=lifespan)
    app.state.settings, app.state.jobs, app.state.store = settings, manager, store

    @app.exception_handler(RequestError)
    async def _request_error(_: Request, exc: RequestError) -> Response:
        return request_error(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = [str(p) for p in first.get("loc", ())]
        if first.get("type") == "json_invalid":
            return error(422, "request: the body is not valid JSON "
                         f"({first.get('ctx', {}).get('error', 'syntax error')})", "body")
        if where == ["body"]:
            return error(422, "request: the body must be a JSON object shaped like a scenario "
                         "file, sent as Content-Type: application/json", "body")
        field = ".".join(where[1:]) if where[:1] == ["body"] else ".".join(where) or "request"
        return error(422, f"request: field {field or 'body'!r}: {first.get('msg', 'invalid')}",
                     field or "body")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        if isinstance(exc, BodyTooLarge):
            return error(413, exc.detail, "body")
        return error(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> Response:
        log.exception("unhandled error")
        # this handler runs outside the middleware stack: add the headers it would add
        return error(500, f"internal error ({type(exc).__name__}); see the server log",
                     headers=SECURITY_HEADERS)

    def openapi() -> dict:
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version,
                               description=app.description, routes=app.routes)
            body = request_schema(settings, "#/components/schemas/{model}")
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            schemas.update(body.pop("$defs"))
            schemas["ScenarioRequest"] = body
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    # the first added is the innermost: the body limit sits right around the routes, so
    # its error reaches FastAPI as an HTTPException (not inside the timeout's task group)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(_Timeout, settings=settings)
    app.add_middleware(HostCheck, allowed=settings.allowed_hosts)
    app.add_middleware(SecurityHeaders)  # added last: the outermost, so on every response
    app.include_router(build_router(settings, manager, store))
    app.include_router(build_pages(app))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


class _Timeout(BaseHTTPMiddleware):
    """End requests that take too long (503), a slowly sent body included."""

    def __init__(self, app: object, settings: WebSettings) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.settings = settings

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        try:
            return await asyncio.wait_for(call_next(request), self.settings.request_timeout_s)
        except TimeoutError:
            return error(503, f"request: took longer than {self.settings.request_timeout_s:g} s; "
                         "try again", headers={"Retry-After": "5"})
