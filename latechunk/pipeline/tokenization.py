"""Tokenization with character offsets, done once per text, through the fast tokenizer's Rust backend.

Every function takes a transformers fast tokenizer or a ``tokenizers.Tokenizer``. A transformers
tokenizer is read through a private copy of its backend (``backend_copy``) with truncation and
padding off, so the engine never sees state a caller's ``tokenizer(..., truncation=True)`` leaves
behind, and its batch call skips the transformers wrapper's per-token Python work.
"""

from __future__ import annotations

import itertools
import re
import threading
import weakref
from dataclasses import dataclass
from typing import Any

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


_copies: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_copies_lock = threading.Lock()


def backend_copy(tokenizer: Any) -> Any:
    """The ``tokenizers.Tokenizer`` the engine reads: a private copy of a transformers tokenizer's backend
    (made once per tokenizer, truncation and padding off), or ``tokenizer`` itself if it is one already."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return tokenizer
    with _copies_lock:
        copy = _copies.get(tokenizer)
        if copy is None:
            copy = tokenizer_from_json(backend.to_str())
            _copies[tokenizer] = copy
        return copy


def tokenizer_from_json(config: str) -> Any:
    """A ``tokenizers.Tokenizer`` from its JSON (``Tokenizer.to_str()``), with truncation and padding off."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(config)
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def find_special_tokens(tokenizer) -> SpecialTokens:
    """Read the special-token layout off the tokenizer by encoding a probe word."""
    probe = backend_copy(tokenizer).encode("hello", add_special_tokens=True)
    ids, mask = probe.ids, probe.special_tokens_mask
    content = [i for i, m in enumerate(mask) if not m]
    if not content:
        raise LateChunkError("the tokenizer returned only special tokens for a probe word")
    pad_id = getattr(tokenizer, "pad_token_id", None)
    if pad_id is None:
        eos = getattr(tokenizer, "eos_token_id", None)
        pad_id = eos if eos is not None else 0
    return SpecialTokens(lead=tuple(ids[: content[0]]), trail=tuple(ids[content[-1] + 1 :]), pad_id=int(pad_id))


def sequence_overhead(tokenizer: Any, prefix: str = "") -> int:
    """Tokens the model reads for a text beyond the text's own: its special tokens and the instruction prefix's.

    ``tokenizer``: a transformers fast tokenizer or a ``tokenizers.Tokenizer``; ``prefix``: the task's
    instruction (``""``: none), counted as the engine encodes it (``tokenize_prefix``). The engine and
    the server count with this one function.
    """
    probe = backend_copy(tokenizer).encode("hello", add_special_tokens=True)
    specials = sum(probe.special_tokens_mask) - (len(probe.ids) - sum(probe.attention_mask))  # padding excluded
    return int(specials) + len(tokenize_prefix(tokenizer, prefix))


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
    """One batch call of the Rust tokenizer; ids and offsets read straight into numpy."""
    if not texts:
        return []
    result = []
    for encoding in backend_copy(tokenizer).encode_batch(texts, add_special_tokens=False):
        ids = np.fromiter(encoding.ids, dtype=np.int64)
        pairs = encoding.offsets
        offsets = np.fromiter(itertools.chain.from_iterable(pairs), dtype=np.int64, count=2 * len(pairs))
        offsets = offsets.reshape(-1, 2)
        _check_order(offsets)
        result.append(TokenizedText(ids, offsets))
    return result


def _check_order(offsets: np.ndarray) -> None:
    if len(offsets) > 1 and np.any(np.diff(offsets[:, 0]) < 0):
        raise LateChunkError("the tokenizer's offsets are not in text order")


def tokenize_prefix(tokenizer, prefix: str) -> np.ndarray:
    """Token ids of an instruction prefix.

    Trailing whitespace is left to the document's first token, as when prefix and document are
    tokenized together (a SentencePiece tokenizer would otherwise add a lone space token).
    """
    if not prefix or not prefix.rstrip():
        return np.zeros(0, dtype=np.int64)
    ids = backend_copy(tokenizer).encode(prefix.rstrip(), add_special_tokens=False).ids
    return np.asarray(ids, dtype=np.int64)
