"""Token counts for ``usage`` and ``truncate``, with the model's own tokenizer.

What the special tokens and a task's prefix add is counted by the engine's own functions
(``latechunk.pipeline.tokenization``: ``sequence_overhead``, ``tokenize_prefix``, ``tokenize``), so
the server's counts and the engine's windows agree. The server keeps its own copy of the tokenizer
(the Rust object behind the model's fast tokenizer), configured once and only read afterwards, so
counting in many threads never touches the tokenizer the engine uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from latechunk.pipeline.tokenization import (
    TokenizedText,
    sequence_overhead,
    tokenize,
    tokenize_prefix,
    tokenizer_from_json,
)
from latechunk.types import LateChunkError


@dataclass(frozen=True)
class Counted:
    """Texts ready to embed and the tokens the model reads for them."""

    texts: list[str]
    tokens: int


class TokenCounter:
    """Counts and cuts texts as the model sees them: special tokens, the task's prefix, the text.

    Args:
        tokenizer: the model's fast tokenizer (``LateChunker.tokenizer``).
        window: tokens per forward pass (``LateChunker.max_length``), special tokens and prefix included.
        prefix_of: maps a task to its instruction prefix (raises for a task the model lacks).
    """

    def __init__(self, tokenizer: Any, window: int, prefix_of: Any) -> None:
        self._tokenizer = tokenizer_from_json(tokenizer.backend_tokenizer.to_str())
        self.window = window
        self._prefix_of = prefix_of
        self._overheads: dict[str | None, int] = {}

    def overhead(self, task: str | None) -> int:
        """Tokens the model reads for each sequence beyond its text: special tokens and the task's prefix."""
        if task not in self._overheads:  # a handful of tasks; prefix_of raises for one the model lacks
            self._overheads[task] = sequence_overhead(self._tokenizer, self._prefix_of(task))
        return self._overheads[task]

    def prefix_tokens(self, task: str | None) -> int:
        """Tokens of the task's instruction prefix (0 for none), as the engine encodes it."""
        return len(tokenize_prefix(self._tokenizer, self._prefix_of(task)))

    def count(self, texts: list[str], task: str | None) -> int:
        """Tokens the model reads for each text encoded on its own."""
        overhead = self.overhead(task)
        return sum(len(e) + overhead for e in self._encode(texts))

    def prepare(self, texts: list[str], task: str | None, late_chunking: bool, truncate: bool) -> Counted:
        """The texts (cut to one window when ``truncate``) and their token count.

        With ``late_chunking`` the inputs are one document joined by single spaces: it is counted
        once, and ``truncate`` cuts the document, shortening the input the window ends in. An
        input that would start past the window raises ``LateChunkError``.
        """
        overhead = self.overhead(task)
        budget = max(self.window - overhead, 1)
        if not late_chunking:
            encodings = self._encode(texts)
            if truncate:
                texts = [_cut(text, e.offsets, budget) for text, e in zip(texts, encodings, strict=True)]
            kept = [min(len(e), budget) if truncate else len(e) for e in encodings]
            return Counted(texts, sum(kept) + overhead * len(kept))
        (encoding,) = self._encode([" ".join(texts)])
        n = len(encoding)
        if truncate and n > budget:
            texts = _cut_joined(texts, int(encoding.offsets[budget - 1, 1]))
            n = budget
        return Counted(texts, n + overhead)

    def _encode(self, texts: list[str]) -> list[TokenizedText]:
        """The texts' tokens and offsets, tokenized as the engine does (a long text stretch by stretch)."""
        return tokenize(self._tokenizer, texts)


def _cut(text: str, offsets: Any, budget: int) -> str:
    """``text`` up to the end of its ``budget``-th token (``offsets``: ``(n, 2)``)."""
    return text if len(offsets) <= budget else text[: int(offsets[budget - 1][1])]


def _cut_joined(texts: list[str], end: int) -> list[str]:
    """The inputs of a space-joined document cut at character ``end`` of the document."""
    result, start = [], 0
    for i, text in enumerate(texts):
        kept = text[: max(end - start, 0)]
        if text.strip() and not kept.strip():
            raise LateChunkError(
                f"input[{i}] starts beyond the model window with truncate=true and late_chunking=true; "
                "send fewer inputs, or truncate=false to encode the document in windows"
            )
        result.append(kept)
        start += len(text) + 1
    return result
