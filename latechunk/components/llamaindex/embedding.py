"""``LateChunkingEmbedding``: a LlamaIndex embedding model backed by a ``LateChunker``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from llama_index.core.bridge.pydantic import Field

from latechunk.components.llamaindex.settings import LateChunkSettings
from latechunk.defaults import DEFAULT_QUERY_TASK


class LateChunkingEmbedding(LateChunkSettings, BaseEmbedding):
    """Query and text embeddings from the same model and settings as :class:`LateChunkingNodeParser`.

    Goes in ``embed_model=`` (index, retriever, ``Settings.embed_model``). Queries use
    ``query_task`` (``retrieval.query``); texts use ``task`` (``retrieval.passage``), each text
    embedded on its own. :meth:`get_late_chunked_embeddings` embeds a list of texts as one document
    (late chunking across the texts). Do not put it in an ingestion pipeline's ``transformations``
    after the node parser: it would replace the contextual node embeddings with per-chunk ones.
    """

    query_task: str | None = Field(default=DEFAULT_QUERY_TASK, description="Task for queries.")

    @classmethod
    def class_name(cls) -> str:
        return "LateChunkingEmbedding"

    def _loaded(self) -> None:
        """Load the model and check both tasks now, so that bad settings fail at construction."""
        super()._loaded()
        self.late_chunker.embed([], task=self.query_task)  # raises UnknownTaskError listing valid tasks

    def _embed(self, texts: Sequence[str], task: str | None, late_chunking: bool = False) -> list[Embedding]:
        matrix = self.late_chunker.embed(list(texts), task=task, late_chunking=late_chunking)
        return np.asarray(matrix).tolist()

    async def _in_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    def _get_query_embedding(self, query: str) -> Embedding:
        return self._embed([query], self.query_task)[0]

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return await self._in_thread(self._get_query_embedding, query)

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._embed([text], self.task)[0]

    async def _aget_text_embedding(self, text: str) -> Embedding:
        return await self._in_thread(self._get_text_embedding, text)

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return self._embed(texts, self.task)

    async def _aget_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return await self._in_thread(self._get_text_embeddings, texts)

    def get_late_chunked_embeddings(self, texts: Sequence[str]) -> list[Embedding]:
        """Embed ``texts`` joined by spaces into one document, each with its contextual vector.

        The semantics of ``LateChunker.embed(texts, late_chunking=True)`` (and of the hosted
        jina-embeddings-v3 API's ``late_chunking=True``), with ``task``.
        """
        return self._embed(texts, self.task, late_chunking=True)

    async def aget_late_chunked_embeddings(self, texts: Sequence[str]) -> list[Embedding]:
        """Async :meth:`get_late_chunked_embeddings`."""
        return await self._in_thread(self.get_late_chunked_embeddings, texts)
