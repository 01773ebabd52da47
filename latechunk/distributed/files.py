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
PARSE_CPUS = 0.25
"""CPU reserved by each parse task: reading and text extraction are light next to the model."""


def parse_files(batch: pa.Table, known: Mapping[str, str] | None = None) -> pa.Table:
    """Read each ``path``: its content hash, and its text or the reason it cannot be read.

    Rows whose hash equals ``known[path]`` (already indexed, unchanged) are dropped.
    Columns out: ``doc_id`` (the path), ``text``, ``sha256``, ``error``.
    """
    import pyarrow as pa

    from latechunk.cli.readers import ReadError, content_hash, extract_text, read_bytes

    out: dict[str, list[str | None]] = {col.DOC_ID: [], col.TEXT: [], SHA256: [], col.ERROR: []}
    for name in batch.column(PATH).to_pylist():
        path = Path(name)
        text = digest = error = None
        try:
            data = read_bytes(path)
            digest = content_hash(data)
            if known is not None and known.get(name) == digest:
                continue
            text = extract_text(path, data)
        except ReadError as problem:
            error = str(problem)
        for key, value in ((col.DOC_ID, name), (col.TEXT, text), (SHA256, digest), (col.ERROR, error)):
            out[key].append(value)
    return pa.table({key: pa.array(values, type=pa.string()) for key, values in out.items()})


def read_documents(paths: Sequence[str | Path], known: Mapping[str, str] | None = None) -> Dataset:
    """A Dataset of ``doc_id, text, sha256, error`` rows for ``paths`` (each path must be readable on every node).

    Files whose content hash equals ``known[path]`` are left out; unreadable ones carry ``error``.
    """
    import ray.data

    items = [{PATH: str(p)} for p in paths]
    blocks = max(1, min(len(items), 200))
    return ray.data.from_items(items, override_num_blocks=blocks).map_batches(
        parse_files,
        fn_kwargs={"known": dict(known or {})},
        batch_format="pyarrow",
        batch_size=None,
        num_cpus=PARSE_CPUS,
    )
