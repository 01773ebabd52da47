"""The Ray Data actor: one LateChunker per worker, one ``chunk_and_embed`` call per batch of documents."""

from __future__ import annotations

import codecs
import hashlib
from typing import TYPE_CHECKING, Any

import numpy as np

from latechunk.distributed import columns as col
from latechunk.distributed.faults import die_once
from latechunk.documents import context
from latechunk.errors import lone_document_reason

if TYPE_CHECKING:
    import pyarrow as pa

    from latechunk import Chunk, LateChunker


def as_text(value: object) -> str:
    """A document's text from a column value: a ``str``, or UTF-8 ``bytes``; anything else is an error."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            return codecs.decode(bytes(value), "utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValueError(f"not UTF-8 text ({error.reason} at byte {error.start})") from error
    raise TypeError(f"text is {type(value).__name__}, expected str or UTF-8 bytes")


def text_hash(text: str) -> str:
    """The document id used when the dataset has no id column: SHA-256 of the text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ChunkEmbedder:
    """Callable class for ``Dataset.map_batches``: loads the model once, then chunks and embeds batches.

    Each call takes a pyarrow batch of documents and returns one row per chunk (columns in
    ``latechunk.distributed.columns``; ``chunk_meta`` is the chunk's metadata as JSON) followed by the input's
    other columns. With ``chunker_column``, each document is chunked by the chunker that column names
    (a name ``LateChunker`` takes, or null for the one in ``chunker_options``); the LateChunkers of
    the different chunkers share one loaded model. A document that
    cannot be chunked or embedded (wrong type, bad UTF-8, an error raised by the model, or an
    ``error`` already set by an earlier stage) gives one row whose ``error`` holds the reason and
    whose chunk columns are null. With ``empty_rows``, a document without chunks (empty text)
    gives one row with ``chunk_count`` 0 and null chunk columns, so a sink can record it as done.
    """

    def __init__(
        self,
        model: str,
        *,
        text_column: str,
        id_column: str | None,
        context_chars: int = 0,
        num_threads: int | None = None,
        die_once_marker: str | None = None,
        empty_rows: bool = False,
        chunker_options: dict[str, Any] | None = None,
        chunker_column: str | None = None,
    ) -> None:
        if num_threads is not None:
            import torch

            torch.set_num_threads(num_threads)
        from latechunk import LateChunker

        self.model = model
        self.options: dict[str, Any] = {"show_progress_bar": False, **(chunker_options or {})}
        self.chunker: LateChunker = LateChunker(model, **self.options)
        self.chunkers: dict[str | None, LateChunker] = {None: self.chunker}
        self.chunker_column = chunker_column
        self.text_column = text_column
        self.id_column = id_column
        self.context_chars = context_chars
        self.die_once_marker = die_once_marker
        self.empty_rows = empty_rows

    def __call__(self, batch: pa.Table) -> pa.Table:
        die_once(self.die_once_marker)
        texts: list[str | None] = []
        ids: list[object] = []
        errors: list[str | None] = list(batch.column(col.ERROR).to_pylist()) if col.ERROR in batch.column_names else []
        errors += [None] * (batch.num_rows - len(errors))
        given_ids = batch.column(self.id_column).to_pylist() if self.id_column else None
        for i, value in enumerate(batch.column(self.text_column).to_pylist()):
            text = None
            if errors[i] is None and given_ids is not None and given_ids[i] is None:
                errors[i] = f"{self.id_column} is null"
            if errors[i] is None:
                try:
                    text = as_text(value)
                except (TypeError, ValueError) as error:
                    errors[i] = str(error)
            texts.append(text)
            ids.append(given_ids[i] if given_ids is not None else None if text is None else text_hash(text))
        names = batch.column(self.chunker_column).to_pylist() if self.chunker_column else [None] * batch.num_rows
        groups: dict[str | None, list[int]] = {}
        for i in range(batch.num_rows):
            if errors[i] is None:
                groups.setdefault(names[i], []).append(i)
        chunks: dict[int, list[Chunk]] = {}
        for name, rows in groups.items():
            try:
                chunker = self._chunker(name)
            except (TypeError, ValueError) as error:  # an unknown chunker name: those rows' error
                for row in rows:
                    errors[row] = lone_document_reason(error)
                continue
            chunks.update(zip(rows, self._embed(chunker, [texts[i] for i in rows], rows, errors), strict=True))
        return self._table(batch, ids, texts, errors, chunks)

    # ------------------------------------------------------------------ embedding
    def _chunker(self, name: str | None) -> LateChunker:
        """The LateChunker of the chunker ``name`` (``None``: the options' own), made once."""
        if name not in self.chunkers:
            from latechunk import LateChunker

            self.chunkers[name] = LateChunker(self.model, **{**self.options, "chunker": name})
        return self.chunkers[name]

    def _embed(
        self, chunker: LateChunker, docs: list[str], rows: list[int], errors: list[str | None]
    ) -> list[list[Chunk]]:
        """One ``chunk_and_embed`` call for the batch; if it raises, one call per document to find the bad ones."""
        try:
            return chunker.chunk_and_embed(docs)
        except Exception:  # noqa: BLE001 - isolated below, document by document
            pass
        results: list[list[Chunk]] = []
        for row, doc in zip(rows, docs, strict=True):
            try:
                results.append(chunker.chunk_and_embed([doc])[0])
            except Exception as error:  # any failure of one document is that document's error row
                errors[row] = lone_document_reason(error)
                results.append([])
        return results

    # ------------------------------------------------------------------ output
    def _table(
        self,
        batch: pa.Table,
        ids: list[object],
        texts: list[str | None],
        errors: list[str | None],
        chunks: dict[int, list[Chunk]],
    ) -> pa.Table:
        import pyarrow as pa

        own = {self.text_column, col.ERROR} | ({self.id_column} if self.id_column else set())
        passthrough = [name for name in batch.column_names if name not in own]
        fields = col.chunk_fields(self.chunker.dim, with_context=self.context_chars > 0)
        clash = sorted(({col.DOC_ID} | {f.name for f in fields}) & set(passthrough))
        if clash:
            raise ValueError(f"input columns {clash} clash with the chunk dataset's own columns; rename them")
        source: list[int] = []
        values: dict[str, list[Any]] = {f.name: [] for f in fields}
        vectors: list[np.ndarray] = []
        mask: list[bool] = []
        for row in range(batch.num_rows):
            if errors[row] is not None:
                source.append(row)
                for name in values:
                    values[name].append(errors[row] if name == col.ERROR else None)
                vectors.append(np.zeros(self.chunker.dim, dtype=np.float32))
                mask.append(True)
                continue
            doc_chunks = chunks[row]
            if not doc_chunks and self.empty_rows:  # a marker row: the document was read and has no chunks
                source.append(row)
                for name in values:
                    values[name].append(0 if name == col.CHUNK_COUNT else None)
                vectors.append(np.zeros(self.chunker.dim, dtype=np.float32))
                mask.append(True)
            for chunk in doc_chunks:
                source.append(row)
                assert chunk.embedding is not None
                row_values = {
                    col.CHUNK_ID: col.chunk_id(ids[row], chunk.start, chunk.end),
                    col.CHUNK_INDEX: chunk.index,
                    col.CHUNK_COUNT: len(doc_chunks),
                    col.TEXT: chunk.text,
                    col.START: chunk.start,
                    col.END: chunk.end,
                    col.TOKEN_COUNT: chunk.token_count,
                    col.EMBEDDING: None,
                    col.META: col.meta_json(chunk.meta),
                    col.ERROR: None,
                }
                if self.context_chars:
                    text = texts[row]
                    assert text is not None
                    before, after = context(text, chunk.start, chunk.end, self.context_chars)
                    row_values[col.CONTEXT_BEFORE], row_values[col.CONTEXT_AFTER] = before, after
                for name in values:
                    values[name].append(row_values[name])
                vectors.append(np.asarray(chunk.embedding, dtype=np.float32))
                mask.append(False)
        take = pa.array(source, type=pa.int64())
        if self.id_column:
            doc_ids = batch.column(self.id_column).take(take)
        else:
            doc_ids = pa.array([ids[i] for i in source], type=pa.string())
        arrays = [doc_ids]
        for field in fields:
            if field.name == col.EMBEDDING:
                flat = np.concatenate(vectors) if vectors else np.zeros(0, dtype=np.float32)
                nulls = pa.array(mask, type=pa.bool_())
                arrays.append(pa.FixedSizeListArray.from_arrays(pa.array(flat), self.chunker.dim, mask=nulls))
            else:
                arrays.append(pa.array(values[field.name], type=field.type))
        names = [col.DOC_ID] + [f.name for f in fields]
        rest = batch.select(passthrough).take(take)
        return pa.Table.from_arrays(arrays + list(rest.columns), names=names + passthrough)
