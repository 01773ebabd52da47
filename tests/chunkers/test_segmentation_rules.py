"""The segmentation rules applied to the whole text at once give what applying them sentence by sentence gave."""

from __future__ import annotations

import pytest
import sentencex
from hypothesis import example, given, settings
from hypothesis import strategies as st

from latechunk.chunkers import segmentation
from latechunk.chunkers.segmentation import _segment
from latechunk.chunkers.sentence_rules import QUOTE_OR_BRACKET, rules_one_by_one, segment_without_quotes
from latechunk.chunkers.whitespace import Whitespace

from .test_multilingual import TABLE


def reference_segment(text: str, language: str) -> list[tuple[int, int]]:
    """The rules one sentence at a time, as ``_segment`` ran them before they were vectorised."""
    found = []
    for b in sentencex.get_sentence_boundaries(language, text):
        span = (b["start_index"], b["end_index"])
        if "\n" in text[span[0] : span[1]].rstrip() and QUOTE_OR_BRACKET.search(text, *span):
            found += segment_without_quotes(sentencex, language, text, span)
        else:
            found.append(span)
    return rules_one_by_one(text, language, found)


def segment_with_arrays(text: str, language: str) -> list[tuple[int, int]]:
    """``_segment`` with the whole-text rules however few sentences the text has (short texts go one by one)."""
    saved, segmentation.WHOLE_TEXT_RULES_FROM = segmentation.WHOLE_TEXT_RULES_FROM, 0
    try:
        return _segment(text, language)
    finally:
        segmentation.WHOLE_TEXT_RULES_FROM = saved


PIECES = st.one_of(
    st.sampled_from(["Dr.", "Mr.", "M.", "MM.", "Mme.", "г.", "ул.", "м.", "e.g.", "т.е.", "etc.", "3.8", "Smith"]),
    st.sampled_from(["the", "late", "chunking", "Ω", "naïve", "北京是中国的首都", "ภาษาไทย", "ພາສາລາວ", "한국어"]),
    st.sampled_from([".", "!", "?", "...", "。", "！", "？", "｡", "」", "”", "։", "।", "။", "།", "؟", "۔", ",", ";"]),
    st.sampled_from(['"', "'", "“", "«", "»", "(", ")", "[", "]", "{vocalsound}", "「", "』"]),
    st.sampled_from([" ", " ", " ", "\n", "\n\n", "\n \t\n", " \n\n\n ", "\t", "\r\n", "\u00a0", "\u3000", "\u2028"]),
    st.sampled_from(["\x00", "\x1c", "\x85", "\u200b", "\ufeff", "e\u0301"]),
    st.text(max_size=4),
)
TEXTS = st.lists(PIECES, max_size=80).map("".join)
LANGUAGES = st.sampled_from(["en", "fr", "ru", "uk", "de", "ja", "th"])


@settings(max_examples=400, deadline=None)
@given(text=TEXTS, language=LANGUAGES)
@example(text="M.\n\n \nM. Dupont.", language="fr")
@example(text=' \n\n "a\nb. c" d.\n\n', language="en")
def test_whole_text_rules_match_the_rules_sentence_by_sentence(text, language):
    expected = reference_segment(text, language)
    assert segment_with_arrays(text, language) == expected
    assert _segment(text, language) == expected


@pytest.mark.parametrize(("label", "code", "sentences"), TABLE, ids=[row[0] for row in TABLE])
def test_the_multilingual_table_is_segmented_as_before(label, code, sentences):
    text = " ".join(sentences) + "\n\n" + "\n".join(sentences)
    language = code or "en"
    assert segment_with_arrays(text, language) == reference_segment(text, language)


@given(text=st.text(max_size=40), data=st.data())
def test_whitespace_strips_as_strip_span(text, data):
    import numpy as np

    from latechunk.chunkers.base import strip_span

    spans = data.draw(st.lists(st.tuples(st.integers(0, len(text)), st.integers(0, len(text))), max_size=10))
    spans = [(min(a, b), max(a, b)) for a, b in spans]
    starts = np.asarray([a for a, _ in spans], dtype=np.int64)
    ends = np.asarray([b for _, b in spans], dtype=np.int64)
    got_starts, got_ends = Whitespace(text).strip(starts, ends)
    assert list(zip(got_starts.tolist(), got_ends.tolist(), strict=True)) == [strip_span(text, a, b) for a, b in spans]
