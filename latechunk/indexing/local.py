"""The local executor of an index run: files read here, embedded in batches by LateChunkers in this process."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latechunk.documents import (
    ReadError,
    chunk_meta,
    chunker_for,
    context,
    load_document,
    path_key,
)
from latechunk.documents.pdf_layout import PdfLayout
from latechunk.errors import lone_document_reason
from latechunk.indexing.job import IndexJob, Reporter, Tally
from latechunk.store import FileChunks, StoredChunk
from latechunk.store.late_chunkers import build_late_chunker
from latechunk.types import LateChunkWarning

if TYPE_CHECKING:
    from latechunk import Chunk, LateChunker

BATCH_CHARS = 200_000
"""Characters of new or changed files gathered into one ``chunk_and_embed`` call (a large file goes alone)."""


@dataclass
class Pending:
    """A new or changed file, read and waiting to be embedded by the chunker named ``chunker``."""

    key: str
    path: Path
    digest: str
    text: str
    chunker: str
    layout: PdfLayout | None = None


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


class LocalExecutor:
    """Reads the job's files, skips unchanged ones, embeds the rest in batches and stores them.

    The model is loaded only when a file needs embedding, so a run that finds nothing changed
    never imports torch. Each file is chunked by ``chunker_for(setting, path)``; the LateChunkers of
    the different chunkers share one loaded model.
    """

    def index(self, job: IndexJob, tally: Tally, reporter: Reporter) -> None:
        _LocalRun(job, tally, reporter).run()


class _LocalRun:
    def __init__(self, job: IndexJob, tally: Tally, reporter: Reporter) -> None:
        self.job = job
        self.tally = tally
        self.reporter = reporter
        self.late_chunkers: dict[str, LateChunker] = {}
        if job.late_chunker is not None:
            self.late_chunkers[chunker_for(job.settings.chunker, "")] = job.late_chunker
        self.batch: list[Pending] = []
        self.batch_chars = 0
        self.progress: Any = None
        self.new_keys: set[str] = set()  # files with no chunks in the store: nothing to delete before storing

    def late_chunker(self, name: str) -> LateChunker:
        """The LateChunker of the chunker ``name``, made on first use."""
        if name not in self.late_chunkers:
            self.late_chunkers[name] = build_late_chunker(self.job.given, self.job.settings, chunker=name)
        return self.late_chunkers[name]

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
        self.job.store.replace_files(done, known_new=self.new_keys)
        self.tally.indexed += len(done)
        self.tally.chunks += sum(len(f.chunks) for f in done)
        self.progress.update(len(batch))

    def _embed(self, name: str, batch: list[Pending]) -> list[list[StoredChunk] | str]:
        """Chunks (or the problem) for every file of ``batch`` by the chunker ``name``; when the batch fails,
        each file alone, to name the culprit."""
        late_chunker = self.late_chunker(name)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", LateChunkWarning)  # empty results are reported per file
                results = late_chunker.chunk_and_embed([p.text for p in batch])
        except Exception as error:  # a tokenizer or model error on one file must not stop the others
            if len(batch) > 1:
                return [result for pending in batch for result in self._embed(name, [pending])]
            return [f"cannot be embedded ({lone_document_reason(error)})"]
        return [_stored_chunks(chunks, p) for p, chunks in zip(batch, results, strict=True)]

    def _failed(self, path: Path, problem: str) -> None:
        self.progress.clear()
        self.reporter.skipped(path, problem)
        self.tally.failed += 1

    def run(self) -> None:
        """Index the job's files: those whose hash matches their record (and not stale) are skipped."""
        from tqdm import tqdm

        known = self.job.known_hashes()
        self.progress = tqdm(total=len(self.job.files), desc="indexing", unit="file", disable=None)
        try:
            for path in self.job.files:
                key = path_key(path)
                try:
                    document = load_document(path, unchanged=known.get(key))
                except ReadError as error:
                    self._failed(path, str(error))
                    self.progress.update(1)
                    continue
                if document is None:
                    self.tally.unchanged += 1
                    self.progress.update(1)
                    continue
                if key not in self.job.records and key not in self.job.stale:
                    self.new_keys.add(key)
                if document.note:
                    self.progress.clear()
                    self.reporter.note(path, document.note)
                chunker = chunker_for(self.job.settings.chunker, path)
                self.add(Pending(key, path, document.digest, document.text, chunker, document.layout))
            self.flush()
        finally:
            self.progress.close()
