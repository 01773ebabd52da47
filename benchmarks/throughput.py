"""Throughput of ``chunk_and_embed`` against the bare model forward over the same windows.

The pipeline's overhead is everything but the model: tokenization, chunking, window planning,
batching, merging and pooling. Each batch the pipeline runs is recorded, then run again through the
bare model alone (the limit). It also reports the share of padding tokens in those batches (a
planning statistic: the same on every device). Benchmarks measure; they assert nothing.

    HF_HUB_OFFLINE=1 python benchmarks/throughput.py --data ../shared/data/qmsum/val --limit 8
    # on a GPU: MiniLM and a jina-embeddings-v3-shaped random model, bf16, long and short documents
    python benchmarks/throughput.py --device cuda --dtype bf16 --docs long --text-workers 1
    python benchmarks/throughput.py --device cuda --dtype bf16 --random-jina-v3 --docs long --chunker tokens
    # padding-free packed batches (needs flash-attn); the bare forward it is compared with stays padded
    python benchmarks/throughput.py --device cuda --dtype bf16 --naive --attn-implementation flash_attention_2 --pack
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from latechunk import LateChunker
from latechunk.chunkers.segmentation import clear_sentence_cache
from latechunk.eval.data import load_qmsum
from latechunk.pipeline.tokenization import tokenize

LONG_TOKENS = 8000
"""Tokens of a long document: one 8192-token window of jina-embeddings-v3 with its special tokens and prefix."""
SHORT_TOKENS = 128


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


def padding_share(batches: list[list[np.ndarray]]) -> float:
    """Padding tokens over all tokens of the padded batches (each row padded to its batch's longest)."""
    real = sum(len(s) for batch in batches for s in batch)
    padded = sum(len(batch) * max(len(s) for s in batch) for batch in batches)
    return 1 - real / padded if padded else 0.0


def cut_documents(texts: list[str], tokenizer, tokens_per_document: int) -> list[str]:
    """The texts joined and cut into documents of ``tokens_per_document`` tokens each (by character offsets)."""
    joined = "\n\n".join(texts)
    (tokens,) = tokenize(tokenizer, [joined])
    starts = tokens.offsets[::tokens_per_document, 0]
    bounds = [*starts.tolist(), len(joined)]
    return [joined[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True) if joined[a:b].strip()]


def random_jina_v3(texts: list[str], folder: Path, small: bool) -> str:
    """A jina-embeddings-v3-shaped model with random weights (hidden 1024, 24 layers, 8194 positions) in
    ``folder``, with a BPE tokenizer (XLM-R's special tokens, 32k pieces) trained on ``texts``; ``small``:
    a tiny one for a smoke run."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import JinaEmbeddingsV3Config, JinaEmbeddingsV3Model, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer, bpe.decoder = pre_tokenizers.Metaspace(), decoders.Metaspace()
    special = ["<s>", "<pad>", "</s>", "<unk>"]
    bpe.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=4000 if small else 32000, special_tokens=special))
    bpe.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=bpe, bos_token="<s>", eos_token="</s>", cls_token="<s>", sep_token="</s>",
        pad_token="<pad>", unk_token="<unk>", model_max_length=8192,
    )  # fmt: skip
    fast.save_pretrained(folder)
    shape = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=256) if small else {}
    config = JinaEmbeddingsV3Config(vocab_size=len(fast), max_position_embeddings=8194, **shape)
    torch.manual_seed(0)
    JinaEmbeddingsV3Model(config).eval().save_pretrained(folder)
    return str(folder)


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
    parser.add_argument("--text-workers", type=int, default=None, help="text worker processes (default: auto)")
    parser.add_argument("--text-worker-kind", choices=("process", "thread"), default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--max-batch-tokens", type=int, default=None)
    parser.add_argument(
        "--docs",
        choices=("meetings", "long", "short"),
        default="meetings",
        help="whole QMSum meetings, or the meetings joined and cut into 8000-token or 128-token documents",
    )
    parser.add_argument("--attn-implementation", default=None, help="e.g. flash_attention_2 (with --pack)")
    parser.add_argument("--pack", action="store_true", help="padding-free packed batches (flash-attention only)")
    parser.add_argument("--naive", action="store_true", help="naive chunking: each chunk embedded on its own")
    parser.add_argument("--random-jina-v3", action="store_true", help="a jina-embeddings-v3-shaped random model")
    parser.add_argument("--small", action="store_true", help="with --random-jina-v3: a tiny one (smoke run)")
    args = parser.parse_args()

    docs = [d.text for d in load_qmsum(args.data, args.limit).documents]
    options = {
        name: value
        for name, value in (("batch_size", args.batch_size), ("max_batch_tokens", args.max_batch_tokens))
        if value is not None
    }
    model = args.model
    if args.random_jina_v3:  # the folder is removed when the script ends
        folder = tempfile.TemporaryDirectory(prefix="jina-v3-random-")
        model = random_jina_v3(docs, Path(folder.name), args.small)
    lc = LateChunker(
        model,
        device=args.device,
        dtype=args.dtype,
        max_length=args.max_length,
        chunker=args.chunker,
        text_workers=args.text_workers,
        text_worker_kind=args.text_worker_kind,
        attn_implementation=args.attn_implementation,
        pack_sequences=args.pack,
        **options,
    )
    if args.docs != "meetings":
        docs = cut_documents(docs, lc.tokenizer, LONG_TOKENS if args.docs == "long" else SHORT_TOKENS)
    device = lc.loaded.device
    lc.chunk_and_embed(docs[:1], late_chunking=not args.naive)  # warm-up

    batches: list[list[np.ndarray]] = []
    runner = lc.loaded.runner
    name = "_forward_packed" if args.pack else "_forward"
    forward = getattr(runner, name)

    def recording_forward(sequences: list[np.ndarray]) -> torch.Tensor:
        batches.append(sequences)
        return forward(sequences)

    def run_pipeline() -> list:
        clear_sentence_cache()  # every run segments from scratch
        batches.clear()
        setattr(runner, name, recording_forward)
        try:
            return lc.chunk_and_embed(docs, late_chunking=not args.naive)
        finally:
            setattr(runner, name, forward)

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
    print(f"model {model} on {device} ({lc.loaded.dtype}), window {lc.max_length}, overlap {lc.window.overlap}")
    workers = f"text workers {lc.text_workers} ({lc.text_worker_kind})"
    print(f"{workers}, batch_size {lc.encoder.batch_size}, max_batch_tokens", end=" ")
    print(f"{lc.encoder.max_batch_tokens}, documents {args.docs}, {'naive' if args.naive else 'late'} chunking")
    print(f"documents {len(docs)}, document tokens {doc_tokens}, chunks {sum(len(c) for c in chunks)}")
    print(f"tokens run per document token: {run_tokens / doc_tokens:.3f} ({len(batches)} batches)")
    print(f"padding tokens in the batches: {100 * padding_share(batches):.2f}% of the tokens run through the model")
    print(f"chunk_and_embed: {pipeline_s:.2f} s = {doc_tokens / pipeline_s:,.0f} document tokens/s")
    print(f"bare forward of the same batches: {bare_s:.2f} s = {doc_tokens / bare_s:,.0f} document tokens/s")
    print(f"pipeline overhead over the bare forward (wall time): {100 * (pipeline_s / bare_s - 1):+.1f}%")
    if pipeline_cpu < float("inf"):
        print(f"CPU time: chunk_and_embed {pipeline_cpu:.2f} s, bare forward {bare_cpu:.2f} s, ", end="")
        print(f"overhead {100 * (pipeline_cpu / bare_cpu - 1):+.1f}%")
    print(f"chunking alone ({lc.chunker!r}): {chunking_s:.2f} s = {100 * chunking_s / pipeline_s:.1f}% of it")


if __name__ == "__main__":
    main()
