"""The LateChunker settings both LlamaIndex components declare as pydantic fields."""

from __future__ import annotations

import threading
from typing import Any

from llama_index.core.bridge.pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from latechunk.defaults import DEFAULT_MERGE, DEFAULT_MODEL
from latechunk.late_chunker import LateChunker
from latechunk.pipeline.windows import MergeRule

model_lock = threading.RLock()
"""Serialises model calls from every component (async calls run in worker threads)."""


class LateChunkSettings(BaseModel):
    """Every LateChunker setting, as pydantic fields, so that LlamaIndex's ingestion cache keys on them.

    Components built from equal settings share one loaded model (``latechunk`` caches it process-wide).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, protected_namespaces=())

    model_name: str = Field(default=DEFAULT_MODEL, description="Hugging Face hub id or local folder of the model.")
    task: str | None = Field(
        default="retrieval.passage", description="Task for document text (picks the model's prefix or adapter)."
    )
    dimensions: int | None = Field(default=None, description="Matryoshka truncation of every vector.")
    max_length: int | None = Field(
        default=None, description="Window size in tokens (default: the length the model was tuned for)."
    )
    overlap: int | None = Field(default=None, description="Tokens shared by consecutive windows.")
    merge: MergeRule = Field(default=DEFAULT_MERGE, description="Merge rule for window overlaps.")
    pool_special_tokens: bool = Field(default=True, description="Pool special/prefix tokens into the edge chunks.")
    repeat_prefix: bool = Field(default=True, description="Repeat the instruction prefix in every window.")
    normalize_embeddings: bool = Field(default=True, description="L2-normalise the vectors.")
    batch_size: int = Field(default=32, description="Windows per forward pass.")
    max_batch_tokens: int = Field(default=16384, description="Padded tokens per forward pass.")
    device: str | None = Field(default=None, description="Torch device (default: automatic).")
    dtype: str | None = Field(default=None, description="Torch dtype (default: automatic).")
    attn_implementation: str | None = Field(default=None, description="Attention implementation passed to the model.")
    trust_remote_code: bool = Field(default=False, description="Passed to from_pretrained.")
    local_files_only: bool = Field(default=False, description="Passed to from_pretrained.")
    token: str | None = Field(default=None, exclude=True, repr=False, description="Hub token (never serialised).")
    revision: str | None = Field(default=None, description="Model revision passed to from_pretrained.")
    show_progress_bar: bool | None = Field(default=None, description="None: a bar for long jobs only.")

    _late_chunker: LateChunker | None = PrivateAttr(default=None)
    _built_from: dict[str, Any] | None = PrivateAttr(default=None)

    def model_post_init(self, context: Any, /) -> None:
        """Load the model now, so that bad settings fail at construction."""
        super().model_post_init(context)
        _ = self.late_chunker

    def __getstate__(self) -> dict[Any, Any]:
        """Pickle the settings only; unpickling finds the model in the cache or loads it again."""
        saved = self._late_chunker, self._built_from
        self._late_chunker, self._built_from = None, None
        try:
            return super().__getstate__()
        finally:
            self._late_chunker, self._built_from = saved

    def _late_chunker_kwargs(self) -> dict[str, Any]:
        """Constructor arguments of the LateChunker these settings describe."""
        names = [name for name in LateChunkSettings.model_fields if name != "model_name"]
        return {"model": self.model_name, **{name: getattr(self, name) for name in names}, **self._chunking_kwargs()}

    def _chunking_kwargs(self) -> dict[str, Any]:
        """Chunker settings, for components that chunk (none here)."""
        return {}

    @property
    def late_chunker(self) -> LateChunker:
        """The LateChunker for the current settings (rebuilt if a field changed; the model stays cached)."""
        kwargs = self._late_chunker_kwargs()
        if self._late_chunker is None or kwargs != self._built_from:
            self._late_chunker = LateChunker(**kwargs)
            self._built_from = kwargs
        return self._late_chunker
