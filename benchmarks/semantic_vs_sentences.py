"""Semantic against sentence chunks on QMSum val (span nDCG@10, late chunking), and what chunking costs.

Quality, on the first ``--limit`` meetings: one late pass with a SemanticChunker (through
``LateChunker.chunk_and_embed``, the path users take) keeps each meeting's token vectors; the other
semantic settings read their boundaries off those same vectors, and every span set (sentence
sizes and semantic settings) is pooled from one more pass with ``embed_span_sets``. The first
semantic setting is checked to give the same vectors both ways.

Speed, on all meetings: sentence chunking (spaCy segmentation and packing) for the chunk sizes of
the core benchmark, against the late-chunking encode time extrapolated per token from the quality
pass (``tokens / (pass seconds - semantic chunking seconds)``).

    HF_HUB_OFFLINE=1 python benchmarks/semantic_vs_sentences.py --data ../shared/data/qmsum/val \\
        --limit 8 --out ../runs/semantic_compare.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from latechunk import LateChunker
from latechunk.chunkers import SemanticChunker, SentenceChunker, token_counts
from latechunk.eval.data import Corpus, load_qmsum
from latechunk.eval.runner import ChunkIndex, score
from latechunk.pipeline.tokenization import tokenize
from latechunk.types import Span

SENTENCE_SIZES = (16, 24, 32, 48, 64, 96, 128)
SEMANTIC = [  # (chunk_size, min_tokens, threshold_percentile); the first is the pass that keeps vectors
    (64, None, None),
    (32, None, None),
    (40, None, None),
    (80, None, None),
    (128, None, None),
    (176, None, None),
    (256, None, None),
    (64, 0, None),
    (64, None, 10.0),
    (128, None, 25.0),
]
CORE_SIZES = (16, 32, 64, 128, 256)


class RecordingSemanticChunker(SemanticChunker):
    """A SemanticChunker that keeps each document's token vectors and times its own work."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.vectors: list[Any] = []
        self.seconds = 0.0

    def split_with_vectors(self, text: str, token_offsets: np.ndarray, token_vectors: Any) -> list[Span]:
        started = time.perf_counter()
        spans = super().split_with_vectors(text, token_offsets, token_vectors)
        self.seconds += time.perf_counter() - started
        self.vectors.append(token_vectors.detach().cpu().clone())
        return spans


def chunking_speed(lc: LateChunker, corpus: Corpus) -> dict[str, float]:
    """Seconds to sentence-chunk every meeting at each core chunk size (tokenization not counted)."""
    texts = [d.text for d in corpus.documents]
    offsets = [t.offsets for t in tokenize(lc.tokenizer, texts)]
    seconds = {}
    for size in CORE_SIZES:
        started = time.perf_counter()
        for text, off in zip(texts, offsets, strict=True):
            SentenceChunker(chunk_size=size).split(text, off)
        seconds[size] = time.perf_counter() - started
    return {"tokens": int(sum(len(o) for o in offsets)), **{f"chunk_s_{s}": round(t, 3) for s, t in seconds.items()}}


