"""Compare window overlaps, merge rules and special-token pooling on QMSum val (span nDCG@10).

Every configuration uses the same sentence-packed chunk boundaries; each row reports the tokens
the model ran per document token beside the scores. Results go to a JSON-lines file as they come.

    HF_HUB_OFFLINE=1 python benchmarks/window_merge.py --data ../shared/data/qmsum/val --out runs/window_merge.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from latechunk import LateChunker
from latechunk.eval.data import load_qmsum
from latechunk.eval.runner import Timings, chunk_corpus, evaluate

# (max_length, overlap, merge, pool_special_tokens)
CONFIGS = [
    (512, 128, "first", False),
    (512, 255, "first", False),
    (512, 128, "center", False),
    (512, 128, "center", True),
    (512, 128, "mean", False),
    (512, 255, "mean", False),
    (512, 0, "first", False),
    (512, 32, "center", False),
    (512, 64, "center", False),
    (512, 96, "center", False),
    (512, 192, "center", False),
    (512, 255, "center", False),
    (512, 64, "center", True),
    (512, 255, "center", True),
    (512, 128, "first", True),
    (256, 64, "center", False),
    (256, 64, "center", True),
    (256, 128, "center", False),
    (128, 32, "center", False),
    (128, 32, "center", True),
    (384, 96, "center", False),
    (256, 64, "mean", False),
    (256, 128, "mean", False),
    (256, 127, "mean", False),
    (256, 64, "first", False),
    (256, 0, "first", False),
    (256, 32, "center", False),
    (256, 96, "center", False),
    (256, 127, "center", False),
    (128, 32, "mean", False),
    (128, 64, "mean", False),
    (128, 64, "center", False),
    (256, 64, "mean", True),
    (256, 64, "center", True),
]


def load_or_chunk(lc: LateChunker, corpus, sizes: list[int], cache: str | None) -> dict:
    """The chunk spans per size, from the cache file when it exists (so no spaCy is needed there)."""
    if cache and Path(cache).exists():
        stored = json.loads(Path(cache).read_text())
        return {int(size): [[tuple(s) for s in doc] for doc in docs] for size, docs in stored.items()}
    spans = chunk_corpus(lc, corpus, sizes, Timings())
    if cache:
        Path(cache).write_text(json.dumps({str(size): docs for size, docs in spans.items()}))
    return spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/qmsum/val")
    parser.add_argument("--model", default="sentence-transformers/all-MiniLM-L6-v2")
    parser.add_argument("--out", default="runs/window_merge.jsonl")
    parser.add_argument("--chunk-sizes", default="16,32,64,128,256")
    parser.add_argument("--limit", type=int, default=None, help="only the first N meetings")
    parser.add_argument("--naive", action="store_true", help="also run the naive baseline")
    parser.add_argument("--only", default=None, help="comma-separated config numbers to run (0-based)")
    parser.add_argument("--dtype", default="float32", help="float32 keeps the figures comparable across devices")
    parser.add_argument("--device", default=None)
    parser.add_argument("--spans-cache", default=None, help="JSON file of chunk spans: read if present, else written")
    args = parser.parse_args()

    corpus = load_qmsum(args.data, args.limit)
    sizes = [int(s) for s in args.chunk_sizes.split(",")]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    load = {"dtype": args.dtype, "device": args.device}
    base = LateChunker(args.model, **load)
    spans = load_or_chunk(base, corpus, sizes, args.spans_cache)
    chosen = range(len(CONFIGS)) if args.only is None else [int(i) for i in args.only.split(",")]
    jobs = [("naive", None)] if args.naive else []
    jobs += [("late", CONFIGS[i]) for i in chosen]
    for mode, config in jobs:
        if config is None:
            lc = base
        else:
            max_length, overlap, merge, special = config
            lc = LateChunker(
                args.model,
                max_length=max_length,
                overlap=overlap,
                merge=merge,
                pool_special_tokens=special,
                **load,
            )
        started = time.perf_counter()
        rows = evaluate(lc, corpus, sizes, modes=[mode], progress=False, spans=spans)
        with out.open("a") as handle:
            for row in rows:
                handle.write(json.dumps(row) + "\n")
        best = next(r for r in rows if r["chunk_size"] == 64)
        print(
            f"{mode} {config}: span nDCG@10 (64 tok) {best['span_ndcg@10']:.4f}, "
            f"run/doc tokens {best['tokens_run_per_doc_token']}, {time.perf_counter() - started:.0f}s",
            flush=True,
        )


if __name__ == "__main__":
    main()
