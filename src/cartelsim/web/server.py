"""The dashboard on uvicorn, with a deadline for request headers.

uvicorn closes a kept-alive connection that stays idle (`timeout_keep_alive`), but it has no
deadline for a connection that never finishes its headers: a client that opens a socket
and sends nothing, or sends a header byte now and then, held the connection for ever. The
h11 protocol class below closes a connection whose request headers are not complete within
`header_timeout_s` of the moment the server started waiting for them (the connection was
opened, or the previous response was sent). Trickled bytes do not extend the deadline.
An unfinished request head larger than H11_MAX_HEADER_BYTES gets uvicorn's 400 at once.
"""

from __future__ import annotations

import asyncio

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from cartelsim.web.app import create_app
from cartelsim.web.settings import WebSettings

H11_MAX_HEADER_BYTES = 16 * 1024


class HeaderDeadlineH11(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose headers come too late."""

    header_timeout_s: float = 10.0
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._follow()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        super().connection_lost(exc)

    def _follow(self) -> None:
        """Arm the deadline while the server waits for a request's headers, else drop it."""
        waiting = self.conn.their_state is h11.IDLE and not self.transport.is_closing()
        if waiting and self._deadline is None:
            self._deadline = self.loop.call_later(self.header_timeout_s, self._expire)
        elif not waiting:
            self._cancel()

    def _cancel(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def protocol_with_header_timeout(seconds: float) -> type[H11Protocol]:
    """HeaderDeadlineH11 with its deadline set (uvicorn builds protocols from a class)."""
    return type("HeaderDeadlineH11", (HeaderDeadlineH11,), {"header_timeout_s": seconds})


def uvicorn_config(settings: WebSettings, host: str, port: int, **options: object) -> uvicorn.Config:
    """The uvicorn configuration `cartelsim serve` runs (and the live-server tests use)."""
    return uvicorn.Config(
        create_app(settings), host=host, port=port, log_level="warning",
        http=protocol_with_header_timeout(settings.header_timeout_s),
        timeout_keep_alive=settings.keep_alive_s,
        h11_max_incomplete_event_size=H11_MAX_HEADER_BYTES, **options)  # type: ignore[arg-type]
