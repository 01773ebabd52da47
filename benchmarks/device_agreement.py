"""How far chunk vectors on an accelerator (and in bf16/fp16) are from the CPU float32 ones.

HF_HUB_OFFLINE=1 python benchmarks/device_agreement.py --data ../shared/data/qmsum/val --limit 3 --dtype bf16
"""

from __future__ import annotations

import argparse

import numpy as np

from latechunk import LateChunker
from latechunk.eval.data import load_qmsum


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/qmsum/val")
    parser.add_argument("--model", default="sentence-transformers/all-MiniLM-L6-v2")
    parser.add_argument("--limit", type=int, default=3)
    parser.add_argument("--device", default=None, help="default: cuda or mps when present")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--chunker", default="tokens", help="tokens needs no spaCy")
    args = parser.parse_args()

    docs = [d.text for d in load_qmsum(args.data, args.limit).documents]
    reference = LateChunker(args.model, device="cpu", dtype="float32", chunker=args.chunker)
    other = LateChunker(args.model, device=args.device, dtype=args.dtype, chunker=args.chunker)
    a = np.concatenate([np.stack([c.embedding for c in doc]) for doc in reference.chunk_and_embed(docs)])
    b = np.concatenate([np.stack([c.embedding for c in doc]) for doc in other.chunk_and_embed(docs)])
    cosine = np.sum(a * b, axis=1)
    print(f"{other.loaded.device} {other.loaded.dtype} vs cpu float32 over {len(cosine)} chunks:")
    print(f"cosine min {cosine.min():.6f}, mean {cosine.mean():.6f}; max abs difference {np.abs(a - b).max():.2e}")


if __name__ == "__main__":
    main()
