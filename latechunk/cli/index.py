"""``latechunk index PATH... --store DIR``: late-chunk files into a store, skipping unchanged ones."""

from __future__ import annotations

import argparse
import shutil
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latechunk.cli.distributed_index import add_ray_options
from latechunk.cli.errors import CliError
from latechunk.cli.location import add_store_options, open_store
from latechunk.cli.names import path_key, shown, shown_path
from latechunk.cli.pdf_layout import PdfLayout, read_layout
from latechunk.cli.readers import (
    SUPPORTED_SUFFIXES,
    Found,
    ReadError,
    content_hash,
    find_documents,
    read_bytes,
    read_document,
)
from latechunk.cli.settings import (
    DEFAULT_CHUNKER,
    BuildSettings,
    add_model_options,
    check_index,
    chunker_for,
    make_chunker,
)
from latechunk.cli.store import FileChunks, FileRecord, Store, StoredChunk, is_store
from latechunk.defaults import DEFAULT_CHUNK_TOKENS
from latechunk.errors import lone_document_reason
from latechunk.types import LateChunkWarning

if TYPE_CHECKING:
    from latechunk import Chunk, LateChunker

CONTEXT_CHARS = 80
"""Characters of surrounding text stored with each chunk and shown by search."""
BATCH_CHARS = 200_000
"""Characters of new or changed files gathered into one ``chunk_and_embed`` call (a large file goes alone)."""


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
    parser.add_argument(
        "--follow-links",
        action="store_true",
        help="follow symbolic links that lead outside the given folders (default: only links inside them)",
    )
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


@dataclass
class Pending:
    """A new or changed file, read and waiting to be embedded by the chunker named ``chunker``."""

    key: str
    path: Path
    digest: str
    text: str
    chunker: str
    layout: PdfLayout | None = None


def chunk_meta(meta: dict[str, Any], layout: PdfLayout | None, start: int, end: int) -> dict[str, Any]:
    """What the store keeps of a chunk's metadata: the chunker's (Markdown/HTML ``headings``), and for a
    PDF its ``page_number``, ``page_end`` and outline ``headings`` (``PdfLayout.meta``)."""
    return dict(meta) if layout is None else {**meta, **layout.meta((start, end))}


def _stored_chunks(chunks: list[Chunk], pending: Pending) -> list[StoredChunk]:
    stored = []
    for chunk in chunks:
        before, after = context(pending.text, chunk.start, chunk.end)
        assert chunk.embedding is not None
        meta = chunk_meta(chunk.meta, pending.layout, chunk.start, chunk.end)
        stored.append(
            StoredChunk(chunk.index, chunk.start, chunk.end, chunk.text, before, after, chunk.embedding, meta)
        )
    return stored


def _report(path: Path | str, problem: str) -> None:
    print(f"latechunk: skipped {shown_path(path)}: {problem}", file=sys.stderr)


def _note(path: Path | str, note: str) -> None:
    print(f"latechunk: note: {shown_path(path)}: {note}", file=sys.stderr)


def _prune(store: Store, folders: list[Path], present: set[str], records: dict[str, FileRecord]) -> int:
    """Forget files that were indexed from one of ``folders`` and no longer exist there."""
    removed = 0
    for key in records:
        if key not in present and not Path(key).exists() and any(Path(key).is_relative_to(f) for f in folders):
            store.remove_file(key)
            removed += 1
    return removed


