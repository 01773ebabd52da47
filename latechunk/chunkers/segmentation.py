"""Sentence segmentation: sentencex's rules for ~300 languages, plus the scripts they miss.

The default segmenter is `sentencex <https://github.com/wikimedia/sentencex>`_ (Wikimedia; a
Rust core, no dependencies): per-language abbreviation lists (``Dr.``, ``e.g.``, ``p.m.``,
German ``z.B.`` and ordinals, ...), quotes and ``¿``/``¡`` kept with their sentence. On top of
its boundaries this module cuts

* at blank lines (always),
* after every Unicode Sentence_Terminal character other than ``. ! ?`` (Armenian ``։``,
  Burmese ``။``, Ethiopic ``። ፧``, Devanagari ``। ॥``, Khmer ``។``, ...) and after the Tibetan
  shad ``།`` when whitespace follows,
* after ``。！？｡`` (and ``. ! ?`` written straight after a Han or kana character) in Chinese
  and Japanese, which put no space between sentences,
* at the spaces of Thai and Lao text: those scripts mark sentences (and clauses) with a space
  and nothing else, so a unit there is a clause, packed by the token budget like sentences.

A spaCy pipeline can be passed instead (``nlp=``), for a trained parser's sentences; spaCy is the
optional ``spacy`` extra (``pip install "latechunk[spacy]"``), imported only by ``default_nlp``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from latechunk.chunkers.base import strip_span
from latechunk.chunkers.sentence_rules import (
    BLANK_LINE,
    CJK_SENTENCE_END,
    QUOTE_OR_BRACKET,
    rules_one_by_one,
    segment_without_quotes,
    split_at,
)
from latechunk.chunkers.text_cache import SizedCache
from latechunk.chunkers.whole_text_rules import rules_at_once
from latechunk.inputs import check_text
from latechunk.types import Span

DEFAULT_LANGUAGE = "en"
"""sentencex language code used when none is given: English abbreviations, every script's terminators."""

WHOLE_TEXT_RULES_FROM = 24
"""sentencex sentences from which the rules run over the whole text at once (below, one by one costs less:
about 150 us of numpy set-up against 10 us a sentence; both give the same sentences)."""
CACHE_BUDGET_CHARS = 8_000_000
"""Text (in characters, plus 16 per sentence) whose sentences are kept for reuse."""
CACHE_MAX_TEXT_CHARS = 2_000_000
"""A longer text is segmented each time it is asked for, never kept."""
_cache: SizedCache[tuple[Span, ...]] = SizedCache(CACHE_BUDGET_CHARS, CACHE_MAX_TEXT_CHARS)


@lru_cache(maxsize=1)
def default_nlp() -> Any:
    """A blank multilingual spaCy pipeline with the rule-based sentencizer (no download; the ``spacy`` extra)."""
    try:
        import spacy
    except ImportError as error:
        raise ImportError(
            'spaCy is optional: pip install "latechunk[spacy]" to segment with a spaCy pipeline '
            "(the default segmenter, sentencex, needs no spaCy)"
        ) from error

    nlp = spacy.blank("xx")
    nlp.add_pipe("sentencizer")
    nlp.max_length = 10**9
    # Sentence ends need only the tokenizer's suffix rules ("end." -> "end", "."). Infix and URL
    # matching cost 30-40 % of the time, and infix splits made false sentence ends at a period
    # inside a word ("Mr.Manly", "file.txt"): on QMSum val, 145 of 26,283 sentences were such.
    nlp.tokenizer.infix_finditer = None
    nlp.tokenizer.url_match = None
    return nlp


def split_sentences(text: str, nlp: Any | None = None, language: str | None = None) -> list[Span]:
    """Sentence spans of ``text``: in order, non-overlapping, trimmed of whitespace, never empty.

    Together they cover every non-whitespace character. Blank lines always end a sentence.
    ``language`` is a sentencex language code (default ``"en"``: English abbreviations; the
    terminators of every script apply whatever the code). With ``nlp`` (a spaCy pipeline that
    sets sentence boundaries) its sentences are used instead. Without ``nlp``, the spans of
    recently seen texts are reused (at most ``CACHE_BUDGET_CHARS`` of text is kept).
    """
    check_text(text, "text")  # a lone surrogate: InvalidTextError, not the segmenter's UnicodeEncodeError
    if nlp is not None:
        return _segment_with_spacy(text, nlp)
    language = DEFAULT_LANGUAGE if language is None else language
    spans = _cache.get_or_compute(
        (language, text), lambda: tuple(_segment(text, language)), lambda s: len(text) + 16 * len(s)
    )
    return list(spans)


def clear_sentence_cache() -> None:
    """Forget the sentence spans of recently segmented texts (for timing segmentation)."""
    _cache.clear()


def sentence_cache() -> SizedCache[tuple[Span, ...]]:
    """The cache behind ``split_sentences`` (for inspecting its size)."""
    return _cache


def _segment(text: str, language: str) -> list[Span]:
    """sentencex's sentences, then the rules of the module doc (over the whole text at once, or one
    by one for a text of few sentences: both give the same spans)."""
    try:
        import sentencex
    except ImportError as error:  # a core dependency; only a broken install lacks it
        raise ImportError('sentence segmentation needs sentencex: pip install "sentencex>=1.0"') from error
    bounds = sentencex.get_sentence_boundaries(language, text)
    if len(bounds) == 0:
        return []
    if len(bounds) < WHOLE_TEXT_RULES_FROM:
        found: list[Span] = []
        for bound in bounds:
            span = (bound["start_index"], bound["end_index"])
            if "\n" in text[span[0] : span[1]].rstrip() and QUOTE_OR_BRACKET.search(text, *span):
                found += segment_without_quotes(sentencex, language, text, span)
            else:
                found.append(span)
        return rules_one_by_one(text, language, found)
    starts = np.fromiter((b["start_index"] for b in bounds), dtype=np.int64, count=len(bounds))
    ends = np.fromiter((b["end_index"] for b in bounds), dtype=np.int64, count=len(bounds))
    return rules_at_once(sentencex, text, language, starts, ends)


def _segment_with_spacy(text: str, nlp: Any) -> list[Span]:
    blocks = [strip_span(text, *b) for b in split_at(text, (0, len(text)), BLANK_LINE, keep_match_left=True)]
    blocks = [b for b in blocks if b[1] > b[0]]
    spans: list[Span] = []
    for block, doc in zip(blocks, nlp.pipe(text[a:b] for a, b in blocks), strict=True):
        for sent in doc.sents:
            base = (block[0] + sent.start_char, block[0] + sent.end_char)
            for piece in split_at(text, base, CJK_SENTENCE_END, keep_match_left=True):
                piece = strip_span(text, *piece)
                if piece[1] > piece[0]:
                    spans.append(piece)
    return spans
