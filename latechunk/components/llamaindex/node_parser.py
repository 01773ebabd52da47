"""``LateChunkingNodeParser``: documents in, late-chunked ``TextNode``s (embedding already set) out."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from llama_index.core.node_parser import NodeParser
from llama_index.core.node_parser.node_utils import build_nodes_from_splits
from llama_index.core.schema import BaseNode, Document, MetadataMode, TextNode
from llama_index.core.utils import get_tqdm_iterable

from latechunk.components.llamaindex.settings import ChunkingSettings


class LateChunkingNodeParser(ChunkingSettings, NodeParser):
    """Split documents into chunks and embed every chunk in the context of its whole document.

    Each node gets its contextual ``embedding``, exact ``start_char_idx``/``end_char_idx`` into its
    parent's text, the parent's metadata and SOURCE/PREVIOUS/NEXT relationships. Indexes and ingestion
    pipelines keep embeddings that are already set, so the model runs once per document window.
    Use it in ``transformations``; put :class:`LateChunkingEmbedding` in ``embed_model=`` for queries.
    """

    @classmethod
    def class_name(cls) -> str:
        return "LateChunkingNodeParser"

    def _parse_nodes(self, nodes: Sequence[BaseNode], show_progress: bool = False, **kwargs: Any) -> list[BaseNode]:
        texts = [node.get_content(metadata_mode=MetadataMode.NONE) for node in nodes]
        chunk_lists = self.late_chunker.chunk_and_embed(texts)
        parsed: list[BaseNode] = []
        pairs = list(zip(nodes, chunk_lists, strict=True))
        for node, chunks in get_tqdm_iterable(pairs, show_progress, "Parsing nodes"):
            built = build_nodes_from_splits([c.text for c in chunks], node, id_func=self.id_func)
            for child, chunk in zip(built, chunks, strict=True):
                child.embedding = chunk.embedding.tolist()
                child.metadata.update(chunk.meta)
                child.start_char_idx, child.end_char_idx = chunk.start, chunk.end
            parsed.extend(built)
        return parsed

    async def _aparse_nodes(
        self, nodes: Sequence[BaseNode], show_progress: bool = False, **kwargs: Any
    ) -> list[BaseNode]:
        return await asyncio.to_thread(self._parse_nodes, nodes, show_progress, **kwargs)

    def _postprocess_parsed_nodes(self, nodes: list[BaseNode], parent_doc_map: dict[str, Document]) -> list[BaseNode]:
        """LlamaIndex's post-processing (metadata, relationships), keeping the exact offsets.

        The base class re-derives offsets by searching each node's text in its parent, which
        picks the wrong place when a chunk's text also occurs earlier; the chunker's spans are exact.
        """
        offsets = [(n.start_char_idx, n.end_char_idx) if isinstance(n, TextNode) else None for n in nodes]
        nodes = super()._postprocess_parsed_nodes(nodes, parent_doc_map)
        for node, span in zip(nodes, offsets, strict=True):
            if span is not None and isinstance(node, TextNode):
                node.start_char_idx, node.end_char_idx = span
        return nodes
