"""Long texts are tokenized stretch by stretch into exactly the tokens of the whole text."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from latechunk.pipeline.tokenization import _encode, tokenize, tokenize_stitched

from ..tiny_models import LONG_CONTEXT_CORPUS, train_xlmr_style_tokenizer

WORDS = [
    "Berlin",
    "is",
    "the",
    "capital",
    ".",
    ",",
    "3.8",
    "million",
    "Spree",
    "über",
    "北京",
    "首都",
    "。",
    "🙂",
    "a-b",
]
SEPARATORS = [" ", " ", " ", "\n", "\n\n", "  ", "\t"]


@pytest.fixture(scope="module")
def tokenizers(minilm_path):
    from transformers import AutoTokenizer

    return {
        "wordpiece": AutoTokenizer.from_pretrained(minilm_path),
        "metaspace": train_xlmr_style_tokenizer(LONG_CONTEXT_CORPUS * 20, vocab_size=400, model_max_length=8192),
    }


@st.composite
def texts(draw):
    words = draw(st.lists(st.sampled_from(WORDS), min_size=50, max_size=400))
    separators = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(words), max_size=len(words)))
    return "".join(w + s for w, s in zip(words, separators, strict=True))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts(), kind=st.sampled_from(["wordpiece", "metaspace"]))
def test_stitched_tokens_equal_the_whole_text_tokens(tokenizers, text, kind):
    tokenizer = tokenizers[kind]
    (whole,) = _encode(tokenizer, [text])
    stitched = tokenize_stitched(tokenizer, text, stretch_chars=120, context_chars=80, agreement=4)
    assert stitched is not None  # ordinary text always has a junction where both stretches agree
    np.testing.assert_array_equal(stitched.ids, whole.ids)
    np.testing.assert_array_equal(stitched.offsets, whole.offsets)


def test_a_text_without_a_junction_falls_back_to_the_whole_text(tokenizers):
    tokenizer = tokenizers["wordpiece"]
    text = "x" * 3000 + " end"  # one word longer than any stretch: no agreeing junction
    assert tokenize_stitched(tokenizer, text, stretch_chars=500, context_chars=100, agreement=4) is None
    (tokens,) = tokenize(tokenizer, [text], long_text_chars=500)
    (whole,) = _encode(tokenizer, [text])
    np.testing.assert_array_equal(tokens.ids, whole.ids)
    np.testing.assert_array_equal(tokens.offsets, whole.offsets)


def test_short_and_long_texts_keep_their_order(tokenizers):
    tokenizer = tokenizers["wordpiece"]
    texts_in = ["short one", "Berlin is the capital. " * 400, "", "another short"]
    got = tokenize(tokenizer, texts_in, long_text_chars=1000)
    want = _encode(tokenizer, texts_in)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a.ids, b.ids)
        np.testing.assert_array_equal(a.offsets, b.offsets)
