"""ASGI middleware: the request body limit, JSON bodies whatever their Content-Type, and one structured
access-log line plus metrics per request."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from latechunk.serve.errors import CLIENT_CLOSED, error_body
from latechunk.serve.metrics import Metrics

access_log = logging.getLogger("latechunk.serve.access")
ROUTES = frozenset({"/v1/embeddings", "/v1/chunk-embed", "/v1/models", "/health", "/metrics", "/docs", "/openapi.json"})


async def _send_json(send: Any, status: int, detail: str) -> None:

    body = json.dumps(error_body(status, detail)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse a request body over ``max_bytes`` with 413 before the app reads it.

    The declared ``Content-Length`` is checked first; a body sent without one (chunked) is read up
    to the limit and refused as soon as it passes it, so memory stays bounded.
    """

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _detail(self, size: str) -> str:
        return f"request body too large: {size} > max_body_bytes {self.max_bytes} (option --max-body-bytes)"

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _send_json(send, 413, self._detail(f"{int(declared)} bytes"))
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":  # the client left (or was closed by --receive-timeout)
                await _send_json(send, CLIENT_CLOSED, "the client closed the connection before sending the whole body")
                return
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await _send_json(send, 413, self._detail(f"more than {self.max_bytes} bytes"))
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class JsonBody:
    """Read every request body to the API as JSON, as the hosted API does: a body sent with another or no
    ``Content-Type`` (``curl -d`` sends ``application/x-www-form-urlencoded``) is relabelled
    ``application/json`` before the app parses it, so a body that is not JSON gets 400 saying so."""

    def __init__(self, app: Any, prefix: str = "/v1/") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST" and scope.get("path", "").startswith(self.prefix):
            headers = [(k, v) for k, v in scope.get("headers", []) if k != b"content-type"]
            given = dict(scope.get("headers", [])).get(b"content-type", b"")
            if not _is_json(given):
                scope = {**scope, "headers": [*headers, (b"content-type", b"application/json")]}
        await self.app(scope, receive, send)


def _is_json(content_type: bytes) -> bool:
    kind = content_type.split(b";", 1)[0].strip().lower()
    return kind == b"application/json" or (kind.startswith(b"application/") and kind.endswith(b"+json"))


class AccessLog:
    """Log one JSON line per request (logger ``latechunk.serve.access``) and count it in the metrics."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        state = scope.setdefault("state", {})

        async def capture(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            elapsed = time.perf_counter() - started
            path = scope.get("path", "")
            route = path if path in ROUTES else "other"
            self.metrics.requests.labels(route, str(status)).inc()
            self.metrics.latency.labels(route).observe(elapsed)
            client = scope.get("client")
            record = {
                "method": scope.get("method"),
                "path": path,
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
                "client": f"{client[0]}:{client[1]}" if client else None,
            }
            for key in ("inputs", "tokens", "task", "late_chunking", "forward_passes", "cancelled"):
                if key in state:
                    record[key] = state[key]
            access_log.info(json.dumps(record, ensure_ascii=False))
