"""A file's chunks as the store keeps them, built one at a time from the engine's arrays."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

from latechunk.documents import chunk_meta, context
from latechunk.documents.pdf_layout import PdfLayout
from latechunk.store import StoredChunk
from latechunk.types import ChunkArrays


class StoredRows(Sequence[StoredChunk]):
    """The ``StoredChunk`` of each row of ``arrays`` (chunks of ``text``), made when asked for: the store
    builds its points a batch at a time, so a large file never holds one Python object per chunk."""

    def __init__(self, arrays: ChunkArrays, text: str, layout: PdfLayout | None = None) -> None:
        self.arrays = arrays
        self.text = text
        self.layout = layout

    def __len__(self) -> int:
        return len(self.arrays)

    @overload
    def __getitem__(self, index: int) -> StoredChunk: ...
    @overload
    def __getitem__(self, index: slice) -> list[StoredChunk]: ...

    def __getitem__(self, index: int | slice) -> StoredChunk | list[StoredChunk]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        index %= len(self)
        rows = self.arrays
        start, end = int(rows.starts[index]), int(rows.ends[index])
        before, after = context(self.text, start, end)
        meta = chunk_meta(rows.metas[index] if rows.metas is not None else {}, self.layout, start, end)
        return StoredChunk(index, start, end, self.text[start:end], before, after, rows.embeddings[index], meta)

    def __iter__(self) -> Iterator[StoredChunk]:
        return (self[i] for i in range(len(self)))
