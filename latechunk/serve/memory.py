"""Giving the memory of a big request back to the system once it is answered (glibc only).

A big request leaves the C heap fragmented (token arrays, per-batch tensors, the JSON body), and glibc
keeps freed pages it could return: a server process then stays far above its idle size after one
big request. ``trim_heap`` asks glibc to return them (``malloc_trim``); the server calls it after
each request of at least ``TRIM_AFTER_TOKENS`` tokens, once the answer is sent.
"""

from __future__ import annotations

import ctypes
import sys
import threading

TRIM_AFTER_TOKENS = 16_384
"""Requests of fewer tokens leave too little behind to be worth a trim (which scans the heap)."""

_lock = threading.Lock()


def trim_heap() -> bool:
    """Return free heap pages to the system; ``False`` where there is no glibc."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # musl or another C library
        return False
    with _lock:  # one trim at a time is enough for every arena
        return bool(trim(0))
