"""The Haystack components, re-exported from where Haystack's integration convention puts them.

They are defined in ``haystack_integrations.components.embedders.latechunk`` so that a pipeline
saved with ``Pipeline.dumps()`` loads under Haystack's default deserialization allow-list.
"""

from __future__ import annotations

from importlib.util import find_spec

if find_spec("haystack") is None:
    raise ImportError('the Haystack components need Haystack: pip install "latechunk[haystack]"')

from haystack_integrations.components.embedders.latechunk import (  # noqa: E402
    LateChunkingDocumentEmbedder,
    LateChunkingTextEmbedder,
)

__all__ = ["LateChunkingDocumentEmbedder", "LateChunkingTextEmbedder"]
