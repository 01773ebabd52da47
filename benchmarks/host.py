"""The host's share of ``chunk_and_embed``: document tokens/s with a near-free model, against the tokenizer alone.

The model is a BERT with no layer at all (embeddings and a LayerNorm, width 16) under MiniLM's
tokenizer and window, so nearly everything ``chunk_and_embed`` spends is host work: tokenizing,
segmenting, packing, planning, batching, merging, pooling, building results. The forward pass's own
time is measured too (the same batches, run bare) and printed beside it. Each setting (0, 1, 2
workers; processes and threads) runs on the same documents in the same run as the tokenizer alone,
alternately, best of ``--repeats``; worker processes start before the timed calls and are restarted
for each run, so that no sentence cache of an earlier run helps. ``--stages`` adds the cost of each
stage, measured one at a time in the calling thread. The tokenizer alone runs on every core (its Rust
threads) and on one (``TOKENIZERS_PARALLELISM=false``); each run's ratio is given to both. Benchmarks
measure; they assert nothing.

    HF_HUB_OFFLINE=1 python benchmarks/host.py --data ../shared/data/qmsum/val --stages
    HF_HUB_OFFLINE=1 python benchmarks/host.py --model sentence-transformers/all-MiniLM-L6-v2  # the real model
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psutil
import torch

from latechunk import LateChunker
from latechunk.chunkers.segmentation import clear_sentence_cache, split_sentences
from latechunk.eval.data import load_qmsum
from latechunk.pipeline.encode_plan import EncodeRequest, plan_encoding
from latechunk.pipeline.host_workers import close_pools, worker_pids
from latechunk.pipeline.loading import resolve_model_path
from latechunk.pipeline.planning import chunk_rows, document_chunks
from latechunk.pipeline.tokenization import backend_copy, tokenize

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")


def free_model(tokenizer_model: str, folder: Path, width: int, layers: int) -> str:
    """A BERT of ``layers`` layers and width ``width`` with random weights, in ``folder``, with the tokenizer
    and the sentence-transformers window of ``tokenizer_model`` (a local folder)."""
    from transformers import BertConfig, BertModel

    source = Path(resolve_model_path(tokenizer_model))
    for name in (*TOKENIZER_FILES, "sentence_bert_config.json"):
        if (source / name).exists():
            shutil.copy(source / name, folder / name)
    vocab = json.loads((source / "config.json").read_text())["vocab_size"]
    config = BertConfig(
        vocab_size=vocab,
        hidden_size=width,
        num_hidden_layers=layers,
        num_attention_heads=max(1, width // 16),
        intermediate_size=4 * width,
        max_position_embeddings=512,
    )
    torch.manual_seed(0)
    BertModel(config, add_pooling_layer=False).eval().save_pretrained(folder)
    return str(folder)


def best(function: Callable[[], object], repeats: int, before: Callable[[], None] = lambda: None) -> float:
    times = []
    for _ in range(repeats):
        before()
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def hf_tokenize(tokenizer, docs: list[str]) -> None:
    """The transformers call with offsets: what the engine used before it read the Rust backend directly."""
    tokenizer(
        docs,
        add_special_tokens=False,
        return_offsets_mapping=True,
        return_attention_mask=False,
        return_token_type_ids=False,
        truncation=False,
        verbose=False,
    )


def recorded_forward(lc: LateChunker) -> tuple[list[list[np.ndarray]], Callable[[], None]]:
    """The batches the runner runs are recorded (and timed) from now on; returns them and a function that
    undoes the recording."""
    runner = lc.loaded.runner
    forward = runner._forward
    batches: list[list[np.ndarray]] = []

    def recording(sequences: list[np.ndarray]) -> torch.Tensor:
        batches.append(sequences)
        return forward(sequences)

    runner._forward = recording
    return batches, lambda: setattr(runner, "_forward", forward)


@torch.inference_mode()
def bare_forward_seconds(lc: LateChunker, batches: list[list[np.ndarray]], repeats: int) -> float:
    runner = lc.loaded.runner
    padded = []
    for sequences in batches:
        lengths = np.array([len(s) for s in sequences])
        mask = (np.arange(lengths.max()) < lengths[:, None]).astype(np.int64)
        ids = np.full(mask.shape, runner.pad_id, np.int64)
        ids[mask.astype(bool)] = np.concatenate(sequences)
        padded.append((torch.from_numpy(ids), torch.from_numpy(mask)))
    return best(lambda: [lc.model(input_ids=i, attention_mask=m) for i, m in padded], repeats)


def stage_costs(lc: LateChunker, docs: list[str], repeats: int) -> dict[str, float]:
    """Seconds of each stage over all documents, one stage at a time, in the calling thread."""
    host = lc.engine.host
    tokenizer, chunker, settings = host.tokenizer, host.chunker, host.settings
    costs = {"tokenize (Rust batch call, ids and offsets into numpy)": best(lambda: tokenize(tokenizer, docs), repeats)}
    tokens = tokenize(tokenizer, docs)
    costs["segment (sentences)"] = best(lambda: [split_sentences(d) for d in docs], repeats, clear_sentence_cache)
    [split_sentences(d) for d in docs]  # cached from here: the chunker's time is then its packing
    costs["pack (the chunker, sentences cached)"] = best(
        lambda: [document_chunks(chunker, d, t) for d, t in zip(docs, tokens, strict=True)], repeats
    )
    spans = [document_chunks(chunker, d, t)[0] for d, t in zip(docs, tokens, strict=True)]
    prefix = np.zeros(0, np.int64)

    def plan() -> object:
        ranges = [chunk_rows(s, None, t, "d")[1] for s, t in zip(spans, tokens, strict=True)]
        requests = [EncodeRequest(t.ids, prefix, r, True) for t, r in zip(tokens, ranges, strict=True)]
        return plan_encoding(requests, settings.special, settings.window)

    costs["plan (token ranges, windows, segments)"] = best(plan, repeats)
    encode = plan()
    batches, undo = recorded_forward(lc)
    run = best(lambda: lc.encoder.run_plan(encode, None), repeats)
    undo()
    forward = bare_forward_seconds(lc, batches[: len(batches) // repeats], repeats)
    costs["forward (bare, the same batches)"] = forward
    costs["batch, merge and pool (run_plan less the forward)"] = run - forward
    arrays = lc.chunk_and_embed_arrays(docs)
    costs["result objects (Chunk per chunk from the arrays)"] = best(
        lambda: [a.to_chunks(d) for a, d in zip(arrays, docs, strict=True)], repeats
    )
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/qmsum/val")
    parser.add_argument("--limit", type=int, default=None, help="only the first N meetings")
    parser.add_argument("--model", default=None, help="a real model instead of the near-free one")
    parser.add_argument("--tokenizer", default="sentence-transformers/all-MiniLM-L6-v2")
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--layers", type=int, default=0)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--kinds", nargs="+", default=["process", "thread"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stages", action="store_true", help="also the cost of each stage")
    parser.add_argument("--out", default=None, help="write the figures as JSON here")
    args = parser.parse_args()

    docs = [d.text for d in load_qmsum(args.data, args.limit).documents]
    folder = tempfile.TemporaryDirectory(prefix="latechunk-free-model-")
    model = args.model or free_model(args.tokenizer, Path(folder.name), args.width, args.layers)
    settings = [(0, None)] + [(w, k) for w in args.workers if w > 0 for k in args.kinds]
    chunkers = {
        (w, k): LateChunker(model, device="cpu", text_workers=w, text_worker_kind=k, show_progress_bar=False)
        for w, k in settings
    }
    reference = chunkers[(0, None)]
    backend = backend_copy(reference.tokenizer)
    doc_tokens = sum(len(t) for t in tokenize(backend, docs))
    reference.chunk_and_embed(docs[:2])  # warm-up

    one_thread = "Rust batch call into numpy, one thread"
    tokenizer_s = dict.fromkeys(("transformers call", "Rust batch call into numpy", one_thread), float("inf"))
    tokenizer_cpu = dict.fromkeys(tokenizer_s, float("inf"))
    seconds = dict.fromkeys(chunkers, float("inf"))
    cpu = dict.fromkeys(chunkers, float("inf"))
    loads = [os.getloadavg()[0]]
    for _ in range(args.repeats):
        for label, call in (
            ("transformers call", lambda: hf_tokenize(reference.tokenizer, docs)),
            ("Rust batch call into numpy", lambda: tokenize(backend, docs)),
            (one_thread, lambda: tokenize(backend, docs)),
        ):
            parallel = os.environ.get("TOKENIZERS_PARALLELISM")
            if label == one_thread:  # read by the Rust side at each call
                os.environ["TOKENIZERS_PARALLELISM"] = "false"
            started_cpu = time.process_time()
            tokenizer_s[label] = min(tokenizer_s[label], best(call, 1))
            tokenizer_cpu[label] = min(tokenizer_cpu[label], time.process_time() - started_cpu)
            if label == one_thread:
                os.environ.pop("TOKENIZERS_PARALLELISM")
                if parallel is not None:
                    os.environ["TOKENIZERS_PARALLELISM"] = parallel
        for key, lc in chunkers.items():
            close_pools()
            clear_sentence_cache()
            lc.engine.host.start()  # fresh worker processes (cold sentence caches), started before the clock
            workers = [psutil.Process(pid) for pid in worker_pids()]
            started_cpu = time.process_time() + sum(cpu_seconds(w) for w in workers)
            seconds[key] = min(seconds[key], best(lambda lc=lc: lc.chunk_and_embed(docs), 1))
            used = time.process_time() + sum(cpu_seconds(w) for w in workers) - started_cpu
            cpu[key] = min(cpu[key], used)
        loads.append(os.getloadavg()[0])
    close_pools()

    batches, undo = recorded_forward(reference)
    clear_sentence_cache()
    reference.chunk_and_embed(docs)
    undo()
    forward_s = bare_forward_seconds(reference, batches, args.repeats)

    name = model if args.model else f"{args.layers}-layer BERT of width {args.width} with {args.tokenizer}'s tokenizer"
    baseline = min(v for k, v in tokenizer_s.items() if k != one_thread)  # the tokenizer on every core
    print(f"model: {name}; {len(docs)} documents, {doc_tokens} document tokens; {os.cpu_count()} CPUs")
    print(f"load average during the runs: {', '.join(f'{x:.2f}' for x in loads)}")
    for label, value in tokenizer_s.items():
        print(
            f"tokenizer alone ({label}, offsets): {value:.3f} s = {doc_tokens / value:,.0f} tokens/s "
            f"(CPU {tokenizer_cpu[label]:.3f} s)"
        )
    print(f"bare forward of the engine's batches: {forward_s:.3f} s = {doc_tokens / forward_s:,.0f} document tokens/s")
    rows = []
    for (workers, kind), value in seconds.items():
        label = "0 workers (calling thread)" if workers == 0 else f"{workers} {kind} worker{'s' * (workers > 1)}"
        ratio, ratio_one = baseline / value, tokenizer_s[one_thread] / value
        print(
            f"chunk_and_embed, {label}: {value:.3f} s = {doc_tokens / value:,.0f} document tokens/s, "
            f"ratio to the faster tokenizer alone {ratio:.2f}, to the one-thread tokenizer {ratio_one:.2f} "
            f"(CPU of this process and its workers {cpu[(workers, kind)]:.3f} s)"
        )
        rows.append({"workers": workers, "kind": kind, "seconds": value, "ratio": ratio, "cpu": cpu[(workers, kind)]})
        rows[-1]["ratio_one_thread"] = ratio_one
    result = {"model": name, "doc_tokens": doc_tokens, "tokenizer_s": tokenizer_s, "forward_s": forward_s}
    result["tokenizer_cpu_s"], result["loads"] = tokenizer_cpu, loads
    result["runs"] = rows
    if args.stages:
        costs = stage_costs(reference, docs, args.repeats)
        total = sum(costs.values())
        print("stage costs, calling thread, one at a time:")
        for stage, value in costs.items():
            print(f"  {stage}: {value:.3f} s ({100 * value / total:.0f}%)")
        result["stages"] = costs
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
