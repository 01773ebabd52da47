"""``chunk_and_embed`` with 0 text workers against 1 and 2 (processes or threads), on the same documents, alternately.

The runs take turns so that load from other processes hits every setting alike; the best wall time
and the best process CPU time of each count, and each run's largest vector difference from the
first setting's is printed. Worker processes are started afresh before each run (so that no sentence
cache of an earlier run helps), outside the clock. ``--pack`` adds a run of the last worker count with
padding-free packed batches (flash-attention only). Benchmarks measure; they assert nothing.

    HF_HUB_OFFLINE=1 python benchmarks/text_workers.py --data ../shared/data/qmsum/val --limit 6
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from latechunk import LateChunker
from latechunk.chunkers.segmentation import clear_sentence_cache
from latechunk.eval.data import load_qmsum
from latechunk.pipeline.host_workers import close_pools
from latechunk.pipeline.tokenization import backend_copy, tokenize


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/qmsum/val")
    parser.add_argument("--model", default="sentence-transformers/all-MiniLM-L6-v2")
    parser.add_argument("--limit", type=int, default=6, help="only the first N meetings")
    parser.add_argument("--device", default=None)
    parser.add_argument("--dtype", default=None)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--kind", choices=("process", "thread"), default=None, help="default: processes")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--naive", action="store_true", help="naive chunking: each chunk embedded on its own")
    parser.add_argument("--attn-implementation", default=None)
    parser.add_argument("--pack", action="store_true", help="add a run with padding-free packed batches")
    args = parser.parse_args()

    docs = [d.text for d in load_qmsum(args.data, args.limit).documents]
    common = dict(device=args.device, dtype=args.dtype, attn_implementation=args.attn_implementation)
    common["text_worker_kind"] = args.kind
    chunkers = {f"text_workers={w}": LateChunker(args.model, text_workers=w, **common) for w in args.workers}
    if args.pack:
        last = args.workers[-1]
        chunkers[f"text_workers={last}, packed"] = LateChunker(
            args.model, text_workers=last, pack_sequences=True, **common
        )
    labels = list(chunkers)
    late = not args.naive
    reference = chunkers[labels[0]].chunk_and_embed(docs, late_chunking=late)  # warm-up, the vectors to compare with
    wall = dict.fromkeys(labels, float("inf"))
    cpu = dict.fromkeys(labels, float("inf"))
    loads = [os.getloadavg()[0]]
    for _ in range(args.repeats):
        for workers, chunker in chunkers.items():
            close_pools()
            clear_sentence_cache()
            chunker.engine.host.start()
            started, started_cpu = time.perf_counter(), time.process_time()
            chunks = chunker.chunk_and_embed(docs, late_chunking=late)
            wall[workers] = min(wall[workers], time.perf_counter() - started)
            cpu[workers] = min(cpu[workers], time.process_time() - started_cpu)
            got = np.concatenate([[c.embedding for c in d] for d in chunks])
            want = np.concatenate([[c.embedding for c in d] for d in reference])
            assert got.shape == want.shape, "a different chunking"  # a sanity check of the run, not a timing
            print(f"{workers}: {wall[workers]:.2f} s best so far, max |diff| {np.abs(got - want).max():.2e}")
        loads.append(os.getloadavg()[0])
    tokens = sum(len(t) for t in tokenize(backend_copy(chunkers[labels[0]].tokenizer), docs))
    groups = len(chunkers[labels[-1]].engine.host.groups([len(d) for d in docs]))
    close_pools()
    print(f"{len(docs)} documents, {tokens} tokens, {groups} groups with workers; load average {loads}")
    for workers in labels:
        base_wall, base_cpu = wall[labels[0]], cpu[labels[0]]
        print(
            f"{workers}: wall {wall[workers]:.2f} s ({100 * (wall[workers] / base_wall - 1):+.1f}%), "
            f"CPU {cpu[workers]:.2f} s ({100 * (cpu[workers] / base_cpu - 1):+.1f}%), "
            f"{tokens / wall[workers]:,.0f} tokens/s"
        )


if __name__ == "__main__":
    main()
