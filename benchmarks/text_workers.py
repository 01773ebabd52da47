"""``chunk_and_embed`` with 0 background text workers against 1 and 2, on the same documents, alternately.

The runs take turns so that load from other processes hits every setting alike; the best wall time
and the best process CPU time of each count. Benchmarks measure; they assert nothing.

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/qmsum/val")
    parser.add_argument("--model", default="sentence-transformers/all-MiniLM-L6-v2")
    parser.add_argument("--limit", type=int, default=6, help="only the first N meetings")
    parser.add_argument("--device", default=None)
    parser.add_argument("--dtype", default=None)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    docs = [d.text for d in load_qmsum(args.data, args.limit).documents]
    chunkers = {w: LateChunker(args.model, device=args.device, dtype=args.dtype, text_workers=w) for w in args.workers}
    reference = chunkers[args.workers[0]].chunk_and_embed(docs)  # warm-up, and the vectors to compare with
    wall = dict.fromkeys(args.workers, float("inf"))
    cpu = dict.fromkeys(args.workers, float("inf"))
    loads = [os.getloadavg()[0]]
    for _ in range(args.repeats):
        for workers, chunker in chunkers.items():
            clear_sentence_cache()
            started, started_cpu = time.perf_counter(), time.process_time()
            chunks = chunker.chunk_and_embed(docs)
            wall[workers] = min(wall[workers], time.perf_counter() - started)
            cpu[workers] = min(cpu[workers], time.process_time() - started_cpu)
            got = np.concatenate([[c.embedding for c in d] for d in chunks])
            want = np.concatenate([[c.embedding for c in d] for d in reference])
            assert got.shape == want.shape, "a different chunking"  # a sanity check of the run, not a timing
            print(f"workers {workers}: {wall[workers]:.2f} s best so far, max |diff| {np.abs(got - want).max():.2e}")
        loads.append(os.getloadavg()[0])
    tokens = sum(len(t) for t in chunkers[args.workers[0]]._tokenize(docs, None))
    groups = len(chunkers[max(args.workers)]._groups(docs))
    print(f"{len(docs)} documents, {tokens} tokens, {groups} groups with workers; load average {loads}")
    for workers in args.workers:
        base_wall, base_cpu = wall[args.workers[0]], cpu[args.workers[0]]
        print(
            f"text_workers={workers}: wall {wall[workers]:.2f} s ({100 * (wall[workers] / base_wall - 1):+.1f}%), "
            f"CPU {cpu[workers]:.2f} s ({100 * (cpu[workers] / base_cpu - 1):+.1f}%), "
            f"{tokens / wall[workers]:,.0f} tokens/s"
        )


if __name__ == "__main__":
    main()
