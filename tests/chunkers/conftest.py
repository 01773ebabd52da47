"""Fixtures for chunker tests: the real MiniLM tokenizer's offsets and a span-invariant check."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from latechunk.chunkers import tokens_in_spans
from latechunk.chunkers.base import cut_tokens
from latechunk.pipeline.tokenization import tokenize
from latechunk.types import Span

Offsets = Callable[[str], np.ndarray]


@pytest.fixture(scope="session")
def tokenizer(minilm_path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(minilm_path)


@pytest.fixture(scope="session")
def offsets_of(tokenizer) -> Offsets:
    """The ``(n, 2)`` character offsets MiniLM's tokenizer gives for a whole text."""

    def offsets_of(text: str) -> np.ndarray:
        (tokens,) = tokenize(tokenizer, [text])
        return tokens.offsets

    return offsets_of


def check_spans(
    text: str,
    spans: list[Span],
    offsets: np.ndarray | None = None,
    chunk_size: int | None = None,
    overlapping: bool = False,
    cap: int | None = None,
    units: list[Span] | None = None,
) -> None:
    """Assert the chunker invariants: in order, inside, trimmed, non-empty, covering, within budget.

    With MiniLM's WordPiece every span fits ``chunk_size`` exactly, except one whose tokens all
    sit on a single character (it cannot be cut in a character span), and, given ``cap`` and the
    whole ``units`` (sentences), a span of at most ``cap`` tokens that holds a single unit with tokens.
    """
    assert all(type(s) is int and type(e) is int for s, e in spans), spans
    assert all(0 <= s < e <= len(text) for s, e in spans), spans
    assert all(not text[s].isspace() and not text[e - 1].isspace() for s, e in spans), spans
    starts = [s for s, _ in spans]
    assert starts == sorted(set(starts)), "spans must be in document order"
    if not overlapping:
        assert all(e <= s for (_, e), (s, _) in zip(spans, spans[1:], strict=False)), "spans overlap"
    covered = np.zeros(len(text) + 1, dtype=np.int64)
    for s, e in spans:
        covered[s] += 1
        covered[e] -= 1
    covered = np.cumsum(covered)[: len(text)] > 0
    lost = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert not lost, f"characters dropped at {lost[:5]}: {[text[i] for i in lost[:5]]}"
    if not text.strip():
        assert spans == []
    if offsets is not None and len(offsets):
        first, last = tokens_in_spans(offsets, np.asarray(spans, dtype=np.int64))
        assert np.all(last > first), "a span covers no token"
        if chunk_size is not None:
            # only tokens that share one character (a Hangul syllable in NFD jamo) may run over
            for span, a, b in zip(spans, first, last, strict=True):
                if b - a <= chunk_size or len(cut_tokens(offsets, a, b)) == 0:
                    continue
                # over budget: allowed only for one whole unit of at most ``cap`` tokens
                assert cap is not None and b - a <= cap, (span, b - a, chunk_size, cap)
                assert _units_with_tokens(offsets, units, span) == 1, (span, units)


def _units_with_tokens(offsets: np.ndarray, units: list[Span] | None, span: Span) -> int:
    inside = [u for u in units or [] if span[0] <= u[0] and u[1] <= span[1]]
    if not inside:
        return 0
    first, last = tokens_in_spans(offsets, np.asarray(inside, dtype=np.int64))
    return int(np.count_nonzero(last > first))


@pytest.fixture(scope="session")
def valid_spans() -> Callable[..., None]:
    return check_spans
