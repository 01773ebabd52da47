"""Long texts are tokenized stretch by stretch into exactly the tokens of the whole text."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from latechunk.pipeline.tokenization import _encode, sequence_overhead, tokenize, tokenize_prefix, tokenize_stitched

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


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(texts(), min_size=1, max_size=4), kind=st.sampled_from(["wordpiece", "metaspace"]))
def test_the_rust_batch_call_gives_what_the_transformers_call_gives(tokenizers, batch, kind):
    tokenizer = tokenizers[kind]
    tokenizer(["x"], truncation=True, max_length=3)  # state a caller may leave behind: the engine ignores it
    want = tokenizer(batch, add_special_tokens=False, return_offsets_mapping=True, truncation=False)
    for got, ids, offsets in zip(_encode(tokenizer, batch), want["input_ids"], want["offset_mapping"], strict=True):
        assert got.ids.tolist() == ids
        assert got.offsets.tolist() == [list(pair) for pair in offsets]


@pytest.mark.parametrize("kind", ["wordpiece", "metaspace"])
def test_sequence_overhead_counts_special_and_prefix_tokens_as_the_model_reads_them(tokenizers, kind):
    from tokenizers import Tokenizer

    tokenizer = tokenizers[kind]
    prefix = "Represent the query: "
    text = "the capital"
    whole = len(tokenizer(prefix.rstrip() + " " + text)["input_ids"]) if kind == "wordpiece" else None
    alone = len(tokenizer(text, add_special_tokens=False)["input_ids"])
    assert sequence_overhead(tokenizer) == 2
    overhead = sequence_overhead(tokenizer, prefix)
    assert overhead == 2 + len(tokenize_prefix(tokenizer, prefix)) > 2
    if whole is not None:  # WordPiece splits at the space: prefix and text tokenized together add up
        assert overhead + alone == whole
    raw = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())  # what the server holds
    assert sequence_overhead(raw, prefix) == overhead
