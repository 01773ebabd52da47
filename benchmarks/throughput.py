"""Throughput of ``chunk_and_embed`` against the bare model forward over the same windows.

The pipeline's overhead is everything but the model: tokenization, chunking, window planning,
batching, merging and pooling. Each batch the pipeline runs is recorded, then run again through the
bare model alone (the limit). Benchmarks measure; they assert nothing.

    HF_HUB_OFFLINE=1 python benchmarks/throughput.py --data ../shared/data/qmsum/val --limit 8
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from latechunk import LateChunker
from latechunk.chunkers.segmentation import clear_sentence_cache
from latechunk.eval.data import load_qmsum
from latechunk.pipeline.tokenization import tokenize


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(function, device: torch.device, clock=time.perf_counter):
    synchronize(device)
    started = clock()
    result = function()
    synchronize(device)
    return clock() - started, result


def pad(sequences: list[np.ndarray], pad_id: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    longest = max(len(s) for s in sequences)
    ids = np.full((len(sequences), longest), pad_id, dtype=np.int64)
    mask = np.zeros((len(sequences), longest), dtype=np.int64)
    for row, s in enumerate(sequences):
        ids[row, : len(s)], mask[row, : len(s)] = s, 1
    return torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/qmsum/val")
    parser.add_argument("--model", default="sentence-transformers/all-MiniLM-L6-v2")
    parser.add_argument("--limit", type=int, default=None, help="only the first N meetings")
    parser.add_argument("--device", default=None)
    parser.add_argument("--dtype", default=None)
    parser.add_argument("--max-length", type=int, default=None)
    parser.add_argument("--chunker", default="sentences", help="sentences (default), paragraphs or tokens")
    parser.add_argument("--repeats", type=int, default=2, help="alternating runs of each; the best time counts")
    args = parser.parse_args()

    docs = [d.text for d in load_qmsum(args.data, args.limit).documents]
    lc = LateChunker(args.model, device=args.device, dtype=args.dtype, max_length=args.max_length, chunker=args.chunker)
    device = lc.loaded.device
    lc.chunk_and_embed(docs[:1])  # warm-up

    batches: list[list[np.ndarray]] = []
    runner = lc.loaded.runner
    forward = runner._forward

    def recording_forward(sequences: list[np.ndarray]) -> torch.Tensor:
        batches.append(sequences)
        return forward(sequences)

    def run_pipeline() -> list:
        clear_sentence_cache()  # every run segments from scratch
        batches.clear()
        runner._forward = recording_forward
        try:
            return lc.chunk_and_embed(docs)
        finally:
            runner._forward = forward

    padded = []  # the same batches, padded as the engine pads them, built before timing

    @torch.inference_mode()
    def run_bare() -> None:
        for ids, mask in padded:
            lc.model(input_ids=ids, attention_mask=mask)

    # alternate the two and keep each one's best time, so that load from other processes hits both alike;
    # on the CPU the process's CPU time is also reported, which other processes disturb less than wall time
    clock = time.perf_counter if device.type == "cuda" else time.process_time
    pipeline_s = bare_s = pipeline_cpu = bare_cpu = float("inf")
    for _ in range(args.repeats):
        pipeline_time, chunks = timed(run_pipeline, device)
        padded[:] = [pad(sequences, lc.loaded.special.pad_id, device) for sequences in batches]
        bare_time, _ = timed(run_bare, device)
        pipeline_s, bare_s = min(pipeline_s, pipeline_time), min(bare_s, bare_time)
        if clock is time.process_time:
            pipeline_cpu = min(pipeline_cpu, timed(run_pipeline, device, clock)[0])
            bare_cpu = min(bare_cpu, timed(run_bare, device, clock)[0])

    clear_sentence_cache()
    started = time.perf_counter()
    for text, tokens in zip(docs, tokenize(lc.tokenizer, docs), strict=True):
        lc.chunker.split(text, tokens.offsets)
    chunking_s = time.perf_counter() - started

    doc_tokens = sum(len(t) for t in tokenize(lc.tokenizer, docs))
    run_tokens = int(sum(len(s) for sequences in batches for s in sequences))
    print(f"model {args.model} on {device} ({lc.loaded.dtype}), window {lc.max_length}, overlap {lc.window.overlap}")
    print(f"documents {len(docs)}, document tokens {doc_tokens}, chunks {sum(len(c) for c in chunks)}")
    print(f"tokens run per document token: {run_tokens / doc_tokens:.3f} ({len(batches)} batches)")
    print(f"chunk_and_embed: {pipeline_s:.2f} s = {doc_tokens / pipeline_s:,.0f} document tokens/s")
    print(f"bare forward of the same batches: {bare_s:.2f} s = {doc_tokens / bare_s:,.0f} document tokens/s")
    print(f"pipeline overhead over the bare forward (wall time): {100 * (pipeline_s / bare_s - 1):+.1f}%")
    if pipeline_cpu < float("inf"):
        print(f"CPU time: chunk_and_embed {pipeline_cpu:.2f} s, bare forward {bare_cpu:.2f} s, ", end="")
        print(f"overhead {100 * (pipeline_cpu / bare_cpu - 1):+.1f}%")
    print(f"chunking alone ({lc.chunker!r}): {chunking_s:.2f} s = {100 * chunking_s / pipeline_s:.1f}% of it")


if __name__ == "__main__":
    main()
