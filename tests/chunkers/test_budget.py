"""Every chunker with a token budget checks ``max_tokens`` and ``hard_max_tokens`` the same way, at construction."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from latechunk.chunkers import (
    CHUNKERS,
    HtmlChunker,
    MarkdownChunker,
    ParagraphChunker,
    SemanticChunker,
    SentenceChunker,
    TokenChunker,
    get_chunker,
)
from latechunk.chunkers.budget import SENTENCE_CAP_TOKENS
from latechunk.chunkers.serialization import chunker_from_dict, chunker_to_dict
from latechunk.defaults import DEFAULT_CHUNK_TOKENS
from latechunk.errors import SettingsError, SettingsTypeError

CAPPED = [SentenceChunker, ParagraphChunker, MarkdownChunker, HtmlChunker]
"""Chunkers with both ``max_tokens`` and ``hard_max_tokens``."""


@pytest.mark.parametrize("cls", CAPPED)
@pytest.mark.parametrize(
    ("options", "error", "named"),
    [
        ({"max_tokens": 0}, SettingsError, "max_tokens must be at least 1, got 0"),
        ({"max_tokens": -3}, SettingsError, "max_tokens must be at least 1, got -3"),
        ({"max_tokens": "32"}, SettingsTypeError, "max_tokens must be a positive integer or None, got '32'"),
        ({"max_tokens": 8.0}, SettingsTypeError, "max_tokens must be a positive integer or None"),
        ({"max_tokens": True}, SettingsTypeError, "max_tokens must be a positive integer or None"),
        ({"hard_max_tokens": 0}, SettingsError, "hard_max_tokens must be at least 1, got 0"),
        ({"hard_max_tokens": -1}, SettingsError, "hard_max_tokens must be at least 1, got -1"),
        ({"hard_max_tokens": "256"}, SettingsTypeError, "hard_max_tokens must be a positive integer or None"),
        ({"hard_max_tokens": 1.5}, SettingsTypeError, "hard_max_tokens must be a positive integer or None"),
        ({"max_tokens": 64, "hard_max_tokens": 63}, SettingsError, "hard_max_tokens must be at least max_tokens (64)"),
    ],
)
def test_bad_budgets_are_refused_alike_at_construction(cls, options, error, named):
    with pytest.raises(error, match=named.replace("(", r"\(").replace(")", r"\)")):
        cls(**options)
    with pytest.raises(ValueError):  # the whole family is also ValueError
        cls(**options)


@pytest.mark.parametrize("cls", CAPPED)
def test_good_budgets_are_kept(cls):
    assert (cls(max_tokens=16, hard_max_tokens=16).max_tokens, cls(max_tokens=16, hard_max_tokens=16).cap) == (16, 16)
    assert cls(max_tokens=np.int64(12)).max_tokens == 12 and type(cls(max_tokens=np.int64(12)).max_tokens) is int
    assert cls(max_tokens=None, hard_max_tokens=None).max_tokens is None
    assert cls(max_tokens=16, hard_max_tokens=None).cap is None


@pytest.mark.parametrize("cls", CAPPED)
def test_the_default_cap_rises_to_a_larger_budget_and_survives_serialisation(cls):
    big = cls(max_tokens=512)
    assert big.hard_max_tokens == 512 and big.cap == 512
    small = cls(max_tokens=32)
    assert small.hard_max_tokens == SENTENCE_CAP_TOKENS == 256 and repr(small.hard_max_tokens) == "256"
    again = chunker_from_dict(chunker_to_dict(big))  # a saved pipeline loads again
    assert (again.max_tokens, again.hard_max_tokens) == (512, 512)
    with pytest.raises(SettingsError, match="hard_max_tokens must be at least max_tokens"):
        cls(max_tokens=512, hard_max_tokens=256)  # given explicitly, a cap below the budget is an error


@given(budget=st.integers(1, 600), cap=st.integers(1, 600))
def test_a_cap_is_accepted_exactly_when_it_is_at_least_the_budget(budget, cap):
    for cls in CAPPED:
        if cap >= budget:
            assert cls(max_tokens=budget, hard_max_tokens=cap).cap == cap
        else:
            with pytest.raises(SettingsError, match="hard_max_tokens"):
                cls(max_tokens=budget, hard_max_tokens=cap)


def test_by_name_and_the_other_chunkers_use_the_same_checks():
    with pytest.raises(SettingsError, match="hard_max_tokens must be at least max_tokens"):
        get_chunker("markdown", max_tokens=40, hard_max_tokens=20)
    with pytest.raises(SettingsTypeError, match="max_tokens must be a positive integer, got None"):
        SemanticChunker(max_tokens=None)
    with pytest.raises(SettingsError, match="max_tokens must be at least 1, got 0"):
        SemanticChunker(max_tokens=0)
    with pytest.raises(SettingsTypeError, match="max_tokens must be a positive integer, got '8'"):
        TokenChunker("8")
    with pytest.raises(SettingsError, match="max_tokens must be at least 1, got 0"):
        TokenChunker(0)


@pytest.mark.parametrize("name", sorted(CHUNKERS))
def test_every_chunker_names_its_budget_max_tokens_and_defaults_to_the_engine_default(name):
    cls = CHUNKERS[name]
    assert inspect.signature(cls).parameters["max_tokens"].default == DEFAULT_CHUNK_TOKENS == 32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cls().max_tokens == DEFAULT_CHUNK_TOKENS
        assert get_chunker(name, max_tokens=12).max_tokens == 12


def test_tokens_per_chunk_still_works_and_warns():
    with pytest.warns(DeprecationWarning, match="tokens_per_chunk=...\\) is deprecated; pass max_tokens"):
        chunker = TokenChunker(tokens_per_chunk=8)
    assert chunker.max_tokens == 8
    with pytest.warns(DeprecationWarning, match="read max_tokens"):
        assert chunker.tokens_per_chunk == 8
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError, match="pass max_tokens only"):
        TokenChunker(max_tokens=16, tokens_per_chunk=8)
    with pytest.warns(DeprecationWarning), pytest.raises(SettingsError, match="max_tokens must be at least 1"):
        TokenChunker(tokens_per_chunk=0)
    saved = chunker_to_dict(chunker)
    assert saved["init_parameters"] == {"max_tokens": 8}
    with pytest.warns(DeprecationWarning):  # a pipeline saved before the rename loads
        old = chunker_from_dict({**saved, "init_parameters": {"tokens_per_chunk": 8}})
    assert old.max_tokens == 8 and chunker_from_dict(saved).max_tokens == 8
