"""Sentence segmentation with spaCy's rule-based sentencizer, plus CJK sentence marks."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from latechunk.chunkers.base import strip_span
from latechunk.types import Span

# spaCy's multilingual tokenizer keeps a run of CJK characters as one token, so the sentencizer
# cannot see 。！？ inside it: those marks (with any closing quote or bracket) end a sentence here,
# and so do ASCII . ! ? written straight after a Han or kana character.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_SENTENCE_END = re.compile(rf"(?:[。！？｡]|(?<=[{_CJK}])[.!?])[。！？｡.!?]*[」』）】〉》”’\"']*")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n\s*")


@lru_cache(maxsize=1)
def default_nlp() -> Any:
    """A blank multilingual spaCy pipeline with the rule-based sentencizer (no download)."""
    import spacy

    nlp = spacy.blank("xx")
    nlp.add_pipe("sentencizer")
    nlp.max_length = 10**9
    # Sentence ends need only the tokenizer's suffix rules ("end." -> "end", "."). Infix and URL
    # matching cost 30-40 % of the time, and infix splits made false sentence ends at a period
    # inside a word ("Mr.Manly", "file.txt"): on QMSum val, 145 of 26,283 sentences were such.
    nlp.tokenizer.infix_finditer = None
    nlp.tokenizer.url_match = None
    return nlp


def _split_at(text: str, span: Span, pattern: re.Pattern[str], keep_match_left: bool) -> list[Span]:
    start, end = span
    pieces: list[Span] = []
    for match in pattern.finditer(text, start, end):
        cut = match.end() if keep_match_left else match.start()
        if start < cut < end:
            pieces.append((start, cut))
            start = cut
    pieces.append((start, end))
    return pieces


def split_sentences(text: str, nlp: Any | None = None) -> list[Span]:
    """Sentence spans of ``text``: in order, non-overlapping, trimmed of whitespace, never empty.

    Together they cover every non-whitespace character. Blank lines always end a sentence.
    With the default pipeline, the spans of recently seen texts are reused.
    """
    if nlp is not None:
        return _segment(text, nlp)
    return list(_segment_with_default_pipeline(text))


@lru_cache(maxsize=64)
def _segment_with_default_pipeline(text: str) -> tuple[Span, ...]:
    """Chunkers for several chunk sizes (or several chunkers) segment the same text once."""
    return tuple(_segment(text, default_nlp()))


def clear_sentence_cache() -> None:
    """Forget the sentence spans of recently segmented texts (for timing segmentation)."""
    _segment_with_default_pipeline.cache_clear()


def _segment(text: str, nlp: Any) -> list[Span]:
    blocks = [strip_span(text, *b) for b in _split_at(text, (0, len(text)), _BLANK_LINE, keep_match_left=True)]
    blocks = [b for b in blocks if b[1] > b[0]]
    spans: list[Span] = []
    for block, doc in zip(blocks, nlp.pipe(text[a:b] for a, b in blocks), strict=True):
        for sent in doc.sents:
            base = (block[0] + sent.start_char, block[0] + sent.end_char)
            for piece in _split_at(text, base, _CJK_SENTENCE_END, keep_match_left=True):
                piece = strip_span(text, *piece)
                if piece[1] > piece[0]:
                    spans.append(piece)
    return spans
