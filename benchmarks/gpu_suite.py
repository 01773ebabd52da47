"""Every figure of issue 20's table in one offline run: late and naive chunking against the bare forward.

Run by ``benchmarks/gpu_suite.sh`` (see there); it installs nothing and needs no network. Sections:

1. the tokenizer alone (Rust batch call with offsets) on the documents;
2. MiniLM late chunking, default settings, on whole meetings, 8000-token and 128-token documents:
   document tokens/s of ``chunk_and_embed`` and of the bare forward of the same batches (the batch size
   the engine picks), and their ratio;
3. MiniLM late chunking by number of worker processes (and threads), with each run's largest vector
   difference from the first (the paths must agree);
4. naive chunking: ``chunk_and_embed(late_chunking=False)`` against sentence-transformers ``encode`` of
   the same chunk texts (or, where sentence-transformers is absent, a bare length-sorted forward);
5. a jina-embeddings-v3-shaped random model (full size, 8192-token windows) on 8000-token documents,
   against its bare forward.

Each timed run starts from fresh worker processes and an empty sentence cache, so no run reuses an
earlier one's segmentation; the best of ``--repeats`` counts. Benchmarks measure; they assert nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from throughput import LONG_TOKENS, SHORT_TOKENS, cut_documents, random_jina_v3  # noqa: E402

from latechunk import LateChunker  # noqa: E402
from latechunk.chunkers.segmentation import clear_sentence_cache  # noqa: E402
from latechunk.eval.data import load_qmsum  # noqa: E402
from latechunk.pipeline.host_workers import close_pools  # noqa: E402
from latechunk.pipeline.tokenization import backend_copy, tokenize  # noqa: E402

STARTED = time.perf_counter()


def say(line: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.1f} s] {line}", flush=True)


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(function: Callable[[], object], device: torch.device) -> tuple[float, object]:
    synchronize(device)
    started = time.perf_counter()
    result = function()
    synchronize(device)
    return time.perf_counter() - started, result


class Recorder:
    """Records the batches a model runner runs (to run them bare afterwards)."""

    def __init__(self, lc: LateChunker) -> None:
        self.runner = lc.loaded.runner
        self.forward = self.runner._forward
        self.batches: list[list[np.ndarray]] = []

    def __enter__(self) -> Recorder:
        def recording(sequences: list[np.ndarray]) -> torch.Tensor:
            self.batches.append(sequences)
            return self.forward(sequences)

        self.runner._forward = recording
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.runner._forward = self.forward


def engine_run(lc: LateChunker, docs: list[str], late: bool, repeats: int) -> tuple[float, list, list]:
    """Best seconds of ``chunk_and_embed_arrays``, its result, and the batches of the first timed run."""
    device = lc.loaded.device
    best, result, batches = float("inf"), None, []
    for attempt in range(repeats):
        close_pools()
        clear_sentence_cache()
        lc.engine.host.start()
        with Recorder(lc) as recorder:
            seconds, result = timed(lambda: lc.chunk_and_embed_arrays(docs, late_chunking=late), device)
        if attempt == 0:
            batches = recorder.batches
        best = min(best, seconds)
    return best, result, batches


@torch.inference_mode()
def bare_forward(lc: LateChunker, batches: list[list[np.ndarray]], repeats: int) -> float:
    """Best seconds of the model alone on the same padded batches, already on the device."""
    device, pad = lc.loaded.device, lc.loaded.runner.pad_id
    padded = []
    for sequences in batches:
        lengths = np.array([len(s) for s in sequences])
        mask = (np.arange(lengths.max()) < lengths[:, None]).astype(np.int64)
        ids = np.full(mask.shape, pad, np.int64)
        ids[mask.astype(bool)] = np.concatenate(sequences)
        padded.append((torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device)))
    lc.model(input_ids=padded[0][0], attention_mask=padded[0][1])  # warm-up
    run = lambda: [lc.model(input_ids=i, attention_mask=m) for i, m in padded]  # noqa: E731
    return min(timed(run, device)[0] for _ in range(repeats))


def describe(lc: LateChunker) -> str:
    attention = getattr(lc.model.config, "_attn_implementation", None)
    return (
        f"{lc.loaded.dtype}, {attention}, window {lc.max_length}, batch_size {lc.encoder.batch_size}, "
        f"max_batch_tokens {lc.encoder.max_batch_tokens}, text workers {lc.text_workers} ({lc.text_worker_kind})"
    )


def late_line(name: str, lc: LateChunker, docs: list[str], doc_tokens: int, repeats: int) -> None:
    seconds, _, batches = engine_run(lc, docs, True, repeats)
    forward = bare_forward(lc, batches, repeats)
    tokens = sum(len(s) for b in batches for s in b)
    say(
        f"{name}: chunk_and_embed {seconds:.3f} s = {doc_tokens / seconds:,.0f} doc tok/s | bare forward of its "
        f"{len(batches)} batches ({tokens} tokens) {forward:.3f} s = {doc_tokens / forward:,.0f} doc tok/s | "
        f"ratio {forward / seconds:.0%}"
    )


def largest_difference(a: list, b: list) -> float:
    worst = 0.0
    for x, y in zip(a, b, strict=True):
        if len(x) != len(y) or not np.array_equal(x.starts, y.starts):
            return float("inf")
        if len(x):
            worst = max(worst, float(np.abs(x.embeddings - y.embeddings).max()))
    return worst


def naive_section(lc: LateChunker, docs: list[str], doc_tokens: int, repeats: int) -> None:
    seconds, arrays, batches = engine_run(lc, docs, False, repeats)
    texts = [d[s:e] for d, a in zip(docs, arrays, strict=True) for s, e in np.stack([a.starts, a.ends], 1).tolist()]
    say(
        f"naive chunk_and_embed(late_chunking=False): {len(texts)} chunks, {seconds:.3f} s = "
        f"{doc_tokens / seconds:,.0f} doc tok/s ({len(batches)} batches)"
    )
    device = lc.loaded.device
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        SentenceTransformer = None
    if SentenceTransformer is not None:
        model = SentenceTransformer(lc.model_name, device=str(device))
        model.to(lc.loaded.dtype)  # the engine's dtype
        model.encode(texts[:64])
        for batch_size in (32, lc.encoder.batch_size):
            encode = lambda size=batch_size: model.encode(texts, batch_size=size, normalize_embeddings=True)  # noqa: E731
            st = min(timed(encode, device)[0] for _ in range(repeats))
            say(f"sentence-transformers encode of the same chunk texts, batch_size {batch_size}: {st:.3f} s = "
                f"{doc_tokens / st:,.0f} doc tok/s; naive/ST time ratio {st / seconds:.2f}")  # fmt: skip
        return
    say("sentence-transformers is not installed: a bare length-sorted forward of the same chunk texts instead")
    backend = backend_copy(lc.tokenizer)
    lead, trail = np.asarray(lc.loaded.special.lead), np.asarray(lc.loaded.special.trail)

    @torch.inference_mode()
    def bare() -> None:
        room = lc.max_length - len(lead) - len(trail)
        ids = [np.concatenate([lead, t.ids[:room], trail]) for t in tokenize(backend, texts)]
        order = np.argsort([-len(s) for s in ids], kind="stable")
        for first in range(0, len(order), 32):
            batch = [ids[i] for i in order[first : first + 32]]
            lengths = np.array([len(s) for s in batch])
            mask = (np.arange(lengths.max()) < lengths[:, None]).astype(np.int64)
            padded = np.full(mask.shape, lc.loaded.runner.pad_id, np.int64)
            padded[mask.astype(bool)] = np.concatenate(batch)
            mask_t = torch.from_numpy(mask).to(device)
            hidden = lc.model(input_ids=torch.from_numpy(padded).to(device), attention_mask=mask_t).last_hidden_state
            (hidden * mask_t.unsqueeze(-1)).sum(1) / mask_t.sum(1, keepdim=True)

    bare()
    seconds_bare = min(timed(bare, device)[0] for _ in range(repeats))
    say(f"bare length-sorted forward (tokenize, batches of 32, mean pooling): {seconds_bare:.3f} s = "
        f"{doc_tokens / seconds_bare:,.0f} doc tok/s; naive/bare time ratio {seconds_bare / seconds:.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="the MiniLM folder (e.g. benchmarks/local/minilm-fp16)")
    parser.add_argument("--data", required=True, help="the QMSum val folder of *.json meetings")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--limit", type=int, default=None, help="only the first N meetings")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--workers", type=int, nargs="+", default=None, help="worker counts (default 0 1 4 8 auto)")
    parser.add_argument("--small-jina", action="store_true", help="a tiny jina-v3-shaped model (a smoke run)")
    parser.add_argument("--skip-jina", action="store_true")
    parser.add_argument("--chunker", default=None, help="default: sentences if sentencex imports, else tokens")
    args = parser.parse_args()
    chunker = args.chunker or ("sentences" if importlib.util.find_spec("sentencex") else "tokens")

    device = torch.device(args.device)
    meetings = [d.text for d in load_qmsum(args.data, args.limit).documents]
    say(f"{len(meetings)} meetings, {sum(map(len, meetings)):,} characters; {os.cpu_count()} CPUs")
    say(f"torch {torch.__version__}, python {sys.version.split()[0]}")
    if device.type == "cuda":
        say(f"device {torch.cuda.get_device_name(device)}")

    say(f"chunker: {chunker}" + ("" if chunker != "tokens" or args.chunker else " (sentencex is not installed)"))
    lc = LateChunker(args.model, device=args.device, chunker=chunker, show_progress_bar=False)
    backend = backend_copy(lc.tokenizer)
    sets = {
        "meetings": meetings,
        "long (8000-token documents)": cut_documents(meetings, lc.tokenizer, LONG_TOKENS),
        "short (128-token documents)": cut_documents(meetings, lc.tokenizer, SHORT_TOKENS),
    }
    counts = {name: sum(len(t) for t in tokenize(backend, docs)) for name, docs in sets.items()}
    lc.chunk_and_embed(meetings[:2])  # warm-up: kernels, worker processes

    say("== 1. the tokenizer alone (Rust batch call, offsets into numpy)")
    for parallel in ("true", "false"):
        os.environ["TOKENIZERS_PARALLELISM"] = parallel  # read by the Rust side at each call
        seconds = min(timed(lambda: tokenize(backend, meetings), device)[0] for _ in range(args.repeats))
        say(f"TOKENIZERS_PARALLELISM={parallel}: {seconds:.3f} s = {counts['meetings'] / seconds:,.0f} tok/s")
    os.environ.pop("TOKENIZERS_PARALLELISM")

    say(f"== 2. MiniLM late chunking, defaults: {describe(lc)}")
    for name, docs in sets.items():
        late_line(f"MiniLM {name}, {counts[name]} doc tokens", lc, docs, counts[name], args.repeats)

    say("== 3. MiniLM late chunking on the meetings by text workers")
    default_workers = lc.text_workers
    workers = args.workers if args.workers is not None else sorted({0, 1, 4, 8, default_workers})
    runs = [(w, "process") for w in workers] + [(min(4, max(workers)), "thread")]
    reference = None
    for count, kind in runs:
        kind_setting = kind if count else None
        other = LateChunker(args.model, device=args.device, chunker=chunker, show_progress_bar=False,
                            text_workers=count, text_worker_kind=kind_setting)  # fmt: skip
        seconds, arrays, _ = engine_run(other, meetings, True, args.repeats)
        reference = reference if reference is not None else arrays
        say(f"text_workers={count} ({other.text_worker_kind}): {seconds:.3f} s = "
            f"{counts['meetings'] / seconds:,.0f} doc tok/s; largest vector difference from the first run "
            f"{largest_difference(arrays, reference):.1e}")  # fmt: skip

    say(f"== 4. naive chunking on the meetings: {describe(lc)}")
    naive_section(lc, meetings, counts["meetings"], args.repeats)
    close_pools()

    if not args.skip_jina:
        say("== 5. a jina-embeddings-v3-shaped random model on 8000-token documents")
        with tempfile.TemporaryDirectory(prefix="jina-v3-random-") as folder:
            path = random_jina_v3(meetings, Path(folder), args.small_jina)
            say("model and tokenizer built")
            jina = LateChunker(path, device=args.device, chunker="tokens", show_progress_bar=False)
            jina_backend = backend_copy(jina.tokenizer)
            docs = cut_documents(meetings, jina.tokenizer, LONG_TOKENS)
            tokens = sum(len(t) for t in tokenize(jina_backend, docs))
            jina.chunk_and_embed(docs[:1])
            say(f"jina-v3 shape: {describe(jina)}")
            late_line(f"jina-v3 shape, {len(docs)} documents, {tokens} doc tokens", jina, docs, tokens, args.repeats)
            close_pools()
    say("done")


if __name__ == "__main__":
    main()
