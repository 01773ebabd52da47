"""``LateChunkingTextEmbedder``: embed a query for search over late-chunked documents."""

from __future__ import annotations

import asyncio
from typing import Any

from haystack import component
from haystack.utils import ComponentDevice, Secret

from latechunk.defaults import DEFAULT_QUERY_TASK

from ._loading import DEFAULT_TOKEN, LateChunkerComponent, component_signature


@component
class LateChunkingTextEmbedder(LateChunkerComponent):
    """Embeds one text (a query) with the model of a ``LateChunkingDocumentEmbedder``.

    The text is mean-pooled over all its tokens, as sentence-transformers does; use the same
    ``model`` (and ``dimensions``) as the document embedder that indexed the documents.

    ### Usage example

    ```python
    from haystack_integrations.components.embedders.latechunk import LateChunkingTextEmbedder

    embedder = LateChunkingTextEmbedder()
    embedding = embedder.run("What is Berlin's population?")["embedding"]
    ```

    Parameters: ``device`` (a ``ComponentDevice``), ``token`` (a ``Secret``), ``progress_bar``
    (default ``False``), and every ``LateChunker`` setting but the chunker's, with the same name and
    meaning (``task`` defaults to ``retrieval.query`` here); see
    ``latechunk.settings.LateChunkerSettings``.
    """

    GROUPS = ("model", "task", "window", "output", "runtime")
    DEFAULTS = {"task": DEFAULT_QUERY_TASK, "progress_bar": False}

    def __init__(
        self,
        *,
        device: ComponentDevice | None = None,
        token: Secret | None = DEFAULT_TOKEN,
        progress_bar: bool = False,
        **settings: Any,
    ) -> None:
        self._set_parameters(device, token, progress_bar, settings)

    @component.output_types(embedding=list[float])
    def run(self, text: str) -> dict[str, list[float]]:
        """Embed ``text``: returns ``{"embedding": vector}`` as a list of floats."""
        if not isinstance(text, str):
            raise TypeError(
                "LateChunkingTextEmbedder expects a string; to embed Documents, use LateChunkingDocumentEmbedder"
            )
        self.warm_up()
        assert self._late_chunker is not None
        return {"embedding": self._late_chunker.embed(text).tolist()}

    @component.output_types(embedding=list[float])
    async def run_async(self, text: str) -> dict[str, list[float]]:
        """``run`` in a worker thread, so the event loop stays free while the model runs."""
        return await asyncio.to_thread(self.run, text)


LateChunkingTextEmbedder.__init__.__signature__ = component_signature(LateChunkingTextEmbedder)
