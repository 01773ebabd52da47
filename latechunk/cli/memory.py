"""Let the command-line process hand large freed blocks back to the system (glibc only).

glibc raises its mmap threshold as large blocks are freed, after which per-batch tensors of a few MB
come from the heap and stay there once freed: on a 20 MB document that kept the process about
0.35 GB above what it needed (README, "One engine for every caller"). Our own processes (``index``,
``search``, ``serve``) fix the threshold at 1 MB, as ``MALLOC_MMAP_THRESHOLD_=1048576`` would; a
user's Python process is left as it is (the README names the variable).
"""

from __future__ import annotations

import ctypes
import os
import sys

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
THRESHOLD_BYTES = 1 << 20


def return_large_blocks() -> bool:
    """Fix glibc's mmap threshold at 1 MB; ``False`` where there is no glibc or the user set it."""
    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, THRESHOLD_BYTES))
    except (OSError, AttributeError):  # musl or another C library: nothing to tune
        return False
