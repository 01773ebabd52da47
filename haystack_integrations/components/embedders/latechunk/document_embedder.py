"""``LateChunkingDocumentEmbedder``: split documents into chunks embedded in the context of their document."""

from __future__ import annotations

import asyncio
from copy import deepcopy

from haystack import Document, component
from haystack.utils import ComponentDevice, Secret

from latechunk import Chunk
from latechunk.chunkers import CHUNKERS
from latechunk.defaults import DEFAULT_MODEL

from ._loading import DEFAULT_TOKEN, LateChunkerSettings


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
class LateChunkingDocumentEmbedder(LateChunkerSettings):
    """Chunks each document and embeds every chunk by late chunking (the whole document is encoded once).

    Each input document comes back as its chunks: new documents holding the chunk text, its
    embedding, the parent's meta and ``source_id``, ``split_id``, ``split_idx_start``,
    ``split_idx_end`` (character offsets into the parent) and ``page_number``. A document whose
    content is empty, whitespace or ``None`` gives no chunks.

    ### Usage example

    ```python
    from haystack import Document
    from haystack_integrations.components.embedders.latechunk import LateChunkingDocumentEmbedder

    embedder = LateChunkingDocumentEmbedder(chunk_size=64)
    chunks = embedder.run([Document(content="Berlin is a city. Its population is 3.8 million.")])["documents"]
    ```

    Args:
        model: a Hugging Face hub id or a local folder (default: all-MiniLM-L6-v2).
        device: where the model runs (``None``: latechunk picks one).
        token: Hugging Face token for private models.
        task: task whose instruction prefix (and adapter) the model uses; ``None``: none.
        chunker: ``"sentences"``, ``"paragraphs"`` or ``"tokens"``.
        chunk_size: chunk budget in model tokens (default: LateChunker's).
        dimensions: Matryoshka truncation of every vector.
        max_length: window size in tokens (default: the length the model was tuned for).
        batch_size: windows per forward pass.
        progress_bar: show a progress bar while encoding.
        normalize_embeddings: L2-normalise the vectors.
        trust_remote_code, local_files_only, revision: passed to ``from_pretrained``.
    """

    SETTINGS = (
        "model",
        "device",
        "token",
        "task",
        "chunker",
        "chunk_size",
        "dimensions",
        "max_length",
        "batch_size",
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
        task: str | None = "retrieval.passage",
        chunker: str = "sentences",
        chunk_size: int | None = None,
        dimensions: int | None = None,
        max_length: int | None = None,
        batch_size: int = 32,
        progress_bar: bool = True,
        normalize_embeddings: bool = True,
        trust_remote_code: bool = False,
        local_files_only: bool = False,
        revision: str | None = None,
    ) -> None:
        if chunker not in CHUNKERS:
            raise ValueError(f"unknown chunker {chunker!r}; choose one of {sorted(CHUNKERS)}")
        self.model = model
        self.device = device
        self.token = token
        self.task = task
        self.chunker = chunker
        self.chunk_size = chunk_size
        self.dimensions = dimensions
        self.max_length = max_length
        self.batch_size = batch_size
        self.progress_bar = progress_bar
        self.normalize_embeddings = normalize_embeddings
        self.trust_remote_code = trust_remote_code
        self.local_files_only = local_files_only
        self.revision = revision

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
