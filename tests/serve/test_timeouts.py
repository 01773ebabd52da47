"""Connections are bounded: one that sends nothing, half a header or half a body is closed after
``receive_timeout``; a request that arrives in time is served, slow or not."""

from __future__ import annotations

import socket
import time

import pytest

from latechunk import LateChunkerSettings
from latechunk.serve import ServeSettings

from .conftest import running_server

pytestmark = pytest.mark.integration

TIMEOUT = 0.5
BODY = b'{"input": ["hello there"]}'
HEAD = b"POST /v1/embeddings HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"


@pytest.fixture(scope="module")
def strict_server(minilm_path):
    settings = ServeSettings(LateChunkerSettings(model=minilm_path), receive_timeout=TIMEOUT, keep_alive_timeout=30)
    with running_server(settings) as running:
        yield running


def _connect(server) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1])))
    sock.settimeout(10 * TIMEOUT + 5)
    return sock


def _closed_after(sock: socket.socket) -> float:
    """Seconds until the server closes ``sock`` (read until end of stream)."""
    started = time.monotonic()
    while sock.recv(65536):
        pass
    return time.monotonic() - started


def _response(sock: socket.socket) -> bytes:
    """One HTTP response (head and a Content-Length body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    fields = dict(line.lower().split(b": ", 1) for line in head.split(b"\r\n")[1:])
    length = int(fields[b"content-length"])
    while len(body) < length:
        body += sock.recv(65536)
    return head


@pytest.mark.parametrize(
    "sent",
    [b"", b"POST /v1/embeddings HTTP/1.1\r\nHost: test\r\nContent-Le", HEAD % len(BODY) + BODY[:10]],
    ids=["nothing", "half a header", "half a body"],
)
def test_an_unfinished_request_is_closed_after_the_timeout(strict_server, sent):
    with _connect(strict_server) as sock:
        sock.sendall(sent)
        waited = _closed_after(sock)
    assert TIMEOUT * 0.8 < waited < TIMEOUT + 5


def test_a_trickled_request_gets_no_more_than_the_timeout(strict_server):
    """Each byte used to restart uvicorn's timer; the deadline counts from the request's first byte."""
    request = HEAD % len(BODY) + BODY
    started = time.monotonic()
    with _connect(strict_server) as sock:
        try:
            for i in range(len(request)):
                sock.sendall(request[i : i + 1])
                time.sleep(TIMEOUT / 10)
        except OSError:  # the server closed the connection while we were still sending
            pass
        _closed_after(sock)
    assert time.monotonic() - started < len(request) * TIMEOUT / 10


def test_requests_that_arrive_in_time_are_served_also_on_a_kept_alive_connection(strict_server):
    with _connect(strict_server) as sock:
        sock.sendall(HEAD % len(BODY))
        time.sleep(TIMEOUT / 3)  # slow, but the whole request is in before the deadline
        sock.sendall(BODY)
        assert _response(sock).startswith(b"HTTP/1.1 200")
        time.sleep(2 * TIMEOUT)  # idle between requests: keep_alive_timeout (30 s) applies, not the deadline
        sock.sendall(HEAD % len(BODY) + BODY)
        assert _response(sock).startswith(b"HTTP/1.1 200")
        sock.sendall(b"POST /v1/embeddings HTTP/1.1\r\nHo")  # the next request stalls half-way
        waited = _closed_after(sock)
    assert TIMEOUT * 0.8 < waited < TIMEOUT + 5