def index_of(per_doc: list[list[Span]], vectors: list[np.ndarray]) -> ChunkIndex:
    doc_of = np.concatenate([np.full(len(doc), i) for i, doc in enumerate(per_doc)]).astype(np.int64)
    spans = np.asarray([s for doc in per_doc for s in doc], dtype=np.int64).reshape(-1, 2)
    return ChunkIndex(doc_of, spans, np.concatenate(vectors))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/qmsum/val")
    parser.add_argument("--model", default="sentence-transformers/all-MiniLM-L6-v2")
    parser.add_argument("--limit", type=int, default=8, help="meetings for the quality comparison")
    parser.add_argument("--out", default="../runs/semantic_compare.jsonl")
    args = parser.parse_args()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)

    def emit(row: dict) -> None:
        print(json.dumps(row), flush=True)
        with out.open("a") as handle:
            handle.write(json.dumps(row) + "\n")

    lc = LateChunker(args.model, show_progress_bar=False)
    everything = load_qmsum(args.data)
    speed = chunking_speed(lc, everything)  # first, so spaCy runs cold
    corpus = load_qmsum(args.data, args.limit)
    texts = [d.text for d in corpus.documents]
    offsets = [t.offsets for t in tokenize(lc.tokenizer, texts)]
    tokens = sum(len(o) for o in offsets)
    chunk_size, min_tokens, percentile = SEMANTIC[0]
    recorder = RecordingSemanticChunker(chunk_size=chunk_size, min_tokens=min_tokens, threshold_percentile=percentile)
    recording = LateChunker(args.model, chunker=recorder, show_progress_bar=False)
    started = time.perf_counter()
    first_pass = recording.chunk_and_embed(texts, task="retrieval.passage")
    pass_s = time.perf_counter() - started
    encode_s = pass_s - recorder.seconds
    emit(
        {
            "kind": "speed",
            "meetings": len(everything.documents),
            **speed,
            "chunk_s_all_sizes": round(sum(v for k, v in speed.items() if k.startswith("chunk_s_")), 3),
            "encode_tokens_per_s": round(tokens / encode_s, 1),
            "encode_s_estimate": round(speed["tokens"] * encode_s / tokens, 1),
            "semantic_chunk_s_subset": round(recorder.seconds, 3),
            "semantic_share_of_encode": round(recorder.seconds / encode_s, 4),
            "subset_meetings": len(texts),
            "subset_tokens": tokens,
            "subset_encode_s": round(encode_s, 1),
        }
    )

    span_sets: dict[str, list[list[Span]]] = {f"sentences/{s}": [] for s in SENTENCE_SIZES}
    settings = {
        f"semantic/{m}/{n}/{p}": SemanticChunker(chunk_size=m, min_tokens=n, threshold_percentile=p)
        for m, n, p in SEMANTIC
    }
    span_sets.update({name: [] for name in settings})
    for text, off, vectors in zip(texts, offsets, recorder.vectors, strict=True):
        for size in SENTENCE_SIZES:
            span_sets[f"sentences/{size}"].append(SentenceChunker(chunk_size=size).split(text, off))
        for name, chunker in settings.items():
            span_sets[name].append(chunker.split_with_vectors(text, off, vectors))
    first_name = next(iter(settings))
    assert span_sets[first_name] == [[(c.start, c.end) for c in doc] for doc in first_pass]

    pooled: dict[str, list[np.ndarray]] = {name: [] for name in span_sets}
    for i, text in enumerate(texts):
        sets = lc.embed_span_sets(text, [span_sets[name][i] for name in span_sets], task="retrieval.passage")
        for name, chunks in zip(span_sets, sets, strict=True):
            pooled[name].append(np.stack([c.embedding for c in chunks]))
    drift = max(
        float(np.abs(np.stack([c.embedding for c in doc]) - mine).max())
        for doc, mine in zip(first_pass, pooled[first_name], strict=True)
    )
    queries = lc.embed([q.text for q in corpus.queries], task="retrieval.query")
    for name, per_doc in span_sets.items():
        counts = np.concatenate([token_counts(off, spans) for off, spans in zip(offsets, per_doc, strict=True)])
        chunker, *setting = name.split("/")
        emit(
            {
                "kind": "quality",
                "chunker": chunker,
                "max_tokens": int(setting[0]),
                "min_tokens": None if chunker == "sentences" else settings[name].min_tokens,
                "threshold_percentile": None if chunker == "sentences" else settings[name].threshold_percentile,
                "chunks": int(len(counts)),
                "avg_chunk_tokens": round(float(counts.mean()), 1),
                **score(index_of(per_doc, pooled[name]), corpus, queries),
                "meetings": len(texts),
                "max_length": lc.max_length,
                "overlap": lc.window.overlap,
                "merge": lc.window.merge,
                "first_pass_max_abs_diff": drift,
            }
        )


if __name__ == "__main__":
    main()
