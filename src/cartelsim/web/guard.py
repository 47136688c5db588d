"""What every response carries and every request must show, before any route runs.

`BodyLimit` counts the bytes of a request body as they arrive, so a body sent with
`Transfer-Encoding: chunked` (which has no Content-Length) is refused (413) as soon as it
passes the limit, and no more than the limit is ever held in memory. (FastAPI's own
`max_body_size` does the same but answers a declared oversized Content-Length in plain
text, replacing the API's JSON error.) `HostCheck` answers only to the configured host names. Without it a web page the user
visits could point its own name at 127.0.0.1 (DNS rebinding) and then, as a same-origin
page, submit jobs and read results. Browsers always send the name they connected to in
`Host`, so checking the name is enough; the port is not checked, because an SSH tunnel or
a proxy may change it. `SecurityHeaders` adds a Content-Security-Policy that allows only
this server's own scripts (the page has no inline script; plotly.js is served from the
installed package), forbids framing and content-type sniffing.

All three are plain ASGI middleware, so they also cover static files and errors.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Plotly styles its charts with inline <style> rules and style attributes, and draws
# images for "download as PNG" from data: URLs; nothing else comes from anywhere but here.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


async def send_error(send: Send, status: int, message: str, field: str | None) -> None:
    """A JSON error response, as the API's own (api.error), for middleware."""
    body = json.dumps({"error": message, "field": field}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        *((k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items())]})
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(HTTPException):
    """Raised while a body is read; an HTTPException, so the route's error handler (and
    not FastAPI's "error parsing the body") turns it into the 413 answer."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request: the body is larger than {limit} bytes, the limit "
                         "on this server")


class BodyLimit:
    """Refuse request bodies over `max_bytes`: a declared Content-Length before reading,
    any body (chunked ones too) by the bytes actually received."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and not length.isdigit():
            await send_error(send, 400, "request: Content-Length is not a number", "body")
            return
        if length is not None and int(length) > self.max_bytes:
            await send_error(send, 413, BodyTooLarge(self.max_bytes).detail, "body")
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge as exc:  # read outside a route (nothing answered it yet)
            if started:
                raise
            await send_error(send, 413, exc.detail, "body")


def host_name(header: str | None) -> str | None:
    """The name in a Host header ("name", "name:port", "[v6]" or "[v6]:port"), lower case
    and without brackets; None for a missing or malformed header."""
    if not header:
        return None
    header = header.strip().lower()
    if header.startswith("["):
        end = header.find("]")
        name, rest = (header[1:end], header[end + 1:]) if end > 0 else ("", "")
    else:
        name, colon, port = header.partition(":")
        rest = colon + port
    if rest and not (rest.startswith(":") and rest[1:].isdigit()):
        return None
    return name or None


class HostCheck:
    """Refuse (400, JSON) requests whose Host header names a host not in `allowed`."""

    def __init__(self, app: ASGIApp, allowed: tuple[str, ...]) -> None:
        self.app = app
        self.allowed = frozenset(allowed)
        self.any = "*" in self.allowed
        self.shown = ", ".join(f"[{n}]" if ":" in n else n for n in allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.any or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = Headers(scope=scope).get("host")
        if host_name(header) in self.allowed:
            await self.app(scope, receive, send)
            return
        await send_error(send, 400, f"request: Host header {header!r} is not a name this "
                         f"server answers to ({self.shown}); start it with --allowed-host "
                         "NAME to add one", "host")


class SecurityHeaders:
    """Add SECURITY_HEADERS to every HTTP response (a route's own value wins)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()
                            if k.encode() not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
