"""The Ray executor of an index run (``latechunk index --ray``), and writing a run's chunks to Parquet instead.

Files are read, hashed and parsed in CPU tasks (unchanged files dropped there), chunked and embedded on a
pool of model-holding actors (``chunk_and_embed``), and written to the store (an on-disk store: from this
process; a server: from Ray's write tasks).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from latechunk.defaults import DEFAULT_MODEL
from latechunk.distributed.files import CHUNKER, place_chunks, read_documents
from latechunk.distributed.pipeline import DEFAULT_BATCH_DOCUMENTS, chunk_and_embed, split_errors
from latechunk.distributed.qdrant import QdrantDatasink, QdrantWriter, WriteSummary
from latechunk.documents import CONTEXT_CHARS, chunker_for
from latechunk.indexing import IndexJob, Reporter, Tally
from latechunk.store import new_store_settings


@dataclass(frozen=True)
class RayOptions:
    """Where and how wide to run: ``address`` ``auto`` (the running cluster, else a local one) or a cluster's."""

    address: str = "auto"
    workers: int = 1
    gpus_per_worker: float | None = None
    """GPUs per actor; ``None``: 1 when the cluster has GPUs, else 0."""
    cpus_per_worker: float = 1.0
    batch_docs: int = DEFAULT_BATCH_DOCUMENTS


@dataclass
class ParquetResult:
    """What writing chunks to Parquet did: chunks written, files they came from, files that failed."""

    chunks: int
    files: int
    failed: list[tuple[str, str]]


class RayExecutor:
    """Runs index jobs on Ray; a context manager that connects to Ray (or starts it, and then shuts it down)."""

    def __init__(self, options: RayOptions) -> None:
        self.options = options
        self.started = False

    def __enter__(self) -> RayExecutor:
        import ray

        if not ray.is_initialized():
            address = None if self.options.address == "auto" else self.options.address
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
            self.started = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self.started:
            import ray

            ray.shutdown()

    def index(self, job: IndexJob, tally: Tally, reporter: Reporter) -> None:
        """Embed the job's new and changed files on Ray and write them into its store."""
        known = job.known_hashes()
        docs = read_documents(job.files, known=known, chunker=job.settings.chunker)
        settings = {**job.given, **job.settings.vector_settings()}  # the store's vectors, the run's own speed
        chunks = self._chunks(docs, settings, context_chars=CONTEXT_CHARS, empty_rows=True)
        if job.store.local:  # an on-disk store has one writer: this process
            summary = WriteSummary()
            writer = QdrantWriter(job.store, replacing=job.records)
            for table in chunks.iter_batches(batch_format="pyarrow", batch_size=None):
                summary.merge(writer.write(table))
            writer.finish_partial(summary)
        else:
            location = job.location
            assert location.url is not None
            sink = QdrantDatasink(location.url, location.collection, api_key=location.api_key, replacing=job.records)
            chunks.write_datasink(sink)
            summary = sink.summary
        for path, problem in summary.errors:
            reporter.skipped(path, problem)
        tally.indexed += summary.files
        tally.chunks += summary.chunks
        tally.failed += len(summary.errors)
        tally.unchanged += len(job.files) - summary.files - len(summary.errors) - len(summary.partial)

    def write_parquet(self, files: list[Path], given: Mapping[str, Any], folder: str) -> ParquetResult:
        """Chunk and embed ``files`` with the ``given`` settings over the index defaults; write the chunk rows
        to Parquet files in ``folder`` (replacing what is there)."""
        from ray.data import SaveMode

        settings = new_store_settings(given)
        chunks, errors = split_errors(self._chunks(read_documents(files, chunker=settings["chunker"]), settings))
        chunks.write_parquet(folder, mode=SaveMode.OVERWRITE)
        failed = [(row["doc_id"], row["error"]) for row in errors.take_all()]
        return ParquetResult(chunks.count(), len(files) - len(failed), failed)

    def _chunks(self, docs: Any, settings: Mapping[str, Any], **options: Any) -> Any:
        """Chunk and embed ``docs`` (rows of ``read_documents`` with a ``chunker`` column), each file by its
        chunker; PDF chunks get their pages and outline headings in ``meta``."""
        values = dict(settings)
        model = values.pop("model", DEFAULT_MODEL)
        device = values.pop("device", None)  # passed on its own
        values["chunker"] = chunker_for(values["chunker"], "")  # the default for rows with no name
        chunks = chunk_and_embed(
            docs,
            model,
            id_column="doc_id",
            chunker_column=CHUNKER,
            workers=self.options.workers,
            gpus_per_worker=self._gpus(),
            cpus_per_worker=self.options.cpus_per_worker,
            batch_size=self.options.batch_docs,
            device=device,
            **values,
            **options,
        )
        return chunks.map_batches(place_chunks, batch_format="pyarrow", batch_size=None)

    def _gpus(self) -> float:
        if self.options.gpus_per_worker is not None:
            return float(self.options.gpus_per_worker)
        import ray

        return 1.0 if ray.cluster_resources().get("GPU", 0) > 0 else 0.0
