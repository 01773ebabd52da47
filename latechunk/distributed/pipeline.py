"""``chunk_and_embed`` on a Ray Dataset, and splitting its error rows from its chunk rows."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from latechunk.defaults import DEFAULT_BATCH_DOCUMENTS, DEFAULT_MODEL
from latechunk.distributed import columns as col
from latechunk.distributed.worker import ChunkEmbedder

if TYPE_CHECKING:
    import pyarrow as pa
    from ray.data import Dataset


def chunk_and_embed(
    ds: Dataset,
    model: str = DEFAULT_MODEL,
    *,
    task: str | None = None,
    text_column: str = "text",
    id_column: str | None = None,
    chunker_column: str | None = None,
    workers: int = 1,
    gpus_per_worker: float = 0,
    cpus_per_worker: float = 1,
    batch_size: int = DEFAULT_BATCH_DOCUMENTS,
    context_chars: int = 0,
    die_once: str | None = None,
    empty_rows: bool = False,
    **chunker_options: Any,
) -> Dataset:
    """Late-chunk and embed every document of ``ds`` on a pool of Ray actors; lazy, like any Ray Dataset.

    Args:
        ds: a Ray Dataset with a text column (``str``, or ``bytes`` holding UTF-8).
        model, task, **chunker_options: what ``LateChunker(model, task=task, **chunker_options)``
            takes (``chunker``, ``chunk_size``, ``dimensions``, ``max_length``, ``max_batch_tokens``, ...).
        text_column: the column holding each document's text.
        id_column: the column holding each document's id; ``None``: the SHA-256 of the text.
        chunker_column: a column naming each document's chunker (``"markdown"``, ``"html"``, ...; null:
            the ``chunker`` option's); ``None``: every document gets the ``chunker`` option's.
        workers: actors in the pool; each loads the model once.
        gpus_per_worker: GPUs each actor reserves (0: the actor runs on the CPU).
        cpus_per_worker: CPUs each actor reserves; also its torch thread count (at least 1).
        batch_size: documents per ``LateChunker.chunk_and_embed`` call.
        context_chars: when above 0, add ``context_before``/``context_after`` columns (that many
            characters of the document around each chunk).
        die_once: test hook: a marker file path; the first worker that takes a batch while the file
            is missing creates it and kills its own process. Ray restarts it and retries the batch.
        empty_rows: give a document without chunks (empty text) one row with ``chunk_count`` 0 and
            null chunk columns (``split_errors`` drops such rows from ``chunks``).

    Returns:
        One row per chunk, columns ``doc_id, chunk_id, chunk_index, chunk_count, text, start, end,
        token_count, embedding, chunk_meta, error`` followed by the input's other columns (the text and id
        columns are not repeated). ``chunk_meta`` is the chunk's metadata as JSON text (a Markdown or HTML
        chunk's ``{"headings": [...]}``; ``columns.meta_of`` reads it). ``chunk_id`` is uuid5 of
        ``f"{doc_id}:{start}:{end}"``. A document that fails gives one row with ``error`` set and null
        chunk columns; see ``split_errors``.
    """
    check_pool(workers, batch_size)
    _check_columns(ds, text_column, id_column, chunker_column)
    kwargs = embedder_kwargs(
        task=task,
        chunker_options=chunker_options,
        gpus_per_worker=gpus_per_worker,
        cpus_per_worker=cpus_per_worker,
        text_column=text_column,
        id_column=id_column,
        chunker_column=chunker_column,
        context_chars=context_chars,
        die_once=die_once,
        empty_rows=empty_rows,
    )
    return on_actors(ds, ChunkEmbedder, model, kwargs, workers, gpus_per_worker, cpus_per_worker, batch_size)


def check_pool(workers: int, batch_size: int) -> None:
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")


def embedder_kwargs(
    *,
    task: str | None,
    chunker_options: dict[str, Any],
    gpus_per_worker: float,
    cpus_per_worker: float,
    text_column: str,
    id_column: str | None,
    chunker_column: str | None,
    context_chars: int,
    die_once: str | None,
    empty_rows: bool,
) -> dict[str, Any]:
    """The constructor keywords of a ``ChunkEmbedder`` for ``chunk_and_embed``'s options."""
    options = {"task": task, **chunker_options}
    if not gpus_per_worker and options.get("device") is None:
        options["device"] = "cpu"  # no GPU reserved: do not take one that belongs to another actor
    return {
        "text_column": text_column,
        "id_column": id_column,
        "context_chars": context_chars,
        "num_threads": max(1, math.floor(cpus_per_worker)),
        "die_once_marker": die_once,
        "empty_rows": empty_rows,
        "chunker_options": options,
        "chunker_column": chunker_column,
    }


def on_actors(
    ds: Dataset,
    actor: type,
    model: str,
    kwargs: dict[str, Any],
    workers: int,
    gpus_per_worker: float,
    cpus_per_worker: float,
    batch_size: int,
) -> Dataset:
    """``ds`` mapped by a pool of ``workers`` ``actor(model, **kwargs)`` instances, ``batch_size`` rows a call."""
    import ray.data

    return ds.map_batches(
        actor,
        fn_constructor_args=(model,),
        fn_constructor_kwargs=kwargs,
        batch_size=batch_size,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_gpus=gpus_per_worker,
        num_cpus=cpus_per_worker,
    )


def _check_columns(ds: Dataset, text_column: str, id_column: str | None, chunker_column: str | None = None) -> None:
    """Name a missing text or id column before any work starts, when the schema is known without reading."""
    schema = ds.schema(fetch_if_missing=False)
    if schema is None:
        return
    names = set(schema.names)
    for what, name in (("text_column", text_column), ("id_column", id_column), ("chunker_column", chunker_column)):
        if name is not None and name not in names:
            raise ValueError(f"{what} {name!r} is not a column of the dataset (columns: {sorted(names)})")


def _ok_rows(table: pa.Table) -> pa.Table:
    import pyarrow.compute as pc

    keep = pc.and_(pc.is_null(table[col.ERROR]), pc.is_valid(table[col.CHUNK_ID]))
    return table.filter(keep).drop_columns([col.ERROR])


def _error_rows(table: pa.Table) -> pa.Table:
    import pyarrow.compute as pc

    failed = table.filter(pc.is_valid(table[col.ERROR]))
    chunk_only = [name for name in col.CHUNK_COLUMNS if name not in (col.DOC_ID, col.ERROR)]
    extra = [name for name in (col.CONTEXT_BEFORE, col.CONTEXT_AFTER) if name in table.column_names]
    return failed.drop_columns(chunk_only + extra)


def split_errors(chunks: Dataset) -> tuple[Dataset, Dataset]:
    """``(chunks, errors)`` from ``chunk_and_embed``'s output, computed once (the dataset is materialized).

    ``chunks`` lacks the ``error`` column (and the rows of ``empty_rows``); ``errors`` has ``doc_id``,
    ``error`` and the input's other columns. To stream instead (no materialization), filter on
    ``error`` yourself and consume the dataset once.
    """
    done = chunks.materialize()
    return (
        done.map_batches(_ok_rows, batch_format="pyarrow", batch_size=None),
        done.map_batches(_error_rows, batch_format="pyarrow", batch_size=None),
    )
