"""The Ray executor of an index run (``latechunk index --ray``), and writing a run's chunks to Parquet instead.

Files are read, hashed and parsed (unchanged ones dropped), chunked and embedded on a pool of model-holding
actors (``file_embedding.embed_files``), and written to the store (an on-disk store: from this process; a
server: from Ray's write tasks, which reserve no CPU). A pool that the cluster cannot hold is refused first
(``resources.check_resources``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from latechunk.defaults import DEFAULT_MODEL
from latechunk.distributed.file_embedding import embed_files
from latechunk.distributed.pipeline import split_errors
from latechunk.distributed.qdrant import QdrantDatasink, QdrantWriter, WriteSummary
from latechunk.distributed.resources import check_resources
from latechunk.documents import CONTEXT_CHARS
from latechunk.indexing import IndexJob, Reporter, Tally
from latechunk.options.ray import RayOptions
from latechunk.store import new_store_settings

WRITE_TASK_RESOURCES = {"num_cpus": 0}
"""Ray's write tasks to a Qdrant server wait on the network and reserve no CPU: while the model actors hold every
CPU, a write task that needed one could never start, and the actors' output would back up forever."""


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
        settings = {**job.given, **job.settings.vector_settings()}  # the store's vectors, the run's own speed
        chunks = self._chunks(
            job.files, settings, known=job.known_hashes(), context_chars=CONTEXT_CHARS, empty_rows=True
        )
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
            chunks.write_datasink(sink, ray_remote_args=WRITE_TASK_RESOURCES)
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
        chunks, errors = split_errors(self._chunks(files, settings))  # materialized: the actors are done
        chunks.write_parquet(folder, mode=SaveMode.OVERWRITE)
        failed = [(row["doc_id"], row["error"]) for row in errors.take_all()]
        return ParquetResult(chunks.count(), len(files) - len(failed), failed)

    def _chunks(self, files: list[Path], settings: Mapping[str, Any], **options: Any) -> Any:
        """The chunk rows of ``files``, each file read on the actors and chunked by the chunker that the
        ``chunker`` setting picks for it; PDF chunks get their pages and outline headings in ``meta``."""
        values = dict(settings)
        model = values.pop("model", DEFAULT_MODEL)
        device = values.pop("device", None)  # passed on its own
        store_chunker = values.pop("chunker")
        gpus = self._gpus()
        check_resources(self.options.workers, self.options.cpus_per_worker, gpus, _cluster_resources())
        return embed_files(
            files,
            model,
            chunker=store_chunker,
            workers=self.options.workers,
            gpus_per_worker=gpus,
            cpus_per_worker=self.options.cpus_per_worker,
            batch_size=self.options.batch_docs,
            device=device,
            **values,
            **options,
        )

    def _gpus(self) -> float:
        if self.options.gpus_per_worker is not None:
            return float(self.options.gpus_per_worker)
        import ray

        return 1.0 if ray.cluster_resources().get("GPU", 0) > 0 else 0.0


def _cluster_resources() -> dict[str, float]:
    import ray

    return dict(ray.cluster_resources())
