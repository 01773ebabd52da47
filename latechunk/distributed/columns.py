"""The columns of the chunk dataset, their Arrow types, and the deterministic chunk id."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

DOC_ID = "doc_id"
CHUNK_ID = "chunk_id"
CHUNK_INDEX = "chunk_index"
CHUNK_COUNT = "chunk_count"
TEXT = "text"
START = "start"
END = "end"
TOKEN_COUNT = "token_count"
EMBEDDING = "embedding"
ERROR = "error"
META = "chunk_meta"
CONTEXT_BEFORE = "context_before"
CONTEXT_AFTER = "context_after"

CHUNK_COLUMNS = (DOC_ID, CHUNK_ID, CHUNK_INDEX, CHUNK_COUNT, TEXT, START, END, TOKEN_COUNT, EMBEDDING, META, ERROR)
"""Columns every output row has, in this order; the input's other columns follow."""

CHUNK_NAMESPACE = uuid.UUID("0b7e3c1d-5a2f-4e8b-9c61-7d4f2a9e1b30")


def chunk_id(doc_id: object, start: int, end: int) -> str:
    """A chunk's id: uuid5 of ``f"{doc_id}:{start}:{end}"``, so a retry or a re-run gives the same id."""
    return str(uuid.uuid5(CHUNK_NAMESPACE, f"{doc_id}:{start}:{end}"))


def meta_json(meta: dict[str, Any]) -> str:
    """A chunk's ``meta`` (its heading path, ...) as the JSON text of the ``chunk_meta`` column."""
    return json.dumps(meta, ensure_ascii=False, sort_keys=True)


def meta_of(value: str | None) -> dict[str, Any]:
    """The ``meta`` dict a ``chunk_meta`` column value holds (``{}`` for null)."""
    return {} if value is None else dict(json.loads(value))


def chunk_fields(dim: int, with_context: bool) -> list[pa.Field]:
    """The Arrow fields of the chunk columns (``embedding`` is a fixed-size list of ``dim`` float32)."""
    import pyarrow as pa

    fields = [
        pa.field(CHUNK_ID, pa.string()),
        pa.field(CHUNK_INDEX, pa.int32()),
        pa.field(CHUNK_COUNT, pa.int32()),
        pa.field(TEXT, pa.string()),
        pa.field(START, pa.int64()),
        pa.field(END, pa.int64()),
        pa.field(TOKEN_COUNT, pa.int32()),
        pa.field(EMBEDDING, pa.list_(pa.float32(), dim)),
        pa.field(META, pa.string()),
        pa.field(ERROR, pa.string()),
    ]
    if with_context:
        fields += [pa.field(CONTEXT_BEFORE, pa.string()), pa.field(CONTEXT_AFTER, pa.string())]
    return fields
