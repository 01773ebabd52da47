"""``latechunk index PATH... --ray auto|ADDRESS``: the index command, run on a Ray cluster.

Files are read, hashed and parsed in CPU tasks (unchanged files dropped there), chunked and
embedded on a pool of model-holding actors (``latechunk.distributed``), and written to the store
(``--store``: from this process; ``--qdrant-url``: from Ray's write tasks) or to Parquet files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from latechunk.cli.errors import CliError
from latechunk.cli.settings import (
    DEFAULT_CHUNKER,
    DEFAULT_PASSAGE_TASK,
    BuildSettings,
    check_index,
    chunker_for,
    given_settings,
    make_chunker,
    positive_int,
    task_option,
)
from latechunk.defaults import DEFAULT_CHUNK_TOKENS, DEFAULT_MODEL

PARQUET = "parquet"


def add_ray_options(parser: argparse.ArgumentParser) -> None:
    """``--ray``, ``--workers``, ``--gpus-per-worker``, ``--cpus-per-worker``, ``--batch-docs``."""
    group = parser.add_argument_group('distributed (needs pip install "latechunk[distributed]")')
    group.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="run on Ray: 'auto' (the running cluster, else a local one) or a cluster address (ray://host:10001)",
    )
    group.add_argument("--workers", type=positive_int, default=1, help="model actors (default: %(default)s)")
    group.add_argument(
        "--gpus-per-worker", type=float, help="GPUs per actor (default: 1 when the cluster has GPUs, else 0)"
    )
    group.add_argument("--cpus-per-worker", type=float, default=1.0, help="CPUs per actor (default: %(default)s)")
    group.add_argument(
        "--batch-docs", type=positive_int, default=64, help="documents per actor call (default: %(default)s)"
    )


def _report(path: str | Path, problem: str) -> None:
    print(f"latechunk: skipped {path}: {problem}", file=sys.stderr)


def _connect(address: str) -> bool:
    """Connect to (or start) Ray; True when this call started it and should shut it down."""
    try:
        import ray
    except ImportError as error:
        raise CliError(f'ray is missing ({error}); install the extra: pip install "latechunk[distributed]"') from error
    if ray.is_initialized():
        return False
    ray.init(address=None if address == "auto" else address, include_dashboard=False, log_to_driver=False)
    return True


def _gpus(args: argparse.Namespace) -> float:
    if args.gpus_per_worker is not None:
        return float(args.gpus_per_worker)
    import ray

    return 1.0 if ray.cluster_resources().get("GPU", 0) > 0 else 0.0


def _pipeline(args: argparse.Namespace, docs: Any, settings: dict[str, Any], **options: Any) -> Any:
    """Chunk and embed ``docs`` (rows of ``read_documents`` with a ``chunker`` column), each file by its
    chunker; PDF chunks get their pages and outline headings in ``meta``."""
    from latechunk.distributed import chunk_and_embed
    from latechunk.distributed.files import CHUNKER, place_chunks

    settings["chunker"] = chunker_for(settings["chunker"], "")  # the default for rows with no name
    chunks = chunk_and_embed(
        docs,
        settings.pop("model"),
        id_column="doc_id",
        chunker_column=CHUNKER,
        workers=args.workers,
        gpus_per_worker=_gpus(args),
        cpus_per_worker=args.cpus_per_worker,
        batch_size=args.batch_docs,
        device=args.device,
        **settings,
        **options,
    )
    return chunks.map_batches(place_chunks, batch_format="pyarrow", batch_size=None)


def _stored_options(settings: BuildSettings, args: argparse.Namespace) -> dict[str, Any]:
    """The store's vector settings, plus the run's own (dtype, batch sizes, loading options) from the options."""
    values = {**given_settings(args), **settings.vector_settings()}
    values.pop("device", None)  # passed on its own
    return values


def _index_store(args: argparse.Namespace, files: list[Path], folders: list[Path], failed: int) -> tuple[str, str]:
    from latechunk.cli.index import CONTEXT_CHARS, _prune
    from latechunk.cli.location import API_KEY_VARIABLE, open_store
    from latechunk.distributed.files import read_documents
    from latechunk.distributed.qdrant import QdrantDatasink, QdrantWriter, WriteSummary

    with open_store(args, create=True) as store:
        stored = store.settings()
        if stored is not None:
            check_index(stored, args, store.where)
            settings = stored
        else:
            _, settings = make_chunker(args, None, indexing=True)  # resolves the model's size and window
            store.create(settings)
        hashes = store.file_hashes()
        removed = _prune(store, folders, {str(f) for f in files}, hashes)
        docs = read_documents(files, known=hashes, chunker=settings.chunker)
        chunks = _pipeline(args, docs, _stored_options(settings, args), context_chars=CONTEXT_CHARS, empty_rows=True)
        if store.local:  # an on-disk store has one writer: this process
            summary = WriteSummary()
            writer = QdrantWriter(store, replacing=hashes)
            for table in chunks.iter_batches(batch_format="pyarrow", batch_size=None):
                summary.merge(writer.write(table))
            writer.finish_partial(summary)
        else:
            import os

            sink = QdrantDatasink(
                args.qdrant_url, args.collection, api_key=os.environ.get(API_KEY_VARIABLE), replacing=hashes
            )
            chunks.write_datasink(sink)
            summary = sink.summary
        where = store.where
    for path, problem in summary.errors:
        _report(path, problem)
    unchanged = len(files) - summary.files - len(summary.errors) - len(summary.partial)
    line = (
        f"indexed {summary.files} file(s) ({summary.chunks} chunks), {unchanged} unchanged, "
        f"{failed + len(summary.errors)} skipped, {removed} removed: {where}"
    )
    return line, "ok" if summary.files + unchanged > 0 else "none"


def _index_parquet(args: argparse.Namespace, files: list[Path], failed: int) -> tuple[str, str]:
    from latechunk.distributed import split_errors
    from latechunk.distributed.files import read_documents

    kind, folder = args.output
    if kind != PARQUET:
        raise CliError(f"--output {kind!r} is not supported; use --output parquet DIR")
    setting = args.chunker or DEFAULT_CHUNKER
    options = {  # every setting the command line gave (dtype, batch sizes, ...), with the index defaults
        **given_settings(args),
        "model": args.model or DEFAULT_MODEL,
        "task": task_option(args.task, DEFAULT_PASSAGE_TASK),
        "chunker": setting,
        "chunk_size": args.chunk_size or DEFAULT_CHUNK_TOKENS,
    }
    options.pop("device", None)  # passed on its own
    chunks, errors = split_errors(_pipeline(args, read_documents(files, chunker=setting), options))
    from ray.data import SaveMode

    chunks.write_parquet(folder, mode=SaveMode.OVERWRITE)
    problems = [(row["doc_id"], row["error"]) for row in errors.take_all()]
    for path, problem in problems:
        _report(path, problem)
    line = (
        f"wrote {chunks.count()} chunks of {len(files) - len(problems)} file(s), {failed + len(problems)} skipped: "
        f"parquet {folder}"
    )
    return line, "ok" if len(files) > len(problems) else "none"


def run(args: argparse.Namespace) -> int:
    """The ``index`` command on Ray."""
    from latechunk.cli.readers import SUPPORTED_SUFFIXES, find_documents

    found = find_documents(args.paths)
    for path, problem in found.problems:
        _report(path, problem)
    if not found.files:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise CliError(f"found no documents to index ({kinds}) in {' '.join(args.paths)}")
    started = _connect(args.ray)
    try:
        if args.output is not None:
            line, state = _index_parquet(args, found.files, len(found.problems))
        else:
            line, state = _index_store(args, found.files, found.folders, len(found.problems))
    finally:
        if started:
            import ray

            ray.shutdown()
    print(line)
    if state == "none":
        raise CliError("no document could be read; nothing was indexed")
    return 0
