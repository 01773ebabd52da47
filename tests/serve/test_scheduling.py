"""The server shares the engine fairly and stops the work of a client that left.

A big ``/v1/chunk-embed`` request must not hold the model: one-text requests sent while it runs are
answered between its forward passes. A client that closes its connection stops its request's forward
passes at the next window boundary, and the request is logged as 499, not 200.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time

import httpx
import numpy as np
import pytest

from latechunk import LateChunkerSettings
from latechunk.pipeline.calls import Call, calling
from latechunk.serve import ServeSettings

from .conftest import running_server

pytestmark = pytest.mark.integration

DOCUMENT = (
    "The lighthouse keeper climbed the spiral stairs at dusk. He trimmed the wick and polished the great lens. "
    "Ships passed far out at sea, their lights small against the dark water. "
) * 110  # about 40 windows of 256 MiniLM tokens
SMALL = ["How is a lighthouse lens built?", "Glaciers move slowly downhill.", "Bees dance to show where flowers are."]
ATOL = 1e-5


@pytest.fixture(scope="module")
def fair_server(minilm_path):
    """Slices of 20 ms: one window of 256 tokens per forward pass of a big request."""
    settings = ServeSettings(LateChunkerSettings(model=minilm_path), slice_seconds=0.02)
    with running_server(settings) as running:
        yield running


@pytest.fixture(scope="module")
def document_windows(minilm) -> int:
    """Windows the lone call runs for ``DOCUMENT`` (one per forward pass when sliced that thin)."""
    call = Call(slice_seconds=1e-9)
    with calling(call):
        minilm.chunk_and_embed(DOCUMENT)
    return call.windows_run


def _runner(server):
    return server.app.state.service.base.loaded.runner


def _wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_one_text_requests_are_answered_between_the_forward_passes_of_a_big_one(fair_server, minilm, document_windows):
    runner = _runner(fair_server)
    expected = [minilm.embed([text]) for text in SMALL]
    big: dict = {}
    start = runner.forward_calls

    def send_big() -> None:
        big["response"] = fair_server.client.post("/v1/chunk-embed", json={"input": [DOCUMENT]})
        big["passes"] = runner.forward_calls

    thread = threading.Thread(target=send_big)
    thread.start()
    _wait_for(lambda: runner.forward_calls >= start + 2)  # the big request holds the engine now
    answered_at = []
    for text, want in zip(SMALL, expected, strict=True):
        response = fair_server.client.post("/v1/embeddings", json={"input": [text]})
        answered_at.append(runner.forward_calls)
        assert response.status_code == 200, response.text
        np.testing.assert_allclose(response.json()["data"][0]["embedding"], want[0], atol=ATOL)
    thread.join()
    assert big["response"].status_code == 200
    assert len(big["response"].json()["data"][0]["chunks"]) > 50
    # each one-text request came back while the big request still had windows to run
    assert answered_at[-1] < big["passes"], (answered_at, big["passes"], document_windows)
    assert big["passes"] - start >= document_windows  # its windows, one per pass, and the three small ones


def test_a_client_that_disconnects_stops_its_requests_forward_passes(fair_server, document_windows, caplog):
    runner = _runner(fair_server)
    body = json.dumps({"input": [DOCUMENT]}).encode()
    head = f"POST /v1/chunk-embed HTTP/1.1\r\nHost: test\r\nContent-Length: {len(body)}"
    with caplog.at_level(logging.INFO, logger="latechunk.serve"):
        start = runner.forward_calls
        with socket.create_connection(("127.0.0.1", int(fair_server.url.rsplit(":", 1)[1]))) as sock:
            sock.sendall(head.encode() + b"\r\n\r\n" + body)
            _wait_for(lambda: runner.forward_calls >= start + 2)
        # the client is gone: the passes stop at the next window boundary
        last, still = runner.forward_calls, time.monotonic()
        while time.monotonic() - still < 1.0:
            if runner.forward_calls != last:
                last, still = runner.forward_calls, time.monotonic()
            time.sleep(0.01)
        ran = runner.forward_calls - start
        _wait_for(lambda: any('"status": 499' in r.getMessage() for r in caplog.records))
    assert ran < document_windows / 2, (ran, document_windows)
    access = [json.loads(r.getMessage()) for r in caplog.records if r.name == "latechunk.serve.access"]
    line = next(a for a in access if a["path"] == "/v1/chunk-embed")
    assert line["status"] == 499 and line["cancelled"] == "the client closed the connection"
    assert 1 <= line["forward_passes"] <= ran
    assert any("stopped after" in r.getMessage() for r in caplog.records if r.name == "latechunk.serve")
    assert fair_server.client.post("/v1/embeddings", json={"input": ["still serving"]}).status_code == 200


def test_a_request_over_the_token_limit_gets_413_naming_it(minilm_path):
    settings = ServeSettings(LateChunkerSettings(model=minilm_path), max_tokens=50)
    with running_server(settings) as server:
        ok = server.client.post("/v1/embeddings", json={"input": ["a short text"] * 3})
        assert ok.status_code == 200 and ok.json()["usage"]["total_tokens"] <= 50
        for path in ("/v1/embeddings", "/v1/chunk-embed"):
            response = server.client.post(path, json={"input": ["word " * 60]})
            assert response.status_code == 413, response.text
            assert "too many tokens: 62 > max_tokens 50 (option --max-tokens)" in response.json()["detail"]


def test_a_json_body_is_read_whatever_its_content_type(server, minilm):
    expected = minilm.embed(["plain"])[0]
    body = json.dumps({"input": ["plain"]})
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"content-type": content_type} if content_type else {}
        request = httpx.Request("POST", server.url + "/v1/embeddings", content=body.encode(), headers=headers)
        if content_type is None:
            request.headers.pop("content-type", None)
        response = server.client.send(request)
        assert response.status_code == 200, (content_type, response.text)
        np.testing.assert_allclose(response.json()["data"][0]["embedding"], expected, atol=ATOL)
    wrong = server.client.post("/v1/embeddings", content=b"input=plain", headers={"content-type": "text/plain"})
    assert wrong.status_code == 400 and "not valid JSON" in wrong.json()["detail"]