class Indexer:
    """One index run over a store: reads files, skips unchanged ones, embeds the rest in batches.

    The model is loaded only when a file needs embedding, so a run that finds nothing changed
    never imports torch. Each file is chunked by ``chunker_for(setting, path)``; the LateChunkers of
    the different chunkers share one loaded model.
    """

    def __init__(self, store: Store, args: argparse.Namespace, settings: BuildSettings | None, tally: Tally) -> None:
        self.store = store
        self.args = args
        self.settings = settings
        self.setting = settings.chunker if settings is not None else args.chunker or DEFAULT_CHUNKER
        self.chunkers: dict[str, LateChunker] = {}
        self.tally = tally
        self.batch: list[Pending] = []
        self.batch_chars = 0
        self.progress: Any = None
        self.new_keys: set[str] = set()  # files with no chunks in the store: nothing to delete before storing

    def use(self, name: str, chunker: LateChunker) -> None:
        self.chunkers[name] = chunker

    def loaded(self, name: str | None = None) -> LateChunker:
        """The LateChunker of the chunker ``name`` (default: the setting's one for plain text), made on first use."""
        name = name or chunker_for(self.setting, "")
        if name not in self.chunkers:
            self.chunkers[name] = make_chunker(self.args, self.settings, indexing=True, chunker=name)[0]
        return self.chunkers[name]

    def add(self, pending: Pending) -> None:
        """Queue a file; embed the queue once it holds ``BATCH_CHARS`` characters."""
        self.batch.append(pending)
        self.batch_chars += len(pending.text)
        if self.batch_chars >= BATCH_CHARS:
            self.flush()

    def flush(self) -> None:
        """Embed the queued files in one ``chunk_and_embed`` call and store them together."""
        batch, self.batch, self.batch_chars = self.batch, [], 0
        if not batch:
            return
        results: dict[int, list[StoredChunk] | str] = {}
        groups: dict[str, list[int]] = {}
        for i, pending in enumerate(batch):
            groups.setdefault(pending.chunker, []).append(i)
        for name, members in groups.items():
            results.update(zip(members, self._embed(name, [batch[i] for i in members]), strict=True))
        done = []
        for i, pending in enumerate(batch):  # in file order
            chunks = results[i]
            if isinstance(chunks, str):
                self._failed(pending.path, chunks)
            elif not chunks:
                self._failed(pending.path, "no text the model can see (only characters its tokenizer drops)")
            else:
                done.append(FileChunks(pending.key, pending.digest, chunks))
        self.store.replace_files(done, known_new=self.new_keys)
        self.tally.indexed += len(done)
        self.tally.chunks += sum(len(f.chunks) for f in done)
        self.progress.update(len(batch))

    def _embed(self, name: str, batch: list[Pending]) -> list[list[StoredChunk] | str]:
        """Chunks (or the problem) for every file of ``batch`` by the chunker ``name``; when the batch fails,
        each file alone, to name the culprit."""
        chunker = self.loaded(name)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", LateChunkWarning)  # empty results are reported per file
                results = chunker.chunk_and_embed([p.text for p in batch])
        except Exception as error:  # a tokenizer or model error on one file must not stop the others
            if len(batch) > 1:
                return [result for pending in batch for result in self._embed(name, [pending])]
            return [f"cannot be embedded ({lone_document_reason(error)})"]
        return [_stored_chunks(chunks, p) for p, chunks in zip(batch, results, strict=True)]

    def _failed(self, path: Path, problem: str) -> None:
        self.progress.clear()
        _report(path, problem)
        self.tally.failed += 1

    def run(self, files: list[Path], records: dict[str, FileRecord], stale: set[str]) -> None:
        """Index ``files``: those whose hash matches their record (and not in ``stale``) are skipped."""
        from tqdm import tqdm

        self.progress = tqdm(total=len(files), desc="indexing", unit="file", disable=None)
        try:
            for path in files:
                key = path_key(path)
                try:
                    data = read_bytes(path)
                    digest = content_hash(data)
                    record = records.get(key)
                    if record is not None and record.sha256 == digest and key not in stale:
                        self.tally.unchanged += 1
                        self.progress.update(1)
                        continue
                    document = read_document(path, data)
                    layout = read_layout(path, data, document.text)
                except ReadError as error:
                    self._failed(path, str(error))
                    self.progress.update(1)
                    continue
                if record is None and key not in stale:
                    self.new_keys.add(key)
                if document.note:
                    self.progress.clear()
                    _note(path, document.note)
                self.add(Pending(key, path, digest, document.text, chunker_for(self.setting, path), layout))
            self.flush()
        finally:
            self.progress.close()


