"""``latechunk index`` on one large file needs about the memory of ``chunk_and_embed`` on its text: its chunks go
to the store in bounded batches, never as one list of points for the whole file."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
MEGABYTES = 4
CHUNK_TOKENS = 8
"""Small chunks: many points per megabyte, where holding a point object per chunk costs most."""


def _benchmark():
    spec = importlib.util.spec_from_file_location("cli_memory", REPO / "benchmarks" / "cli_memory.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def small384(tmp_path_factory) -> str:
    """MiniLM's tokenizer and vector size with one random layer: MiniLM's memory at a fraction of its time."""
    spec = importlib.util.spec_from_file_location("memory", REPO / "benchmarks" / "memory.py")
    memory = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(memory)
    return memory.small_model(tmp_path_factory.mktemp("small384"))


def test_the_command_lines_peak_memory_is_within_half_again_the_librarys(small384, tmp_path):
    bench = _benchmark()
    file = tmp_path / "document.txt"
    file.write_text(bench.generated_text(MEGABYTES * 1_000_000), encoding="utf-8")
    row = bench.compare(small384, file, tmp_path, chunk_tokens=CHUNK_TOKENS)
    assert row["cli_mb"] <= 1.5 * row["library_mb"], row
    assert f"indexed 1 file(s) ({row['chunks']} chunks)" in row["cli_stdout"], row
    # past 20,000 chunks the store says once, in words, to use a server; qdrant-client's raw warning is gone
    assert row["cli_stderr"].count("--qdrant-url http://localhost:6333") == 1, row["cli_stderr"]
    assert "UserWarning" not in row["cli_stderr"] and "Local mode is not recommended" not in row["cli_stderr"]
