"""Which chunker a file gets: ``auto`` picks one by the file's suffix, any other chunker name is used for all."""

from __future__ import annotations

from pathlib import PurePath

AUTO_CHUNKER = "auto"
"""The default chunker of an index: one chosen for each file by its suffix (``chunker_for``)."""
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
