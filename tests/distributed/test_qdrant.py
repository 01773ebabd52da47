"""``QdrantWriter``: a file whose chunk rows arrive in several writes is recorded once all are in."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from latechunk.distributed import columns as col
from latechunk.distributed.files import SHA256
from latechunk.distributed.qdrant import QdrantWriter, WriteSummary
from latechunk.store import BuildSettings, Store

DIM = 4
SETTINGS = BuildSettings("m", DIM, None, "sentences", 32, 256, None, "0")


SCHEMA = pa.schema(
    [pa.field(col.DOC_ID, pa.string())] + col.chunk_fields(DIM, with_context=True) + [pa.field(SHA256, pa.string())]
)


def _failed(path: str, reason: str) -> pa.Table:
    row = {name: None for name in SCHEMA.names} | {col.DOC_ID: path, col.ERROR: reason}
    return pa.Table.from_pylist([row], schema=SCHEMA)


def _rows(path: str, sha: str, count: int, indices: list[int]) -> pa.Table:
    rows = [
        {
            col.DOC_ID: path,
            col.CHUNK_ID: col.chunk_id(path, i, i + 1),
            col.CHUNK_INDEX: i,
            col.CHUNK_COUNT: count,
            col.TEXT: f"t{i}",
            col.START: i,
            col.END: i + 1,
            col.TOKEN_COUNT: 1,
            col.EMBEDDING: list(np.eye(DIM, dtype=np.float32)[i % DIM]),
            col.ERROR: None,
            col.CONTEXT_BEFORE: "",
            col.CONTEXT_AFTER: "",
            SHA256: sha,
        }
        for i in indices
    ]
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def test_split_file_recorded_after_its_last_rows(tmp_path):
    with Store.open(path=str(tmp_path / "s"), create=True) as store:
        store.create(SETTINGS)
        writer = QdrantWriter(store, batch_size=2)
        summary = WriteSummary()
        summary.merge(writer.write(pa.concat_tables([_rows("/a", "ha", 2, [0, 1]), _rows("/b", "hb", 3, [0])])))
        assert store.file_hashes() == {"/a": "ha"}  # /b is not complete yet
        summary.merge(writer.write(_rows("/b", "hb", 3, [1, 2])))
        assert summary.partial == {"/b": ("hb", 3, 3)}
        writer.finish_partial(summary)
        assert store.file_hashes() == {"/a": "ha", "/b": "hb"}
        assert (summary.files, summary.chunks, summary.partial) == (2, 5, {})
        # writing the same rows again (a retried task) stores nothing twice
        writer.write(_rows("/b", "hb", 3, [0, 1, 2]))
        assert store.count_chunks() == 5 and store.count_chunks("/b") == 3


def test_replaced_file_loses_its_stale_chunks(tmp_path):
    with Store.open(path=str(tmp_path / "s"), create=True) as store:
        store.create(SETTINGS)
        QdrantWriter(store).write(_rows("/a", "old", 4, [0, 1, 2, 3]))
        summary = QdrantWriter(store, replacing={"/a"}).write(_rows("/a", "new", 2, [0, 1]))
        assert summary.files == 1
        assert store.count_chunks("/a") == 2 and store.file_hashes() == {"/a": "new"}


def test_datasink_through_ray_write_tasks(ray_local, tmp_path):
    from .sinks import FolderDatasink

    folder = str(tmp_path / "s")
    with Store.open(path=folder, create=True) as store:
        store.create(SETTINGS)
    # /b's rows are cut across blocks, hence across write tasks: the driver records it at the end
    blocks = [_rows("/a", "ha", 2, [0, 1]), _rows("/b", "hb", 3, [0]), _rows("/b", "hb", 3, [1, 2])]
    ds = ray_local.data.from_arrow([*blocks, _failed("/c", "cannot read")])
    sink = FolderDatasink(folder)
    ds.write_datasink(sink, concurrency=1)  # an on-disk store takes one writer at a time
    assert (sink.summary.files, sink.summary.chunks, sink.summary.errors) == (2, 5, [("/c", "cannot read")])
    with Store.open(path=folder, create=False) as store:
        assert store.file_hashes() == {"/a": "ha", "/b": "hb"}
        assert store.count_chunks() == 5
