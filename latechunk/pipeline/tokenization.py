"""Tokenization with character offsets, done once per text."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from latechunk.types import LateChunkError


@dataclass(frozen=True)
class SpecialTokens:
    """The ids the tokenizer puts before (``lead``) and after (``trail``) every sequence."""

    lead: tuple[int, ...]
    trail: tuple[int, ...]
    pad_id: int

    @property
    def count(self) -> int:
        return len(self.lead) + len(self.trail)


@dataclass(frozen=True)
class TokenizedText:
    """Token ids of a text without special tokens, and each token's character offsets."""

    ids: np.ndarray  # (n,) int64
    offsets: np.ndarray  # (n, 2) int64, offsets[i] = (start, end) into the text

    def __len__(self) -> int:
        return len(self.ids)


def find_special_tokens(tokenizer) -> SpecialTokens:
    """Read the special-token layout off the tokenizer by encoding a probe word."""
    probe = tokenizer("hello", add_special_tokens=True, return_special_tokens_mask=True)
    ids, mask = probe["input_ids"], probe["special_tokens_mask"]
    content = [i for i, m in enumerate(mask) if not m]
    if not content:
        raise LateChunkError("the tokenizer returned only special tokens for a probe word")
    pad_id = tokenizer.pad_token_id
    if pad_id is None:
        pad_id = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else 0
    return SpecialTokens(lead=tuple(ids[: content[0]]), trail=tuple(ids[content[-1] + 1 :]), pad_id=int(pad_id))


def tokenize(tokenizer, texts: list[str]) -> list[TokenizedText]:
    """Tokenize whole texts (no special tokens, no truncation) with character offsets."""
    if not texts:
        return []
    encoded = tokenizer(
        texts,
        add_special_tokens=False,
        return_offsets_mapping=True,
        return_attention_mask=False,
        return_token_type_ids=False,
        truncation=False,
        verbose=False,
    )
    result = []
    for ids, offsets in zip(encoded["input_ids"], encoded["offset_mapping"], strict=True):
        offsets = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
        if len(offsets) > 1 and np.any(np.diff(offsets[:, 0]) < 0):
            raise LateChunkError("the tokenizer's offsets are not in text order")
        result.append(TokenizedText(np.asarray(ids, dtype=np.int64), offsets))
    return result


def tokenize_prefix(tokenizer, prefix: str) -> np.ndarray:
    """Token ids of an instruction prefix.

    Trailing whitespace is left to the document's first token, as when prefix and document are
    tokenized together (a SentencePiece tokenizer would otherwise add a lone space token).
    """
    if not prefix:
        return np.zeros(0, dtype=np.int64)
    ids = tokenizer(prefix.rstrip(), add_special_tokens=False)["input_ids"]
    return np.asarray(ids, dtype=np.int64)
