"""Running the app on uvicorn, with a deadline for receiving each request.

uvicorn closes a connection that stays idle between requests (``timeout_keep_alive``) but has no
timeout for one that sends nothing, half a header or half a body: every byte resets its keep-alive
timer, and the app is not called before the headers are complete, so no ASGI middleware can see
it. ``_RequestDeadline`` wraps uvicorn's HTTP protocol class: from the moment a connection opens,
or the first byte of its next request arrives, the whole request (headers and body) must be in
within ``receive_timeout`` seconds, or the connection is closed. Once a request is received the
deadline is off: the time the model takes is not the client's.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import uvicorn

from latechunk.serve.settings import ServeSettings

log = logging.getLogger("latechunk.serve")


class _RequestDeadline:
    """Mixin over uvicorn's ``H11Protocol`` or ``HttpToolsProtocol`` (both keep the request in ``self.cycle``)."""

    receive_timeout: float = 60.0
    cycle: Any
    transport: Any
    client: Any
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and (self.cycle is None or self.cycle.response_complete):
            self._arm()  # the first byte of the next request on this connection
        super().data_received(data)  # type: ignore[misc]
        cycle = self.cycle
        if self._deadline is not None and cycle is not None and not cycle.response_complete and not cycle.more_body:
            self._disarm()  # the whole request is in

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]

    def _arm(self) -> None:
        self._disarm()
        self._deadline = asyncio.get_running_loop().call_later(self.receive_timeout, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport is not None and not self.transport.is_closing():
            sent = "nothing" if self.cycle is None else "an incomplete request"
            where = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
            log.info(
                "closed the connection of %s: %s within %g s (--receive-timeout)", where, sent, self.receive_timeout
            )
            self.transport.close()


def protocol_class(receive_timeout: float) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (httptools when installed, else h11) with a ``receive_timeout`` deadline."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    name = f"{AutoHTTPProtocol.__name__}WithDeadline"
    return type(name, (_RequestDeadline, AutoHTTPProtocol), {"receive_timeout": receive_timeout})


def uvicorn_config(app: Any, settings: ServeSettings, *, host: str, port: int, **options: Any) -> uvicorn.Config:
    """The uvicorn configuration of ``app``: the settings' timeouts, latechunk's own access log."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol_class(settings.receive_timeout),
        timeout_keep_alive=settings.keep_alive_timeout,  # type: ignore[arg-type]  # a float works
        access_log=False,  # latechunk.serve.access logs one JSON line per request instead
        **options,
    )


def serve(app: Any, settings: ServeSettings, *, host: str, port: int, log_level: str, graceful_timeout: float) -> None:
    """Run ``app`` until SIGINT or SIGTERM, then finish the requests in flight (up to ``graceful_timeout`` s)."""
    config = uvicorn_config(
        app, settings, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=graceful_timeout
    )
    uvicorn.Server(config).run()
