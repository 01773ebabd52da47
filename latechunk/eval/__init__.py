"""Retrieval evaluation: naive against late chunking on the same chunk boundaries."""

from latechunk.eval.data import Corpus, Document, Query, load_jsonl, load_qmsum
from latechunk.eval.metrics import ndcg_at_k, overlaps_any, recall_at_k
from latechunk.eval.runner import evaluate

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
