"""Token counts for ``usage`` and ``truncate``, with the model's own tokenizer.

The server keeps its own copy of the tokenizer (the Rust object behind the model's fast
tokenizer), configured once and only read afterwards, so counting in many threads never touches
the tokenizer the engine uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        with_special = self._tokenizer.encode("hello").ids
        self.special = len(with_special) - len(self._tokenizer.encode("hello", add_special_tokens=False).ids)
        self.window = window
        self._prefix_of = prefix_of

    def prefix_tokens(self, task: str | None) -> int:
        """Tokens of the task's instruction prefix (0 for none)."""
        prefix = self._prefix_of(task).rstrip()
        return len(self._tokenizer.encode(prefix, add_special_tokens=False).ids) if prefix else 0

    def count(self, texts: list[str], task: str | None) -> int:
        """Tokens the model reads for each text encoded on its own."""
        overhead = self.special + self.prefix_tokens(task)
        return sum(len(e.ids) + overhead for e in self._encode(texts))

    def prepare(self, texts: list[str], task: str | None, late_chunking: bool, truncate: bool) -> Counted:
        """The texts (cut to one window when ``truncate``) and their token count.

        With ``late_chunking`` the inputs are one document joined by single spaces: it is counted
        once, and ``truncate`` cuts the document, shortening the input the window ends in. An
        input that would start past the window raises ``LateChunkError``.
        """
        overhead = self.special + self.prefix_tokens(task)
        budget = max(self.window - overhead, 1)
        if not late_chunking:
            encodings = self._encode(texts)
            if truncate:
                texts = [_cut(text, e.offsets, budget) for text, e in zip(texts, encodings, strict=True)]
            kept = [min(len(e.ids), budget) if truncate else len(e.ids) for e in encodings]
            return Counted(texts, sum(kept) + overhead * len(kept))
        (encoding,) = self._encode([" ".join(texts)])
        n = len(encoding.ids)
        if truncate and n > budget:
            texts = _cut_joined(texts, encoding.offsets[budget - 1][1])
            n = budget
        return Counted(texts, n + overhead)

    def _encode(self, texts: list[str]) -> list[Any]:
        return self._tokenizer.encode_batch(texts, add_special_tokens=False) if texts else []


def _cut(text: str, offsets: list[tuple[int, int]], budget: int) -> str:
    """``text`` up to the end of its ``budget``-th token."""
    return text if len(offsets) <= budget else text[: offsets[budget - 1][1]]


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