def _repair(store: Store, records: dict[str, FileRecord]) -> set[str]:
    """Files whose chunks the store lost (to embed again); stray chunks are dropped. Says what it found."""
    damage = store.damage(records)
    for key in damage.orphans:
        store.delete_chunks(key)
    if damage.files or damage.orphans:
        print(
            f"latechunk: {store.where} was damaged: {len(damage.files)} file(s) with missing or extra chunks, "
            f"{len(damage.orphans)} with chunks but no record; embedding those files again",
            file=sys.stderr,
        )
    return damage.files


def _new_local_store(args: argparse.Namespace) -> Path | None:
    """The folder of a ``--store`` that does not hold a store yet (``None`` for an existing store or a server)."""
    if args.store is None:
        return None
    folder = Path(args.store).expanduser()
    return None if is_store(folder) else folder


def run(args: argparse.Namespace) -> int:
    if getattr(args, "ray", None):
        from latechunk.cli.distributed_index import run as run_on_ray

        return run_on_ray(args)
    if getattr(args, "output", None):
        raise CliError("--output needs --ray; without it, index into --store DIR or --qdrant-url URL")
    found = find_documents(args.paths, follow_links=args.follow_links)
    for path, problem in found.problems:
        _report(path, problem)
    if not found.files:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise CliError(f"found no documents to index ({kinds}) in {' '.join(shown(p) for p in args.paths)}")
    new_folder = _new_local_store(args)
    folder_existed = new_folder is not None and new_folder.exists()
    chunker = None
    if new_folder is not None:  # check the options (load the model) before anything is written
        if new_folder.exists() and (not new_folder.is_dir() or any(new_folder.iterdir())):
            with open_store(args, create=True):  # raises the store's own error
                pass
        chunker, _ = make_chunker(args, None, indexing=True, chunker=chunker_for(args.chunker or DEFAULT_CHUNKER, ""))
    tally = Tally(failed=len(found.problems))
    try:
        where = _index(args, found, chunker, tally)
    except BaseException:
        if new_folder is not None and tally.indexed == 0:  # an interrupted first run keeps what it stored
            _remove_new_store(new_folder, folder_existed)
        raise
    print(
        f"indexed {tally.indexed} file(s) ({tally.chunks} chunks), {tally.unchanged} unchanged, "
        f"{tally.failed} skipped, {tally.removed} removed: {where}"
    )
    if tally.indexed + tally.unchanged == 0:
        raise CliError("no document could be read; nothing was indexed")
    return 0


def _index(args: argparse.Namespace, found: Found, chunker: LateChunker | None, tally: Tally) -> str:
    with open_store(args, create=True) as store:
        stored = store.settings()
        if stored is not None:
            check_index(stored, args, store.where)
        indexer = Indexer(store, args, stored, tally)
        if chunker is not None:
            indexer.use(chunker_for(indexer.setting, ""), chunker)
        records = store.file_records()
        if stored is None:
            settings = BuildSettings.from_chunker(indexer.loaded(), *_chunking(args))
            if store.count_chunks():  # chunks without settings: nothing tells how they were made
                print(f"latechunk: {store.where} lost its settings record; rebuilding it", file=sys.stderr)
                store.reset_chunks(settings.dimension)
            store.create(settings)
            records, stale = {}, set()
        else:
            stale = _repair(store, records)
        tally.removed = _prune(store, found.folders, {path_key(f) for f in found.files}, records)
        indexer.run(found.files, records, stale)
        if tally.indexed + tally.unchanged == 0 and stored is None:
            raise CliError("no document could be read; nothing was indexed")
        return store.where


def _chunking(args: argparse.Namespace) -> tuple[str, int]:
    return args.chunker or DEFAULT_CHUNKER, args.chunk_size or DEFAULT_CHUNK_TOKENS


def _remove_new_store(folder: Path, existed: bool) -> None:
    """Undo a first index that failed: the folder goes (or is emptied, when it was there, empty, before)."""
    if not folder.exists():
        return
    shutil.rmtree(folder, ignore_errors=True)  # it was absent or empty before this run: all in it is ours
    if existed:
        folder.mkdir(exist_ok=True)
