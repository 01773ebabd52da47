"""``LateChunkingTextEmbedder``: embed a query for search over late-chunked documents."""

from __future__ import annotations

import asyncio

from haystack import component
from haystack.utils import ComponentDevice, Secret

from latechunk.defaults import DEFAULT_MODEL

from ._loading import DEFAULT_TOKEN, LateChunkerSettings


@component
class LateChunkingTextEmbedder(LateChunkerSettings):
    """Embeds one text (a query) with the model of a ``LateChunkingDocumentEmbedder``.

    The text is mean-pooled over all its tokens, as sentence-transformers does; use the same
    ``model`` (and ``dimensions``) as the document embedder that indexed the documents.

    ### Usage example

    ```python
    from haystack_integrations.components.embedders.latechunk import LateChunkingTextEmbedder

    embedder = LateChunkingTextEmbedder()
    embedding = embedder.run("What is Berlin's population?")["embedding"]
    ```

    Args:
        model: a Hugging Face hub id or a local folder (default: all-MiniLM-L6-v2).
        device: where the model runs (``None``: latechunk picks one).
        token: Hugging Face token for private models.
        task: task whose instruction prefix (and adapter) the model uses; ``None``: none.
        dimensions: Matryoshka truncation of the vector.
        max_length: window size in tokens (default: the length the model was tuned for).
        progress_bar: show a progress bar while encoding.
        normalize_embeddings: L2-normalise the vector.
        trust_remote_code, local_files_only, revision: passed to ``from_pretrained``.
    """

    SETTINGS = (
        "model",
        "device",
        "token",
        "task",
        "dimensions",
        "max_length",
        "progress_bar",
        "normalize_embeddings",
        "trust_remote_code",
        "local_files_only",
        "revision",
    )

    def __init__(
        self,
        *,
        model: str = DEFAULT_MODEL,
        device: ComponentDevice | None = None,
        token: Secret | None = DEFAULT_TOKEN,
        task: str | None = "retrieval.query",
        dimensions: int | None = None,
        max_length: int | None = None,
        progress_bar: bool = False,
        normalize_embeddings: bool = True,
        trust_remote_code: bool = False,
        local_files_only: bool = False,
        revision: str | None = None,
    ) -> None:
        self.model = model
        self.device = device
        self.token = token
        self.task = task
        self.dimensions = dimensions
        self.max_length = max_length
        self.progress_bar = progress_bar
        self.normalize_embeddings = normalize_embeddings
        self.trust_remote_code = trust_remote_code
        self.local_files_only = local_files_only
        self.revision = revision

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
