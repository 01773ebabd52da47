"""Documents/s and tokens/s of ``latechunk.distributed.chunk_and_embed`` on a local Ray, against one process.

QMSum meetings cut into documents of about ``--doc-chars`` characters. Rows:
- one process: ``LateChunker.chunk_and_embed`` over all documents, torch on all ``--cpus``;
- Ray, N workers: the same documents through ``latechunk.distributed`` (each worker gets
  ``cpus / N`` CPUs and as many torch threads), wall time from ``chunk_and_embed`` to the last
  row, and the steady rate: documents finished after the first output batch arrived, per second
  since then (leaves out actor start and model load, which a long job pays once per worker).
Benchmarks measure; they assert nothing. On a shared machine the figures are indicative.

    HF_HUB_OFFLINE=1 python benchmarks/distributed.py --data ../shared/data/qmsum/val --limit 4
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("RAY_DEDUP_LOGS", "0")


def cut(text: str, size: int) -> list[str]:
    """``text`` in pieces of about ``size`` characters, cut at line ends."""
    pieces, current = [], []
    length = 0
    for line in text.splitlines(keepends=True):
        current.append(line)
        length += len(line)
        if length >= size:
            pieces.append("".join(current))
            current, length = [], 0
    if current:
        pieces.append("".join(current))
    return pieces


def ray_run(items: list[dict], tokens: dict[str, int], model: str, workers: int, cpus: int, batch: int) -> dict:
    """Wall time of a run, and its steady rate: documents and tokens after the first output batch, per second."""
    import ray.data

    from latechunk.distributed import chunk_and_embed

    ds = ray.data.from_items(items, override_num_blocks=max(1, min(len(items), 4 * workers)))
    started = time.perf_counter()
    out = chunk_and_embed(
        ds, model, id_column="doc_id", workers=workers, cpus_per_worker=cpus / workers, batch_size=batch
    )
    first, seen, rows = None, set(), 0
    for table in out.iter_batches(batch_size=None, batch_format="pyarrow"):
        ids = set(table.column("doc_id").to_pylist())
        rows += table.num_rows
        if first is None:
            first, first_docs = time.perf_counter(), ids
        seen |= ids
    ended = time.perf_counter()
    later = seen - first_docs
    steady = max(ended - first, 1e-9)
    return {
        "total": ended - started,
        "startup": first - started,
        "rows": rows,
        "docs_per_s": len(later) / steady,
        "tokens_per_s": sum(tokens[d] for d in later) / steady,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/qmsum/val")
    parser.add_argument("--limit", type=int, default=4, help="first N meetings")
    parser.add_argument("--doc-chars", type=int, default=2000)
    parser.add_argument("--model", default="sentence-transformers/all-MiniLM-L6-v2")
    parser.add_argument("--workers", default="1,2", help="worker counts to run")
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--batch-docs", type=int, default=16)
    args = parser.parse_args()

    import ray
    import torch

    from latechunk import LateChunker
    from latechunk.eval.data import load_qmsum

    docs = [piece for d in load_qmsum(args.data, args.limit).documents for piece in cut(d.text, args.doc_chars)]
    items = [{"doc_id": f"d{i}", "text": t} for i, t in enumerate(docs)]
    torch.set_num_threads(args.cpus)
    lc = LateChunker(args.model, show_progress_bar=False, device="cpu")
    per_doc = [len(ids) for ids in lc.tokenizer(docs, add_special_tokens=False)["input_ids"]]
    tokens = sum(per_doc)
    lc.chunk_and_embed(docs[:2])  # warm-up
    started = time.perf_counter()
    chunks = sum(len(c) for c in lc.chunk_and_embed(docs))
    single = time.perf_counter() - started
    single_rate = len(docs) / single
    print(f"{len(docs)} documents, {tokens:,} tokens, {chunks} chunks, {args.cpus} CPUs")

    ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    counts = {item["doc_id"]: n for item, n in zip(items, per_doc, strict=True)}
    lines = [
        "| run | wall s | documents/s | tokens/s | first output after (s) | steady documents/s | steady tokens/s |",
        "|---|---|---|---|---|---|---|",
        f"| one process | {single:.1f} | {len(docs) / single:.2f} | {tokens / single:,.0f} | - | "
        f"{len(docs) / single:.2f} | {tokens / single:,.0f} |",
    ]
    for workers in (int(w) for w in args.workers.split(",")):
        run = ray_run(items, counts, args.model, workers, args.cpus, args.batch_docs)
        assert run["rows"] == chunks, (run["rows"], chunks)
        lines.append(
            f"| Ray, {workers} worker(s) | {run['total']:.1f} | {len(docs) / run['total']:.2f} | "
            f"{tokens / run['total']:,.0f} | {run['startup']:.1f} | {run['docs_per_s']:.2f} | "
            f"{run['tokens_per_s']:,.0f} |"
        )
        if workers == 1:
            lines.append(f"(one worker, steady: {single_rate / run['docs_per_s'] - 1:+.1%} time per document)")
    ray.shutdown()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
