"""``latechunk eval``: naive against late chunking on the same boundaries, over chunk and window sizes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from latechunk.defaults import DEFAULT_MODEL
from latechunk.eval.data import load_jsonl, load_qmsum
from latechunk.eval.report import markdown_table, write_results


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return sizes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", nargs="?", help="a folder of QMSum-format meetings (*.json)")
    parser.add_argument("--docs", help="JSONL of documents {id, text} (with --queries instead of a QMSum folder)")
    parser.add_argument("--queries", help="JSONL of queries {query, doc_id, spans: [[start, end], ...]}")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--chunk-sizes", type=_sizes, default=[16, 32, 64, 128, 256], help="default 16,32,64,128,256")
    parser.add_argument(
        "--max-lengths", type=_sizes, default=None, help="windows to sweep for late chunking (default: the model's)"
    )
    parser.add_argument("--modes", default="naive,late", help="naive, late or both (default)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N documents (QMSum)")
    parser.add_argument("--out", default="eval-results", help="folder for results.json, results.md and the plot")
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument(
        "--batch-size", type=int, default=256, help="sequences per batch, within the token budget (default 256)"
    )
    parser.add_argument("--device", default=None)
    parser.add_argument("--dtype", default=None)


def run(args: argparse.Namespace) -> int:
    from latechunk import LateChunker
    from latechunk.eval.runner import Timings, chunk_corpus, evaluate

    if args.docs or args.queries:
        if not (args.docs and args.queries) or args.data:
            raise SystemExit("latechunk eval: give a QMSum folder, or both --docs and --queries")
        corpus = load_jsonl(args.docs, args.queries)
    elif args.data:
        corpus = load_qmsum(args.data, args.limit)
    else:
        raise SystemExit("latechunk eval: give a QMSum folder, or both --docs and --queries")
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    load = {"device": args.device, "dtype": args.dtype, "batch_size": args.batch_size}
    base = LateChunker(args.model, **load)
    spans = chunk_corpus(base, corpus, args.chunk_sizes, Timings())
    rows: list[dict] = []
    if "naive" in modes:
        rows += evaluate(base, corpus, args.chunk_sizes, modes=["naive"], spans=spans)
    if "late" in modes:
        for max_length in args.max_lengths or [base.max_length]:
            lc = (
                base
                if max_length == base.max_length
                else LateChunker(args.model, device=args.device, dtype=args.dtype, max_length=max_length)
            )
            rows += evaluate(lc, corpus, args.chunk_sizes, modes=["late"], spans=spans)
    written = write_results(rows, args.out, draw=not args.no_plot)
    print(markdown_table(rows))
    print("wrote " + ", ".join(str(p) for p in written.values()), file=sys.stderr)
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``eval`` on the ``latechunk`` command."""
    parser = subparsers.add_parser("eval", help="measure naive vs late chunking retrieval quality", description=__doc__)
    add_arguments(parser)
    parser.set_defaults(func=run)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m latechunk.eval", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))
