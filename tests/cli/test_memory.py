"""The command line's own process returns large freed blocks to the system (glibc's mmap threshold)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from latechunk.cli.memory import return_large_blocks


def test_the_threshold_is_set_unless_the_user_set_it(monkeypatch):
    if sys.platform.startswith("linux"):  # this project's CI and machines: glibc
        assert return_large_blocks() is True
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    assert return_large_blocks() is False


@pytest.mark.integration
def test_a_freed_large_block_goes_back_to_the_system():
    # a 16 MB block freed after glibc raised its threshold would stay in the heap; with the fixed
    # threshold the process's size drops back after the free
    code = """
import ctypes, gc
from latechunk.cli.memory import return_large_blocks
def rss():
    return int(open('/proc/self/statm').read().split()[1]) * 4096
libc = ctypes.CDLL('libc.so.6')
libc.malloc.restype = ctypes.c_void_p
libc.free(ctypes.c_void_p(libc.malloc(20 << 20)))  # raises glibc's dynamic threshold to 20 MB
return_large_blocks()
before = rss()
block = libc.malloc(16 << 20)
ctypes.memset(block, 1, 16 << 20)
libc.free(ctypes.c_void_p(block))
print(rss() - before < (4 << 20))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True"
    without = code.replace("return_large_blocks()\n", "")  # the same without the fix: the block stays
    result = subprocess.run([sys.executable, "-c", without], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
