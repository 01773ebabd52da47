"""Tokenization with character offsets, done once per text."""

from __future__ import annotations

import re
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


LONG_TEXT_CHARS = 200_000
"""Texts longer than this are tokenized stretch by stretch: a tokenizer holds several hundred bytes
per token while it works (about 340 MB for a 2 MB text), so a 20 MB text at once would take GBs."""
STITCH_CONTEXT = 2_000
"""Characters each stretch reaches into its neighbours, so that tokens near a junction see the same text."""
STITCH_AGREEMENT = 16
"""Tokens (ids and offsets) both stretches must give alike on each side of a junction to join there."""

_WHITESPACE = re.compile(r"\s")


def tokenize(tokenizer, texts: list[str], long_text_chars: int = LONG_TEXT_CHARS) -> list[TokenizedText]:
    """Tokenize whole texts (no special tokens, no truncation) with character offsets.

    A text longer than ``long_text_chars`` is tokenized in overlapping stretches joined where both
    stretches give the same tokens (ids and offsets) for ``STITCH_AGREEMENT`` tokens on each side,
    which is what the whole text gives there; where no such junction exists the whole text is
    tokenized at once. Either way the tokens and offsets are those of the whole text.
    """
    result: list[TokenizedText | None] = [None] * len(texts)
    short = [i for i, text in enumerate(texts) if len(text) <= long_text_chars]
    for i, tokens in zip(short, _encode(tokenizer, [texts[i] for i in short]), strict=True):
        result[i] = tokens
    for i, text in enumerate(texts):
        if result[i] is None:
            stitched = tokenize_stitched(tokenizer, text, long_text_chars, STITCH_CONTEXT, STITCH_AGREEMENT)
            result[i] = stitched if stitched is not None else _encode(tokenizer, [text])[0]
    return [r for r in result if r is not None]


def tokenize_stitched(
    tokenizer, text: str, stretch_chars: int, context_chars: int, agreement: int
) -> TokenizedText | None:
    """The tokens of ``text`` from stretches of about ``stretch_chars``, or ``None`` if a junction fails."""
    cuts = [0]
    while cuts[-1] + stretch_chars + context_chars < len(text):  # the last stretch reaches past its context
        found = _WHITESPACE.search(text, cuts[-1] + stretch_chars)
        if found is None:
            break
        cuts.append(found.start())
    cuts.append(len(text))
    parts_ids, parts_offsets = [], []
    ids, offsets = _encode_stretch(tokenizer, text, 0, min(len(text), cuts[1] + context_chars))
    for cut, end in zip(cuts[1:-1], cuts[2:], strict=True):
        next_ids, next_offsets = _encode_stretch(
            tokenizer, text, cut - context_chars, min(len(text), end + context_chars)
        )
        joint = _junction(ids, offsets, next_ids, next_offsets, cut, cut + context_chars // 2, agreement)
        if joint is None:
            return None
        mine, theirs = joint
        parts_ids.append(ids[:mine])
        parts_offsets.append(offsets[:mine])
        ids, offsets = next_ids[theirs:], next_offsets[theirs:]
    parts_ids.append(ids)
    parts_offsets.append(offsets)
    offsets = np.concatenate(parts_offsets).reshape(-1, 2)
    _check_order(offsets)
    return TokenizedText(np.concatenate(parts_ids), offsets)


def _junction(
    ids: np.ndarray, offsets: np.ndarray, next_ids: np.ndarray, next_offsets: np.ndarray, lo: int, hi: int, agree: int
) -> tuple[int, int] | None:
    """Indices ``(i, j)`` of the first token starting in ``[lo, hi)`` in both streams where they agree around it."""
    starts = offsets[:, 0]
    next_starts = next_offsets[:, 0]
    for i in np.flatnonzero((starts >= lo) & (starts < hi)):
        j = int(np.searchsorted(next_starts, starts[i]))
        if j >= len(next_starts) or next_starts[j] != starts[i] or i < agree or j < agree:
            continue
        if i + agree > len(ids) or j + agree > len(next_ids):
            return None
        same_ids = np.array_equal(ids[i - agree : i + agree], next_ids[j - agree : j + agree])
        if same_ids and np.array_equal(offsets[i - agree : i + agree], next_offsets[j - agree : j + agree]):
            return int(i), j
    return None


def _encode_stretch(tokenizer, text: str, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
    start = max(0, start)
    (tokens,) = _encode(tokenizer, [text[start:end]])
    return tokens.ids, tokens.offsets + start


def _encode(tokenizer, texts: list[str]) -> list[TokenizedText]:
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
        _check_order(offsets)
        result.append(TokenizedText(np.asarray(ids, dtype=np.int64), offsets))
    return result


def _check_order(offsets: np.ndarray) -> None:
    if len(offsets) > 1 and np.any(np.diff(offsets[:, 0]) < 0):
        raise LateChunkError("the tokenizer's offsets are not in text order")


def tokenize_prefix(tokenizer, prefix: str) -> np.ndarray:
    """Token ids of an instruction prefix.

    Trailing whitespace is left to the document's first token, as when prefix and document are
    tokenized together (a SentencePiece tokenizer would otherwise add a lone space token).
    """
    if not prefix:
        return np.zeros(0, dtype=np.int64)
    ids = tokenizer(prefix.rstrip(), add_special_tokens=False)["input_ids"]
    return np.asarray(ids, dtype=np.int64)
