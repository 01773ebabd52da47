"""Embed a corpus naive and late with the same chunk boundaries, and score both."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from latechunk.chunkers import SentenceChunker
from latechunk.defaults import DEFAULT_DOCUMENT_TASK, DEFAULT_QUERY_TASK
from latechunk.eval.data import Corpus
from latechunk.eval.metrics import ndcg_at_k, overlaps_any, recall_at_k
from latechunk.late_chunker import LateChunker
from latechunk.pipeline.tokenization import tokenize
from latechunk.types import Span

MODES = ("naive", "late")


@dataclass
class ChunkIndex:
    """Every chunk of the corpus for one chunk size: owning document, span and vector."""

    doc_of: np.ndarray
    spans: np.ndarray
    vectors: np.ndarray


@dataclass
class Timings:
    chunking_s: float = 0.0
    encode_s: float = 0.0


def chunk_corpus(
    lc: LateChunker, corpus: Corpus, chunk_sizes: Sequence[int], timings: Timings
) -> dict[int, list[list[Span]]]:
    """Sentence-packed spans of every document for every chunk size (the same for both modes)."""
    started = time.perf_counter()
    texts = [d.text for d in corpus.documents]
    offsets = [t.offsets for t in tokenize(lc.tokenizer, texts)]
    spans = {
        size: [SentenceChunker(chunk_size=size).split(text, off) for text, off in zip(texts, offsets, strict=True)]
        for size in chunk_sizes
    }
    timings.chunking_s += time.perf_counter() - started
    return spans


def embed_late(
    lc: LateChunker, corpus: Corpus, spans: dict[int, list[list[Span]]], timings: Timings, progress: bool
) -> dict[int, ChunkIndex]:
    """One forward pass per window of each document; every chunk size pooled from it."""
    sizes = list(spans)
    vectors: dict[int, list[np.ndarray]] = {s: [] for s in sizes}
    started = time.perf_counter()
    for i, doc in enumerate(tqdm(corpus.documents, desc="late", disable=not progress)):
        sets = lc.embed_span_sets(doc.text, [spans[s][i] for s in sizes], task=DEFAULT_DOCUMENT_TASK)
        for size, chunks in zip(sizes, sets, strict=True):
            vectors[size].append(np.stack([c.embedding for c in chunks]))
    timings.encode_s += time.perf_counter() - started
    return {s: _index(spans[s], np.concatenate(vectors[s])) for s in sizes}


def embed_naive(
    lc: LateChunker, corpus: Corpus, spans: dict[int, list[list[Span]]], timings: Timings, progress: bool
) -> dict[int, ChunkIndex]:
    """Each chunk embedded alone; a chunk shared by several sizes is embedded once."""
    keys = sorted({(i, s, e) for per_doc in spans.values() for i, doc in enumerate(per_doc) for s, e in doc})
    texts = [corpus.documents[i].text[s:e] for i, s, e in keys]
    started = time.perf_counter()
    shown, lc.encoder.show_progress_bar = lc.encoder.show_progress_bar, progress
    try:
        matrix = lc.embed(texts, task=DEFAULT_DOCUMENT_TASK)
    finally:
        lc.encoder.show_progress_bar = shown
    timings.encode_s += time.perf_counter() - started
    row = {key: n for n, key in enumerate(keys)}
    result = {}
    for size, per_doc in spans.items():
        rows = [row[(i, s, e)] for i, doc in enumerate(per_doc) for s, e in doc]
        result[size] = _index(per_doc, matrix[rows])
    return result


def _index(per_doc: list[list[Span]], vectors: np.ndarray) -> ChunkIndex:
    doc_of = np.concatenate([np.full(len(doc), i) for i, doc in enumerate(per_doc)]).astype(np.int64)
    spans = np.asarray([span for doc in per_doc for span in doc], dtype=np.int64).reshape(-1, 2)
    return ChunkIndex(doc_of, spans, vectors)


def score(index: ChunkIndex, corpus: Corpus, query_vectors: np.ndarray, k: int = 10) -> dict[str, float]:
    """Span-level nDCG@k and Recall@k over all chunks; document-level nDCG@k by best chunk."""
    doc_position = {d.id: i for i, d in enumerate(corpus.documents)}
    sims = query_vectors @ index.vectors.T
    starts = np.flatnonzero(np.r_[True, index.doc_of[1:] != index.doc_of[:-1]])
    doc_scores = np.maximum.reduceat(sims, starts, axis=1)
    doc_ids = index.doc_of[starts]
    span_ndcg, span_recall, doc_ndcg = [], [], []
    for q, query in enumerate(corpus.queries):
        if query.doc_id is None:
            continue
        gold_doc = doc_position[query.doc_id]
        ranking = np.argsort(-doc_scores[q], kind="stable")
        doc_ndcg.append(ndcg_at_k((doc_ids[ranking] == gold_doc).astype(float), 1, k))
        if not query.spans:
            continue
        in_doc = np.flatnonzero(index.doc_of == gold_doc)
        relevant = np.zeros(len(index.doc_of), dtype=bool)
        relevant[in_doc] = [overlaps_any(tuple(index.spans[j]), query.spans) for j in in_doc]
        top = np.argsort(-sims[q], kind="stable")[:k]
        span_ndcg.append(ndcg_at_k(relevant[top].astype(float), int(relevant.sum()), k))
        span_recall.append(recall_at_k(relevant[top].astype(float), int(relevant.sum()), k))
    return {
        f"span_ndcg@{k}": float(np.mean(span_ndcg)) if span_ndcg else float("nan"),
        f"span_recall@{k}": float(np.mean(span_recall)) if span_recall else float("nan"),
        f"doc_ndcg@{k}": float(np.mean(doc_ndcg)) if doc_ndcg else float("nan"),
        "queries": len(span_ndcg),
    }


def evaluate(
    lc: LateChunker,
    corpus: Corpus,
    chunk_sizes: Sequence[int] = (16, 32, 64, 128, 256),
    modes: Sequence[str] = MODES,
    progress: bool = True,
    spans: dict[int, list[list[Span]]] | None = None,
) -> list[dict]:
    """One row per (mode, chunk size) with the metrics, the settings and the cost."""
    for mode in modes:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; choose from {MODES}")
    chunk_timings = Timings()
    spans = spans or chunk_corpus(lc, corpus, chunk_sizes, chunk_timings)
    queries = lc.embed([q.text for q in corpus.queries], task=DEFAULT_QUERY_TASK)
    doc_tokens = sum(len(t) for t in tokenize(lc.tokenizer, [d.text for d in corpus.documents]))
    rows = []
    for mode in modes:
        timings = Timings()
        before = lc.tokens_run
        embed = embed_late if mode == "late" else embed_naive
        indexes = embed(lc, corpus, spans, timings, progress)
        run_ratio = (lc.tokens_run - before) / max(doc_tokens, 1)
        for size in chunk_sizes:
            rows.append(
                {
                    "mode": mode,
                    "chunk_size": size,
                    "chunks": len(indexes[size].doc_of),
                    **score(indexes[size], corpus, queries),
                    "max_length": lc.max_length,
                    "overlap": lc.window.overlap,
                    "merge": lc.window.merge,
                    "pool_special_tokens": lc.pool_special_tokens,
                    "tokens_run_per_doc_token": round(run_ratio, 3),
                    "encode_s": round(timings.encode_s, 2),
                    "chunking_s": round(chunk_timings.chunking_s, 2),
                }
            )
    return rows
