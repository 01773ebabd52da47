"""The sentence cache is bounded by the text it keeps alive, not by a count of texts."""

from __future__ import annotations

import threading

import pytest

from latechunk.chunkers import split_sentences
from latechunk.chunkers.segmentation import (
    CACHE_BUDGET_CHARS,
    CACHE_MAX_TEXT_CHARS,
    clear_sentence_cache,
    sentence_cache,
)
from latechunk.chunkers.text_cache import SizedCache


def document(i: int, chars: int) -> str:
    sentence = f"Document {i} has a sentence here. "
    return sentence * (chars // len(sentence))


def test_twelve_large_documents_stay_within_the_budget():
    clear_sentence_cache()
    for i in range(12):
        split_sentences(document(i, 1_000_000))
    cache = sentence_cache()
    assert 0 < cache.size <= CACHE_BUDGET_CHARS
    assert len(cache) < 12  # the oldest were dropped
    clear_sentence_cache()
    assert cache.size == 0 and len(cache) == 0


def test_a_text_above_the_entry_limit_is_not_kept_but_still_segmented():
    clear_sentence_cache()
    text = document(0, CACHE_MAX_TEXT_CHARS + 100)
    spans = split_sentences(text)
    assert len(spans) > 1000 and len(sentence_cache()) == 0


def test_recently_used_entries_survive_and_results_are_equal():
    cache: SizedCache[str] = SizedCache(budget=10, max_entry=6)
    calls = []

    def compute(value: str):
        return lambda: calls.append(value) or value

    for key in "abc":
        cache.get_or_compute(key, compute(key), lambda v: 3)
    assert cache.size == 9
    cache.get_or_compute("a", compute("a"), lambda v: 3)  # a hit: "b" is now the oldest
    cache.get_or_compute("d", compute("d"), lambda v: 3)
    assert cache.size <= 10 and calls == ["a", "b", "c", "d"]
    cache.get_or_compute("a", compute("a"), lambda v: 3)
    cache.get_or_compute("b", compute("b"), lambda v: 3)
    assert calls == ["a", "b", "c", "d", "b"]
    cache.get_or_compute("huge", compute("huge"), lambda v: 7)
    assert cache.size <= 10 and "huge" in calls and len(cache) == 3


def test_cache_sizes_must_be_non_negative():
    with pytest.raises(ValueError):
        SizedCache(budget=-1, max_entry=1)


def test_threads_share_the_cache_safely():
    clear_sentence_cache()
    texts = [document(i, 20_000) for i in range(8)]
    expected = [split_sentences(t) for t in texts]
    errors = []

    def work():
        for _ in range(5):
            for text, want in zip(texts, expected, strict=True):
                if split_sentences(text) != want:
                    errors.append(text[:20])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sentence_cache().size <= CACHE_BUDGET_CHARS
