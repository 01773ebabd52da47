"""Documents/s and tokens/s of ``latechunk.distributed.chunk_and_embed`` on a local Ray, against one process.

QMSum meetings cut into documents of about ``--doc-chars`` characters. Rows:
- one process: ``LateChunker.chunk_and_embed`` over all documents, torch on all ``--cpus``;
- one call in a bare Ray actor: the same call inside a plain Ray actor with all CPUs (model loaded
  beforehand), the baseline for Ray's overhead;
- latechunk.distributed, N workers: the same documents through ``chunk_and_embed`` on Ray (each
  worker gets ``cpus / N`` CPUs and as many torch threads), wall time to the last row. Its fixed
  cost (actor start, model load, scheduling) is the wall time of a one-document run; the overhead
  is the full wall time less that fixed cost, against the bare actor.
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


def ray_run(items: list[dict], model: str, workers: int, cpus: int, batch: int) -> tuple[float, int]:
    """Wall time from ``chunk_and_embed`` to the last row counted, and the number of rows."""
    import ray.data

    from latechunk.distributed import chunk_and_embed

    ds = ray.data.from_items(items, override_num_blocks=max(1, min(len(items), 4 * workers)))
    started = time.perf_counter()
    out = chunk_and_embed(
        ds, model, id_column="doc_id", workers=workers, cpus_per_worker=cpus / workers, batch_size=batch
    )
    rows = sum(table.num_rows for table in out.iter_batches(batch_size=None, batch_format="pyarrow"))
    return time.perf_counter() - started, rows


def bare_actor_run(docs: list[str], model: str, cpus: int) -> tuple[float, int]:
    """One ``chunk_and_embed`` call over all documents inside a plain Ray actor (the same process setting)."""
    import ray

    @ray.remote(num_cpus=cpus)
    class Bare:
        def __init__(self) -> None:
            import torch

            from latechunk import LateChunker

            torch.set_num_threads(cpus)
            self.lc = LateChunker(model, show_progress_bar=False, device="cpu")
            self.lc.chunk_and_embed(docs[:2])  # warm-up

        def run(self) -> tuple[float, int]:
            started = time.perf_counter()
            found = sum(len(c) for c in self.lc.chunk_and_embed(docs))
            return time.perf_counter() - started, found

    actor = Bare.remote()
    result = ray.get(actor.run.remote())
    ray.kill(actor)
    return result


def row(name: str, seconds: float, docs: int, tokens: int, fixed: str = "-", net: str = "-") -> str:
    return f"| {name} | {seconds:.1f} | {docs / seconds:.2f} | {tokens / seconds:,.0f} | {fixed} | {net} |"


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
    tokens = sum(len(ids) for ids in lc.tokenizer(docs, add_special_tokens=False)["input_ids"])
    lc.chunk_and_embed(docs[:2])  # warm-up

    def one_process() -> tuple[float, int]:
        started = time.perf_counter()
        found = sum(len(c) for c in lc.chunk_and_embed(docs))
        return time.perf_counter() - started, found

    single, chunks = one_process()
    print(f"{len(docs)} documents, {tokens:,} tokens, {chunks} chunks, {args.cpus} CPUs", flush=True)
    lines = [
        "| run | wall s | documents/s | tokens/s | fixed cost s (1-document run) | wall - fixed, against bare actor |",
        "|---|---|---|---|---|---|",
        row("one process (driver)", single, len(docs), tokens),
    ]
    ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    bare, found = bare_actor_run(docs, args.model, args.cpus)
    assert found == chunks, (found, chunks)
    lines.append(row("one call in a bare Ray actor", bare, len(docs), tokens))
    for workers in (int(w) for w in args.workers.split(",")):
        fixed, _ = ray_run(items[:1], args.model, workers, args.cpus, args.batch_docs)
        total, rows = ray_run(items, args.model, workers, args.cpus, args.batch_docs)
        assert rows == chunks, (rows, chunks)
        net = f"{(total - fixed) / bare - 1:+.1%}"
        lines.append(row(f"latechunk.distributed, {workers} worker(s)", total, len(docs), tokens, f"{fixed:.1f}", net))
    ray.shutdown()
    again, _ = one_process()  # the machine may have changed meanwhile: the one-process run once more
    lines.append(row("one process (driver), again", again, len(docs), tokens))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
