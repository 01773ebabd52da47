"""Reading files as a Ray Dataset of documents: read, hash and parse in plain CPU tasks, apart from the actors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from latechunk.distributed import columns as col

if TYPE_CHECKING:
    import pyarrow as pa
    from ray.data import Dataset

PATH = "path"
SHA256 = "sha256"
CHUNKER = "chunker"
"""The column naming each file's chunker (``latechunk.documents.chunker_for``)."""
LAYOUT = "layout"
"""The column holding a PDF's pages and outline (``PdfLayout.to_json``; null for other files)."""
PARSE_CPUS = 0.25
"""CPU reserved by each parse task: reading and text extraction are light next to the model."""


def parse_files(batch: pa.Table, known: Mapping[str, str] | None = None, chunker: str | None = None) -> pa.Table:
    """Read each ``path``: its content hash, and its text or the reason it cannot be read.

    Rows whose hash equals ``known[path]`` (already indexed, unchanged) are dropped.
    Columns out: ``doc_id`` (the path), ``text``, ``sha256``, ``error``, ``layout`` (a PDF's pages and
    outline), and with ``chunker`` (a store's chunker setting, ``auto`` included) ``chunker``: the
    chunker for each file.
    """
    import pyarrow as pa

    from latechunk.documents import ReadError, chunker_for, load_document

    out: dict[str, list[str | None]] = {col.DOC_ID: [], col.TEXT: [], SHA256: [], col.ERROR: [], LAYOUT: []}
    for name in batch.column(PATH).to_pylist():
        try:
            document = load_document(Path(name), unchanged=None if known is None else known.get(name))
        except ReadError as problem:
            row = (name, None, None, str(problem), None)
        else:
            if document is None:
                continue
            layout = None if document.layout is None else document.layout.to_json()
            row = (name, document.text, document.digest, None, layout)
        for key, value in zip((col.DOC_ID, col.TEXT, SHA256, col.ERROR, LAYOUT), row, strict=True):
            out[key].append(value)
    if chunker is not None:
        out[CHUNKER] = [chunker_for(chunker, name) for name in out[col.DOC_ID]]
    return pa.table({key: pa.array(values, type=pa.string()) for key, values in out.items()})


def place_chunks(table: pa.Table) -> pa.Table:
    """Chunk rows with each PDF chunk's pages and outline headings added to ``chunk_meta`` (as the local ``index``
    stores them, ``latechunk.documents.chunk_meta``), and the ``layout`` column dropped."""
    import pyarrow as pa

    from latechunk.documents import PdfLayout, chunk_meta

    if LAYOUT not in table.column_names:
        return table
    layouts: dict[str, PdfLayout] = {}
    metas = table.column(col.META).to_pylist()
    for i, (layout, start, end) in enumerate(
        zip(*(table.column(name).to_pylist() for name in (LAYOUT, col.START, col.END)), strict=True)
    ):
        if layout is None or start is None:
            continue
        if layout not in layouts:
            layouts[layout] = PdfLayout.from_json(layout)
        pdf = layouts[layout]
        metas[i] = col.meta_json(chunk_meta(col.meta_of(metas[i]), pdf, start, end))
    at = table.column_names.index(col.META)
    table = table.set_column(at, col.META, pa.array(metas, type=pa.string()))
    return table.drop_columns([LAYOUT])


def read_documents(
    paths: Sequence[str | Path], known: Mapping[str, str] | None = None, chunker: str | None = None
) -> Dataset:
    """A Dataset of ``doc_id, text, sha256, error, layout`` rows (and ``chunker`` with ``chunker``, see
    ``parse_files``) for ``paths`` (each path must be readable on every node).

    Files whose content hash equals ``known[path]`` are left out; unreadable ones carry ``error``.
    """
    import ray.data

    items = [{PATH: str(p)} for p in paths]
    blocks = max(1, min(len(items), 200))
    return ray.data.from_items(items, override_num_blocks=blocks).map_batches(
        parse_files,
        fn_kwargs={"known": dict(known or {}), "chunker": chunker},
        batch_format="pyarrow",
        batch_size=None,
        num_cpus=PARSE_CPUS,
    )
