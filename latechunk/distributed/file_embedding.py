"""Files read, chunked and embedded on the model actors themselves (``latechunk index --ray``).

The actors read their batch's files (hash, text, PDF layout; unchanged files dropped) before embedding them,
so the job has no stage of plain CPU tasks between its input and the actors. Such tasks cannot run when the
actors hold every CPU of the cluster (Ray Data starts the actors first: ray-project/ray#44687), and the job
would wait forever; reading on the actors makes ``--workers`` equal to the cluster's CPUs work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latechunk.distributed import columns as col
from latechunk.distributed.files import CHUNKER, PATH, parse_files, place_chunks
from latechunk.distributed.pipeline import DEFAULT_BATCH_DOCUMENTS, check_pool, embedder_kwargs, on_actors
from latechunk.distributed.worker import ChunkEmbedder

if TYPE_CHECKING:
    import pyarrow as pa
    from ray.data import Dataset


class FileEmbedder(ChunkEmbedder):
    """A ``ChunkEmbedder`` whose batches are file paths (column ``path``): each call reads them
    (``parse_files``: files whose hash is ``known`` are dropped, unreadable ones give an error row, each
    file's chunker from the store's ``chunker`` setting), embeds them, and adds PDF pages and outline
    headings to the chunks' ``chunk_meta`` (``place_chunks``)."""

    def __init__(self, model: str, *, known: Mapping[str, str], chunker: str, **kwargs: Any) -> None:
        super().__init__(model, **kwargs)
        self.known = dict(known)
        self.store_chunker = chunker

    def __call__(self, batch: pa.Table) -> pa.Table:
        return place_chunks(super().__call__(parse_files(batch, self.known, self.store_chunker)))


def embed_files(
    paths: Sequence[str | Path],
    model: str,
    *,
    chunker: str,
    known: Mapping[str, str] | None = None,
    task: str | None = None,
    workers: int = 1,
    gpus_per_worker: float = 0,
    cpus_per_worker: float = 1,
    batch_size: int = DEFAULT_BATCH_DOCUMENTS,
    context_chars: int = 0,
    empty_rows: bool = False,
    **chunker_options: Any,
) -> Dataset:
    """The chunk rows of the files at ``paths`` (readable at the same place on every node), as
    ``chunk_and_embed`` gives them with ``doc_id`` the path and the columns ``sha256`` and ``chunker``; files
    whose content hash equals ``known[path]`` give no rows. ``chunker`` is the store's setting (``auto``
    picks one per file); the other options are ``chunk_and_embed``'s."""
    import ray.data

    check_pool(workers, batch_size)
    kwargs = embedder_kwargs(
        task=task,
        chunker_options=chunker_options,
        gpus_per_worker=gpus_per_worker,
        cpus_per_worker=cpus_per_worker,
        text_column=col.TEXT,
        id_column=col.DOC_ID,
        chunker_column=CHUNKER,
        context_chars=context_chars,
        die_once=None,
        empty_rows=empty_rows,
    )
    kwargs.update(known=dict(known or {}), chunker=chunker)
    items = [{PATH: str(p)} for p in paths]
    ds = ray.data.from_items(items, override_num_blocks=max(1, min(len(items), 200)))
    return on_actors(ds, FileEmbedder, model, kwargs, workers, gpus_per_worker, cpus_per_worker, batch_size)
