"""Retrieval evaluation: naive against late chunking on the same chunk boundaries."""

from __future__ import annotations

from typing import Any

from latechunk.eval.data import Corpus, Document, Query, load_jsonl, load_qmsum
from latechunk.eval.metrics import ndcg_at_k, overlaps_any, recall_at_k

__all__ = [
    "Corpus",
    "Document",
    "Query",
    "evaluate",
    "load_jsonl",
    "load_qmsum",
    "ndcg_at_k",
    "overlaps_any",
    "recall_at_k",
]


def __getattr__(name: str) -> Any:
    if name == "evaluate":  # the runner needs torch: import it on first use
        from latechunk.eval.runner import evaluate

        return evaluate
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
