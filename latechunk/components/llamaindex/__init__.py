"""LlamaIndex integration: a node parser that emits late-chunked nodes and a matching embedding model.

Put :class:`LateChunkingNodeParser` in ``transformations`` and :class:`LateChunkingEmbedding` in
``embed_model=``; an embedding model placed in ``transformations`` re-embeds every node on its own.
"""

try:
    import llama_index.core  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        'latechunk\'s LlamaIndex components need llama-index-core: pip install "latechunk[llamaindex]"'
    ) from error

from latechunk.components.llamaindex.embedding import LateChunkingEmbedding
from latechunk.components.llamaindex.node_parser import LateChunkingNodeParser
from latechunk.components.llamaindex.settings import LateChunkSettings

__all__ = ["LateChunkSettings", "LateChunkingEmbedding", "LateChunkingNodeParser"]
