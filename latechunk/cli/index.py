"""``latechunk index PATH... --store DIR``: late-chunk files into a store, skipping unchanged ones."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from latechunk.cli.distributed_index import add_ray_options
from latechunk.cli.errors import CliError
from latechunk.cli.location import add_store_options, open_store
from latechunk.cli.readers import SUPPORTED_SUFFIXES, ReadError, content_hash, extract_text, find_documents, read_bytes
from latechunk.cli.settings import add_model_options, check_index, make_chunker
from latechunk.cli.store import Store, StoredChunk

if TYPE_CHECKING:
    from latechunk import LateChunker

CONTEXT_CHARS = 80
"""Characters of surrounding text stored with each chunk and shown by search."""


@dataclass
class Tally:
    """What one index run did."""

    indexed: int = 0
    chunks: int = 0
    unchanged: int = 0
    failed: int = 0
    removed: int = 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "index",
        help="late-chunk and embed documents into a store",
        description=(
            f"Read {', '.join(sorted(SUPPORTED_SUFFIXES))} files (folders are searched recursively), chunk and "
            "embed them by late chunking, and store the chunks. Unchanged files are skipped, changed files "
            "replaced, files gone from an indexed folder removed. Files that cannot be read are reported on stderr "
            "and skipped. Exit status: 0 when at least one document was indexed or found unchanged, 1 when none "
            "could be read or the options disagree with the store."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    add_store_options(parser, output=True)
    add_model_options(parser, indexing=True)
    add_ray_options(parser)
    parser.set_defaults(func=run)


def context(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> tuple[str, str]:
    """About ``width`` characters before and after ``text[start:end]``, cut at a space where there is one."""
    before = text[max(0, start - width) : start]
    after = text[end : end + width]
    if start > width and " " in before:
        before = before[before.index(" ") + 1 :]
    if end + width < len(text) and " " in after:
        after = after[: after.rindex(" ")]
    return before, after


def _embed(chunker: LateChunker, text: str) -> list[StoredChunk]:
    stored = []
    for chunk in chunker.chunk_and_embed(text):
        before, after = context(text, chunk.start, chunk.end)
        assert chunk.embedding is not None
        stored.append(StoredChunk(chunk.index, chunk.start, chunk.end, chunk.text, before, after, chunk.embedding))
    return stored


def _report(path: Path, problem: str) -> None:
    print(f"latechunk: skipped {path}: {problem}", file=sys.stderr)


def _prune(store: Store, folders: list[Path], present: set[str], hashes: dict[str, str]) -> int:
    """Forget files that were indexed from one of ``folders`` and no longer exist there."""
    removed = 0
    for path in hashes:
        if path not in present and not Path(path).exists() and any(Path(path).is_relative_to(f) for f in folders):
            store.remove_file(path)
            removed += 1
    return removed


def run(args: argparse.Namespace) -> int:
    if getattr(args, "ray", None):
        from latechunk.cli.distributed_index import run as run_on_ray

        return run_on_ray(args)
    if getattr(args, "output", None):
        raise CliError("--output needs --ray; without it, index into --store DIR or --qdrant-url URL")
    from tqdm import tqdm

    found = find_documents(args.paths)
    for path, problem in found.problems:
        _report(path, problem)
    if not found.files:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise CliError(f"found no documents to index ({kinds}) in {' '.join(args.paths)}")
    tally = Tally(failed=len(found.problems))
    with open_store(args, create=True) as store:
        stored = store.settings()
        if stored is not None:
            check_index(stored, args, store.where)
        chunker, settings = make_chunker(args, stored, indexing=True)
        if stored is None:
            store.create(settings)
        hashes = store.file_hashes()
        tally.removed = _prune(store, found.folders, {str(f) for f in found.files}, hashes)
        first_tokens, started = chunker.tokens_run, time.perf_counter()
        progress = tqdm(found.files, desc="indexing", unit="file", disable=None)
        for path in progress:
            progress.set_postfix_str(path.name, refresh=False)
            try:
                data = read_bytes(path)
                digest = content_hash(data)
                if hashes.get(str(path)) == digest:
                    tally.unchanged += 1
                    continue
                text = extract_text(path, data)
            except ReadError as error:
                progress.clear()
                _report(path, str(error))
                tally.failed += 1
                continue
            chunks = _embed(chunker, text)
            store.replace_file(str(path), digest, chunks)
            tally.indexed += 1
            tally.chunks += len(chunks)
            rate = (chunker.tokens_run - first_tokens) / max(time.perf_counter() - started, 1e-9)
            progress.set_postfix_str(f"{path.name}, {rate:,.0f} tokens/s")
        progress.close()
        where = store.where
    print(
        f"indexed {tally.indexed} file(s) ({tally.chunks} chunks), {tally.unchanged} unchanged, "
        f"{tally.failed} skipped, {tally.removed} removed: {where}"
    )
    if tally.indexed + tally.unchanged == 0:
        raise CliError("no document could be read; nothing was indexed")
    return 0
