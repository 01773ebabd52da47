"""The model and chunking options of ``index`` and ``search``: one per LateChunker setting."""

from __future__ import annotations

import argparse

from latechunk.documents import AUTO_CHUNKER
from latechunk.options import OMITTED, add_setting_option
from latechunk.settings import setting_fields
from latechunk.store import DEFAULT_PASSAGE_TASK, DEFAULT_QUERY_TASK


def add_model_options(parser: argparse.ArgumentParser, *, indexing: bool) -> None:
    """One option per LateChunker setting (from ``LateChunkerSettings``); left out, an option takes the store's
    setting or the Python API's default. Chunker options only when indexing."""
    group = parser.add_argument_group("model and chunking (default: the store's settings, else the Python API's)")
    for f in setting_fields():
        if f.name in OMITTED or (not indexing and f.metadata["group"] == "chunking"):
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
