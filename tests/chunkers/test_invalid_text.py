"""A lone surrogate reaching a chunker directly is the library's typed error, not a codec's."""

from __future__ import annotations

import re

import numpy as np
import pytest

from latechunk.chunkers import (
    HtmlChunker,
    MarkdownChunker,
    ParagraphChunker,
    SentenceChunker,
    TokenChunker,
    split_sentences,
)
from latechunk.errors import InvalidTextError

BROKEN = "# Title\n\nabc\ud800 def. Next one.\n\n<p>More words here.</p>"
MESSAGE = r"^text: lone surrogate '\\ud800' at 12; it is not text"


def word_offsets(text: str) -> np.ndarray:
    """Offsets of whitespace-separated words (the model's tokenizer refuses the text itself)."""
    return np.array([(m.start(), m.end()) for m in re.finditer(r"\S+", text)], dtype=np.int64).reshape(-1, 2)


def test_split_sentences_raises_invalid_text_error():
    with pytest.raises(InvalidTextError, match=MESSAGE):
        split_sentences(BROKEN)
    with pytest.raises(InvalidTextError, match=r"lone surrogate '\\udfff' at 3"):
        split_sentences("abc\udfff", language="de")


@pytest.mark.parametrize(
    "chunker",
    [
        SentenceChunker(chunk_size=4),
        SentenceChunker(chunk_size=None),
        ParagraphChunker(chunk_size=4),
        ParagraphChunker(chunk_size=None),
        TokenChunker(chunk_size=4),
        MarkdownChunker(chunk_size=4),
        MarkdownChunker(chunk_size=None),
        HtmlChunker(chunk_size=4),
        HtmlChunker(chunk_size=None),
    ],
    ids=repr,
)
def test_every_chunker_raises_invalid_text_error(chunker):
    with pytest.raises(InvalidTextError, match=MESSAGE):
        chunker.split(BROKEN, word_offsets(BROKEN))
    fine = BROKEN.replace("\ud800", "\ufffd")
    assert chunker.split(fine, word_offsets(fine))  # the same text, decoded with errors='replace', chunks
