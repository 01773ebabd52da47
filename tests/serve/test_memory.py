"""A big request's freed memory goes back to the system: glibc's ``malloc_trim`` returns free heap pages, and the
server calls it once a request of ``TRIM_AFTER_TOKENS`` tokens or more is answered (never after small ones)."""

from __future__ import annotations

import ctypes
import os
import sys
import time

import pytest

from latechunk.serve import memory, routes

BLOCK = 1024
BLOCKS = 100_000  # about 100 MB of small blocks: below the mmap threshold, so they come from the heap


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _glibc():
    if not sys.platform.startswith("linux"):
        pytest.skip("malloc_trim is glibc's")
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018 - musl has no malloc_trim
    except (OSError, AttributeError):
        pytest.skip("no glibc")
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    return libc


def test_trim_heap_gives_free_heap_pages_back():
    libc = _glibc()
    before = _resident_bytes()
    blocks = [libc.malloc(BLOCK) for _ in range(BLOCKS)]
    for block in blocks:  # touch every page, so that it is resident
        ctypes.memset(block, 1, BLOCK)
    last = blocks.pop()  # held: the heap's top cannot shrink, only a trim returns the pages below it
    for block in blocks:
        libc.free(block)
    held = _resident_bytes()
    assert held - before > BLOCKS * BLOCK // 2  # the freed blocks stay resident without a trim
    assert memory.trim_heap() is True
    trimmed = _resident_bytes()
    libc.free(last)
    assert held - trimmed > BLOCKS * BLOCK // 2, (before, held, trimmed)


def test_the_server_trims_after_a_big_request_only(server, monkeypatch):
    calls = []
    monkeypatch.setattr(routes, "trim_heap", lambda: calls.append(time.monotonic()))
    monkeypatch.setattr(routes, "TRIM_AFTER_TOKENS", 100)  # the rule, at a size that runs in a moment
    small = server.client.post("/v1/embeddings", json={"input": ["a few words"]})
    assert small.status_code == 200 and small.json()["usage"]["total_tokens"] < 100
    for path in ("/v1/embeddings", "/v1/chunk-embed"):
        big = server.client.post(path, json={"input": ["word " * 150]})
        assert big.status_code == 200 and big.json()["usage"]["total_tokens"] >= 100, big.text
    deadline = time.monotonic() + 10
    while len(calls) < 2 and time.monotonic() < deadline:  # a background task, run once the answer is sent
        time.sleep(0.01)
    time.sleep(0.2)
    assert len(calls) == 2, calls
