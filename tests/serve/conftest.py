"""A real ``latechunk serve`` app on uvicorn in a background thread, on a free port of 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest

from latechunk import LateChunkerSettings
from latechunk.serve import ServeSettings, create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Running:
    """A started server: its base URL and an httpx client bound to it."""

    url: str
    client: httpx.Client
    app: object

    @property
    def v1(self) -> str:
        return self.url + "/v1"


@contextmanager
def running_server(settings: ServeSettings, timeout: float = 120.0, ready: bool = True) -> Iterator[Running]:
    """Start uvicorn with ``create_app(settings)``; yields once ``/health`` says the model is loaded
    (``ready=False``: once it answers at all)."""
    import uvicorn

    from latechunk.serve.server import uvicorn_config

    app = create_app(settings, load_in_background=ready)
    port = free_port()
    server = uvicorn.Server(uvicorn_config(app, settings, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    client = httpx.Client(base_url=url, timeout=120.0)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if client.get("/health").status_code == 200 or not ready:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError(f"server on {url} did not become ready")
            time.sleep(0.05)
        yield Running(url, client, app)
    finally:
        client.close()
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="session")
def server(minilm_path) -> Iterator[Running]:
    """MiniLM with the default limits, open (no API key)."""
    with running_server(
        ServeSettings(LateChunkerSettings(model=minilm_path), model_name="all-MiniLM-L6-v2")
    ) as running:
        yield running
