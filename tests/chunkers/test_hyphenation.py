"""Words hyphenated at a line break (PDF text) are not cut apart when a long sentence is cut."""

from __future__ import annotations

from latechunk.chunkers import SentenceChunker
from latechunk.chunkers.base import is_word_start


def test_a_word_hyphenated_at_a_line_break_is_not_a_cut_point(offsets_of):
    text = "The infor-\nmation about the canal was hyphen-\nated by the extraction of the docu-\nment text."
    assert not is_word_start(text, text.index("mation"))
    assert is_word_start(text, text.index("about"))
    offsets = offsets_of(text)
    for budget in (6, 8, 9, 10, 11, 12, 13, 15, 20):  # 28 tokens: 7 or 14 leave no choice of cut
        spans = SentenceChunker(chunk_size=budget, hard_max_tokens=None).split(text, offsets)
        starts = {s for s, _ in spans}
        assert not starts & {text.index("mation"), text.index("ated"), text.index("ment text")}, budget
