"""Late chunking in a few lines: chunk a document, embed each chunk in context, ask a question.

HF_HUB_OFFLINE=1 python examples/quickstart.py
"""

import numpy as np

from latechunk import LateChunker

DOCUMENT = (
    "Berlin is the capital and largest city of Germany. Its population is about 3.8 million. "
    "The city lies on the river Spree. It is known for its museums, its clubs and its history."
)

lc = LateChunker(chunk_size=16)  # all-MiniLM-L6-v2 from the pip package; try "jinaai/jina-embeddings-v3"
chunks = lc.chunk_and_embed(DOCUMENT, task="retrieval.passage")
naive = lc.chunk_and_embed(DOCUMENT, task="retrieval.passage", late_chunking=False)
query = lc.embed("How many people live in Berlin?", task="retrieval.query")

print(f"{'late':>6} {'naive':>6}  chunk")
for late_chunk, naive_chunk in zip(chunks, naive, strict=True):
    print(f"{query @ late_chunk.embedding:6.3f} {query @ naive_chunk.embedding:6.3f}  {late_chunk.text!r}")
best = chunks[int(np.argmax([query @ c.embedding for c in chunks]))]
print(f"\nbest chunk (late): {best.text!r} at characters {best.start}-{best.end}")
