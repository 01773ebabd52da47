"""A chunk's own metadata (a Markdown chunk's heading path) reaches Haystack documents and LlamaIndex nodes."""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # haystack_integrations is a namespace portion at the repository root
    sys.path.insert(0, str(REPO_ROOT))

from haystack import Document  # noqa: E402

from haystack_integrations.components.embedders.latechunk import LateChunkingDocumentEmbedder  # noqa: E402

MARKDOWN = "# Canals\n\nCanals carry boats inland.\n\n## Water Supply\n\nReservoirs feed the summit level.\n"


def test_haystack_documents_carry_the_heading_path(minilm_path):
    embedder = LateChunkingDocumentEmbedder(model=minilm_path, chunker="markdown", chunk_size=32, progress_bar=False)
    documents = embedder.run([Document(content=MARKDOWN, meta={"source": "canals.md"})])["documents"]
    assert [d.meta["headings"] for d in documents] == [["Canals"], ["Canals", "Water Supply"]]
    assert all(d.meta["source"] == "canals.md" for d in documents)


def test_llamaindex_nodes_carry_the_heading_path(minilm_path):
    from llama_index.core.schema import Document as LlamaDocument

    from latechunk.components.llamaindex import LateChunkingNodeParser

    parser = LateChunkingNodeParser(model_name=minilm_path, chunker="markdown", chunk_size=32)
    nodes = parser.get_nodes_from_documents([LlamaDocument(text=MARKDOWN)])
    assert [n.metadata["headings"] for n in nodes] == [["Canals"], ["Canals", "Water Supply"]]
