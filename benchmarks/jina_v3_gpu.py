"""GPU benchmark: a jina-embeddings-v3-shaped model (random weights) in bf16 with SDPA on one 8192-token document.

Not a test. It reports peak GPU memory and tokens/s of

* the bare forward pass of transformers' native ``JinaEmbeddingsV3Model``,
* the same pass with a task adapter merged by latechunk's ``MergedLoraSwitcher`` (random LoRA
  factors of the released shapes: rank 4, five tasks, every linear layer and both embeddings),
* late chunking through latechunk's encoder (instruction prefix, 64-token chunks, span pooling),

and how long a task switch takes. Usage::

    python benchmarks/jina_v3_gpu.py            # full size on CUDA (exits with a message without CUDA)
    python benchmarks/jina_v3_gpu.py --small    # a tiny model on any device: a smoke run of this script
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import numpy as np
import torch

from latechunk.defaults import DEFAULT_MERGE
from latechunk.pipeline.adapters import LoraFactors, MergedLoraSwitcher
from latechunk.pipeline.encoder import Encoder, EncodeRequest, WindowSettings
from latechunk.pipeline.families import TASKS
from latechunk.pipeline.runner import ModelRunner
from latechunk.pipeline.tokenization import SpecialTokens

RANK = 4
CHUNK_TOKENS = 64
PREFIX_TOKENS = 10  # "Represent the document for retrieval:" is about this long


def build_config(small: bool):
    """Full size: the released jina-embeddings-v3 (hidden 1024, 24 layers, 16 heads, vocab 250002, 8194 positions)."""
    from transformers import JinaEmbeddingsV3Config

    if not small:
        return JinaEmbeddingsV3Config()
    return JinaEmbeddingsV3Config(
        vocab_size=1000,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=256,
        max_position_embeddings=1026,
    )


def build_model(config, device: torch.device, dtype: torch.dtype):
    from transformers import JinaEmbeddingsV3Model

    with torch.device(device):
        model = JinaEmbeddingsV3Model._from_config(config, dtype=dtype, attn_implementation="sdpa")
    return model.eval()


def random_switcher(model, generator: torch.Generator) -> MergedLoraSwitcher:
    """Random adapters of the released shapes on every linear layer of the encoder and both embeddings."""
    factors = []
    for name, module in model.named_modules():
        if name.startswith("pooler") or not isinstance(module, (torch.nn.Linear, torch.nn.Embedding)):
            continue
        rows, cols = module.weight.shape
        left = 0.01 * torch.randn(len(TASKS), rows, RANK, generator=generator)
        right = 0.01 * torch.randn(len(TASKS), RANK, cols, generator=generator)
        factors.append(LoraFactors(module, left, right))
    return MergedLoraSwitcher(TASKS, factors, scaling=1 / RANK)


def timed(step: Callable[[], object], device: torch.device, repeats: int) -> tuple[float, float]:
    """(seconds per call, peak bytes allocated during the calls) after one warm-up call."""
    step()
    sync(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    start = time.perf_counter()
    for _ in range(repeats):
        step()
    sync(device)
    seconds = (time.perf_counter() - start) / repeats
    peak = torch.cuda.max_memory_allocated(device) if device.type == "cuda" else 0
    return seconds, peak


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def engine_for(model, device: torch.device, dtype: torch.dtype, window: int) -> Encoder:
    """latechunk's encoder around the model, with XLM-R's special tokens (no tokenizer is needed)."""
    special = SpecialTokens(lead=(0,), trail=(2,), pad_id=1)
    runner = ModelRunner(model, device, special.pad_id)
    return Encoder(runner, special, model.config.hidden_size, device, batch_size=1, max_batch_tokens=window)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="a tiny model on any device (CPU smoke run)")
    parser.add_argument("--tokens", type=int, default=None, help="document length (default 8192; 512 with --small)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    if not torch.cuda.is_available() and not args.small:
        print("CUDA is not available: this benchmark needs a GPU (run with --small for a CPU smoke run).")
        return 0
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    tokens = args.tokens or (512 if args.small else 8192)
    config = build_config(args.small)
    window = config.max_position_embeddings - 2
    if tokens > window:
        parser.error(f"--tokens must be at most the model's window ({window})")

    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    model = build_model(config, device, dtype)
    switcher = random_switcher(model, generator)
    sync(device)
    weights = torch.cuda.memory_allocated(device) if device.type == "cuda" else 0
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"device: {name}; dtype: {dtype}; attention: sdpa; document: {tokens} tokens")
    millions = sum(p.numel() for p in model.parameters()) / 1e6
    print(f"model: {millions:.1f}M parameters, built in {time.perf_counter() - start:.1f} s")

    ids = torch.randint(3, config.vocab_size, (1, tokens), generator=generator).to(device)
    ids[0, 0], ids[0, -1] = 0, 2
    mask = torch.ones_like(ids)

    @torch.inference_mode()
    def forward() -> torch.Tensor:
        return model(input_ids=ids, attention_mask=mask).last_hidden_state

    rows: list[tuple[str, float, float]] = []
    seconds, peak = timed(forward, device, args.repeats)
    rows.append(("forward, no task (base weights)", seconds, peak))
    base_output = forward().float()

    switch_start = time.perf_counter()
    switcher.set_task("retrieval.passage")
    sync(device)
    first_switch = time.perf_counter() - switch_start
    seconds, peak = timed(forward, device, args.repeats)
    rows.append(("forward, retrieval.passage merged", seconds, peak))
    adapted_output = forward().float()

    flip = iter(["retrieval.query", "retrieval.passage"] * args.repeats)
    switch_seconds, _ = timed(lambda: switcher.set_task(next(flip)), device, args.repeats)

    content = ids[0, 1:-1].cpu().numpy()[: tokens - 2 - PREFIX_TOKENS]
    spans = np.array([(s, min(s + CHUNK_TOKENS, len(content))) for s in range(0, len(content), CHUNK_TOKENS)])
    request = EncodeRequest(content, np.arange(3, 3 + PREFIX_TOKENS, dtype=np.int64), spans, pool_special=True)
    encoder = engine_for(model, device, dtype, window)
    settings = WindowSettings(max_length=window, overlap=window // 4, merge=DEFAULT_MERGE)
    seconds, peak = timed(lambda: encoder.encode([request], settings, None), device, args.repeats)
    rows.append((f"late chunking, {len(spans)} chunks", seconds, peak))
    switcher.set_task(None)

    print(f"weights: {weights / 2**30:.2f} GiB (adapter factors included)")
    print(f"{'run':40s} {'ms':>9s} {'tokens/s':>12s} {'peak GiB':>9s}")
    for label, seconds, peak in rows:
        print(f"{label:40s} {seconds * 1e3:9.1f} {tokens / seconds:12,.0f} {peak / 2**30:9.2f}")
    print(f"task switch: first {first_switch * 1e3:.1f} ms (copies base weights), then {switch_seconds * 1e3:.1f} ms")
    finite = bool(torch.isfinite(base_output).all() and torch.isfinite(adapted_output).all())
    changed = float((adapted_output - base_output).abs().max())
    print(f"outputs finite: {finite}; max change from the adapter: {changed:.3g}")
    return 0 if finite else 1


if __name__ == "__main__":
    sys.exit(main())
