"""Padding against batch count on the CPU: greedy batches vs least-padding batches at several batch costs.

Runs ``chunk_and_embed`` (naive by default: every chunk its own sequence, the case with a long tail
of lengths; ``--late`` for late chunking) on the first ``--limit`` QMSum val meetings with each
batching rule, alternately, ``--repeats`` times, and prints per rule: batches, the padded share of
the tokens run, best wall and process CPU seconds, and the largest vector difference from the
greedy rule's vectors.

    HF_HUB_OFFLINE=1 python benchmarks/padding.py --data ../shared/data/qmsum/val --limit 2 --costs 0,16,64,256
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import latechunk.pipeline.runner as runner_module
from latechunk import LateChunker
from latechunk.eval.data import load_qmsum
from latechunk.pipeline.batching import least_padding_batches, token_budget_batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/qmsum/val")
    parser.add_argument("--limit", type=int, default=2)
    parser.add_argument("--costs", default="0,16,64,256", help="batch costs in tokens for the least-padding rule")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--late", action="store_true", help="late chunking instead of naive")
    args = parser.parse_args()
    docs = [d.text for d in load_qmsum(args.data, args.limit).documents]
    lc = LateChunker(show_progress_bar=False)
    runner = lc.loaded.runner
    forward = runner._forward
    lengths: list[list[int]] = []

    def recording(sequences: list[np.ndarray]):
        lengths.append([len(s) for s in sequences])
        return forward(sequences)

    runner._forward = recording
    rules = {"greedy": lambda lens, budget, size: token_budget_batches(lens, budget, size)}
    for cost in (int(c) for c in args.costs.split(",")):
        rules[f"least-padding {cost}"] = lambda lens, budget, size, cost=cost: least_padding_batches(
            lens, budget, size, cost
        )
    original = runner_module.least_padding_batches
    results: dict[str, dict] = {name: {"wall": float("inf"), "cpu": float("inf")} for name in rules}
    lc.chunk_and_embed(docs[:1], late_chunking=args.late)  # warm-up
    for _ in range(args.repeats):
        for name, rule in rules.items():
            runner_module.least_padding_batches = lambda lens, budget, size, _cost, rule=rule: rule(lens, budget, size)
            lengths.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            chunks = lc.chunk_and_embed(docs, late_chunking=args.late)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            row = results[name]
            row["wall"], row["cpu"] = min(row["wall"], wall), min(row["cpu"], cpu)
            row["batches"] = len(lengths)
            real = sum(sum(batch) for batch in lengths)
            row["padding"] = 1 - real / sum(len(batch) * max(batch) for batch in lengths)
            row["vectors"] = np.concatenate([np.stack([c.embedding for c in doc]) for doc in chunks])
    runner_module.least_padding_batches = original
    reference = results["greedy"]["vectors"]
    print(f"{len(docs)} meetings, {'late' if args.late else 'naive'} chunking, {len(reference)} chunks")
    for name, row in results.items():
        diff = float(np.abs(row["vectors"] - reference).max())
        print(
            f"{name:20s} batches {row['batches']:4d}  padding {100 * row['padding']:5.1f} %  "
            f"wall {row['wall']:6.2f} s  cpu {row['cpu']:6.2f} s  max |diff| {diff:.1e}"
        )


if __name__ == "__main__":
    main()
