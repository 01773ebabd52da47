"""``LateChunkingDocumentEmbedder``: split documents into chunks embedded in the context of their document."""

from __future__ import annotations

import asyncio
from copy import deepcopy
from typing import Any

from haystack import Document, component
from haystack.utils import ComponentDevice, Secret

from latechunk import Chunk
from latechunk.defaults import DEFAULT_DOCUMENT_TASK

from ._loading import DEFAULT_TOKEN, LateChunkerComponent, component_signature


def page_number(text: str, start: int) -> int:
    """The 1-based page of a chunk starting at ``start``: form feeds (``\\f``) before it, plus one.

    This is Haystack's ``DocumentSplitter`` convention; chunks never start with a form feed because
    chunk spans are stripped of whitespace.
    """
    return text.count("\f", 0, start) + 1


def chunk_documents(parent: Document, chunks: list[Chunk]) -> list[Document]:
    """One new ``Document`` per chunk, with the parent's meta and the split fields Haystack's splitter sets."""
    text = parent.content or ""
    documents = []
    for chunk in chunks:
        meta = deepcopy(parent.meta)
        meta.update(deepcopy(chunk.meta))
        meta.update(
            source_id=parent.id,
            split_id=chunk.index,
            split_idx_start=chunk.start,
            split_idx_end=chunk.end,
            page_number=page_number(text, chunk.start),
        )
        embedding = None if chunk.embedding is None else chunk.embedding.tolist()
        documents.append(Document(content=chunk.text, embedding=embedding, meta=meta))
    return documents


@component
class LateChunkingDocumentEmbedder(LateChunkerComponent):
    """Chunks each document and embeds every chunk by late chunking (the whole document is encoded once).

    Each input document comes back as its chunks: new documents holding the chunk text, its
    embedding, the parent's meta, the chunk's own meta and ``source_id``, ``split_id``,
    ``split_idx_start``, ``split_idx_end`` (character offsets into the parent) and ``page_number``.
    A document whose content is empty, whitespace or ``None`` gives no chunks.

    ### Usage example

    ```python
    from haystack import Document
    from haystack_integrations.components.embedders.latechunk import LateChunkingDocumentEmbedder

    embedder = LateChunkingDocumentEmbedder(chunk_size=64)
    chunks = embedder.run([Document(content="Berlin is a city. Its population is 3.8 million.")])["documents"]
    ```

    Parameters: ``device`` (a ``ComponentDevice``; ``None``: latechunk picks one), ``token`` (a
    ``Secret``; default: the ``HF_API_TOKEN``/``HF_TOKEN`` variable), ``progress_bar`` (default
    ``True``), and every ``LateChunker`` setting with the same name and meaning (``task`` defaults
    to ``retrieval.passage`` here); see ``latechunk.settings.LateChunkerSettings``.
    """

    GROUPS = ("model", "task", "chunking", "window", "output", "runtime")
    DEFAULTS = {"task": DEFAULT_DOCUMENT_TASK, "progress_bar": True}

    def __init__(
        self,
        *,
        device: ComponentDevice | None = None,
        token: Secret | None = DEFAULT_TOKEN,
        progress_bar: bool = True,
        **settings: Any,
    ) -> None:
        self._set_parameters(device, token, progress_bar, settings)

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, list[Document]]:
        """Split ``documents`` into chunks, each with its late-chunking embedding.

        Returns ``{"documents": chunks}``, the chunks of every input document in order.
        """
        if not isinstance(documents, list) or not all(isinstance(d, Document) for d in documents):
            raise TypeError(
                "LateChunkingDocumentEmbedder expects a list of Documents; to embed a string, "
                "use LateChunkingTextEmbedder"
            )
        if not documents:
            return {"documents": []}
        self.warm_up()
        assert self._late_chunker is not None
        chunk_lists = self._late_chunker.chunk_and_embed([d.content or "" for d in documents])
        pairs = zip(documents, chunk_lists, strict=True)
        return {"documents": [chunk for doc, chunks in pairs for chunk in chunk_documents(doc, chunks)]}

    @component.output_types(documents=list[Document])
    async def run_async(self, documents: list[Document]) -> dict[str, list[Document]]:
        """``run`` in a worker thread, so the event loop stays free while the model runs."""
        return await asyncio.to_thread(self.run, documents)


LateChunkingDocumentEmbedder.__init__.__signature__ = component_signature(LateChunkingDocumentEmbedder)
