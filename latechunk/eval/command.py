"""``latechunk eval``: naive against late chunking on the same boundaries, over chunk and window sizes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from latechunk.defaults import DEFAULT_MODEL
from latechunk.eval.data import load_jsonl, load_qmsum
from latechunk.eval.report import markdown_table, write_results
from latechunk.options import CommandError


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return sizes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    data = parser.add_argument_group("data (a QMSum folder, or --docs with --queries)")
    data.add_argument(
        "data",
        nargs="?",
        help="a folder of QMSum-format meetings (*.json, e.g. the val split of github.com/Yale-LILY/QMSum)",
    )
    data.add_argument("--docs", metavar="JSONL", help='documents, one JSON object a line: {"id": "d1", "text": "..."}')
    data.add_argument(
        "--queries",
        metavar="JSONL",
        help='queries, one a line: {"query": "...", "doc_id": "d1", "spans": [[start, end], ...]} (character '
        "offsets of the answer in that document's text; without spans only document-level scores count)",
    )
    data.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N QMSum meetings")
    sweep = parser.add_argument_group("what to compare")
    sweep.add_argument("--model", default=DEFAULT_MODEL, help="hub id or local folder (default: %(default)s)")
    sweep.add_argument(
        "--chunk-sizes",
        type=_sizes,
        default=[16, 32, 64, 128, 256],
        metavar="N,N,...",
        help="chunk budgets in model tokens, one row each (default: 16,32,64,128,256)",
    )
    sweep.add_argument(
        "--max-lengths",
        type=_sizes,
        default=None,
        metavar="N,N,...",
        help="window sizes in tokens to sweep for late chunking (default: the model's tuned length)",
    )
    sweep.add_argument(
        "--modes",
        default="naive,late",
        help="naive (each chunk embedded alone), late, or both comma-separated (default: %(default)s)",
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "--out", default="eval-results", help="folder for results.json, results.md and the plot (default: %(default)s)"
    )
    output.add_argument(
        "--no-plot", action="store_true", help='skip ndcg_vs_chunk_size.png (drawing needs "latechunk[eval]")'
    )
    compute = parser.add_argument_group("running the model")
    compute.add_argument(
        "--batch-size", type=int, default=256, help="sequences per batch, within the token budget (default: 256)"
    )
    compute.add_argument("--device", default=None, help="cpu, cuda, cuda:1, mps, ... (default: automatic)")
    compute.add_argument(
        "--dtype", default=None, help="float32, bfloat16 or float16 (default: bf16/fp16 on CUDA, float32 elsewhere)"
    )


def check_plotting(draw: bool) -> None:
    """Fail before a long run, not after it, when the plot is asked for and matplotlib is missing."""
    if not draw:
        return
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise CommandError(
            f'drawing the plot needs matplotlib ({error}): pip install "latechunk[eval]", or pass --no-plot'
        ) from error


def run(args: argparse.Namespace) -> int:
    check_plotting(not args.no_plot)
    from latechunk import LateChunker
    from latechunk.eval.runner import Timings, chunk_corpus, evaluate

    if args.docs or args.queries:
        if not (args.docs and args.queries) or args.data:
            raise CommandError("give a QMSum folder, or both --docs and --queries")
        corpus = load_jsonl(args.docs, args.queries)
    elif args.data:
        corpus = load_qmsum(args.data, args.limit)
    else:
        raise CommandError("give a QMSum folder, or both --docs and --queries")
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
    try:
        return run(parser.parse_args(argv))
    except CommandError as error:
        print(f"latechunk eval: error: {error}", file=sys.stderr)
        return 1
