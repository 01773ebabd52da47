"""spaCy is an optional extra: the default segmenter and every chunker work without it."""

from __future__ import annotations

import sys

import pytest

from latechunk.chunkers import CHUNKERS, split_sentences
from latechunk.chunkers.segmentation import clear_sentence_cache, default_nlp

from .test_multilingual import TABLE


@pytest.fixture
def without_spacy(monkeypatch):
    """``import spacy`` fails, as where the extra is not installed."""
    monkeypatch.setitem(sys.modules, "spacy", None)
    default_nlp.cache_clear()
    clear_sentence_cache()
    yield
    default_nlp.cache_clear()
    clear_sentence_cache()


def test_the_default_segmenter_needs_no_spacy(without_spacy, offsets_of):
    for _, code, sentences in TABLE:
        text = " ".join(sentences)
        assert [text[a:b] for a, b in split_sentences(text, language=code)] == sentences
    text = "# Title\n\nDr. Smith arrived. <p>It rained.</p>\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    offsets = offsets_of(text)
    for name, cls in CHUNKERS.items():
        if name != "semantic":  # the vector-reading chunker is run by the engine (tests/chunkers/test_semantic.py)
            assert cls(chunk_size=4).split(text, offsets), name


def test_a_spacy_pipeline_without_the_extra_names_the_extra(without_spacy):
    with pytest.raises(ImportError, match=r'pip install "latechunk\[spacy\]"'):
        default_nlp()
