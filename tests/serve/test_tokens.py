"""Token counts and ``truncate``: cut texts are prefixes that fit one window, counted as the model reads them."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from latechunk.serve.tokens import TokenCounter
from latechunk.types import LateChunkError

WINDOW = 24
words = st.lists(st.sampled_from(["Berlin", "is", "big", ".", "Ünïcödé", "北京", "token", "ization", " ", "\n"]))
texts = st.lists(words.map("".join), min_size=1, max_size=5)


@pytest.fixture(scope="module")
def counter(minilm):
    return TokenCounter(minilm.tokenizer, WINDOW, minilm.loaded.family.prefix)


def n_tokens(minilm, text: str) -> int:
    return len(minilm.tokenizer(text)["input_ids"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts)
def test_truncated_inputs_are_prefixes_within_the_window(minilm, counter, items):
    prepared = counter.prepare(items, None, late_chunking=False, truncate=True)
    for original, cut in zip(items, prepared.texts, strict=True):
        assert original.startswith(cut)
        assert n_tokens(minilm, cut) <= WINDOW
        if n_tokens(minilm, original) <= WINDOW:
            assert cut == original
    assert prepared.tokens == sum(n_tokens(minilm, t) for t in prepared.texts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts)
def test_counts_without_truncation(minilm, counter, items):
    alone = counter.prepare(items, None, late_chunking=False, truncate=False)
    assert alone.texts == items and alone.tokens == sum(n_tokens(minilm, t) for t in items)
    joined = counter.prepare(items, None, late_chunking=True, truncate=False)
    assert joined.tokens == n_tokens(minilm, " ".join(items))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts)
def test_late_truncation_cuts_the_joined_document(minilm, counter, items):
    try:
        prepared = counter.prepare(items, None, late_chunking=True, truncate=True)
    except LateChunkError as error:
        assert "starts beyond the model window" in str(error)
        return
    joined = " ".join(prepared.texts)
    assert " ".join(items).startswith(joined.rstrip()) or joined == " ".join(items)
    assert n_tokens(minilm, joined) <= WINDOW


def test_task_prefix_is_counted_and_shrinks_the_truncation_budget(minilm):
    counter = TokenCounter(minilm.tokenizer, WINDOW, lambda task: "query: " if task else "")
    prefix = len(minilm.tokenizer("query:", add_special_tokens=False)["input_ids"])
    assert counter.prefix_tokens("retrieval.query") == prefix > 0 and counter.prefix_tokens(None) == 0
    text = "Berlin is big. " * 20
    assert counter.count([text], "retrieval.query") == counter.count([text], None) + prefix
    cut = counter.prepare([text], "retrieval.query", late_chunking=False, truncate=True)
    assert cut.tokens == WINDOW and n_tokens(minilm, cut.texts[0]) == WINDOW - prefix


@pytest.mark.parametrize("task", [None, "retrieval.query", "retrieval.passage"])
def test_usage_counts_what_the_engine_runs(e5_like_path, task):
    """The server's count of a request is the tokens the engine puts through the model for it."""
    from latechunk import LateChunker

    lc = LateChunker(e5_like_path, text_workers=0)
    counter = TokenCounter(lc.tokenizer, lc.max_length, lc.loaded.family.prefix)
    assert counter.overhead(task) == lc.loaded.special.count + len(lc._prefix_ids(task))
    texts = ["Berlin is big.", "Ünïcödé 北京 tokenization", "x"]
    before = lc.tokens_run
    lc.embed(texts, task=task)
    assert counter.count(texts, task) == lc.tokens_run - before
    before = lc.tokens_run
    lc.embed(texts, task=task, late_chunking=True)
    assert counter.prepare(texts, task, late_chunking=True, truncate=False).tokens == lc.tokens_run - before
