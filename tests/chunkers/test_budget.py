"""Every chunker with a token budget checks ``chunk_size`` and ``hard_max_tokens`` the same way, at construction."""

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
"""Chunkers with both ``chunk_size`` and ``hard_max_tokens``."""


@pytest.mark.parametrize("cls", CAPPED)
@pytest.mark.parametrize(
    ("options", "error", "named"),
    [
        ({"chunk_size": 0}, SettingsError, "chunk_size must be at least 1, got 0"),
        ({"chunk_size": -3}, SettingsError, "chunk_size must be at least 1, got -3"),
        ({"chunk_size": "32"}, SettingsTypeError, "chunk_size must be a positive integer or None, got '32'"),
        ({"chunk_size": 8.0}, SettingsTypeError, "chunk_size must be a positive integer or None"),
        ({"chunk_size": True}, SettingsTypeError, "chunk_size must be a positive integer or None"),
        ({"hard_max_tokens": 0}, SettingsError, "hard_max_tokens must be at least 1, got 0"),
        ({"hard_max_tokens": -1}, SettingsError, "hard_max_tokens must be at least 1, got -1"),
        ({"hard_max_tokens": "256"}, SettingsTypeError, "hard_max_tokens must be a positive integer or None"),
        ({"hard_max_tokens": 1.5}, SettingsTypeError, "hard_max_tokens must be a positive integer or None"),
        ({"chunk_size": 64, "hard_max_tokens": 63}, SettingsError, "hard_max_tokens must be at least chunk_size (64)"),
    ],
)
def test_bad_budgets_are_refused_alike_at_construction(cls, options, error, named):
    with pytest.raises(error, match=named.replace("(", r"\(").replace(")", r"\)")):
        cls(**options)
    with pytest.raises(ValueError):  # the whole family is also ValueError
        cls(**options)


@pytest.mark.parametrize("cls", CAPPED)
def test_good_budgets_are_kept(cls):
    assert (cls(chunk_size=16, hard_max_tokens=16).chunk_size, cls(chunk_size=16, hard_max_tokens=16).cap) == (16, 16)
    assert cls(chunk_size=np.int64(12)).chunk_size == 12 and type(cls(chunk_size=np.int64(12)).chunk_size) is int
    assert cls(chunk_size=None, hard_max_tokens=None).chunk_size is None
    assert cls(chunk_size=16, hard_max_tokens=None).cap is None


@pytest.mark.parametrize("cls", CAPPED)
def test_the_default_cap_rises_to_a_larger_budget_and_survives_serialisation(cls):
    big = cls(chunk_size=512)
    assert big.hard_max_tokens == 512 and big.cap == 512
    small = cls(chunk_size=32)
    assert small.hard_max_tokens == SENTENCE_CAP_TOKENS == 256 and repr(small.hard_max_tokens) == "256"
    again = chunker_from_dict(chunker_to_dict(big))  # a saved pipeline loads again
    assert (again.chunk_size, again.hard_max_tokens) == (512, 512)
    with pytest.raises(SettingsError, match="hard_max_tokens must be at least chunk_size"):
        cls(chunk_size=512, hard_max_tokens=256)  # given explicitly, a cap below the budget is an error


@given(budget=st.integers(1, 600), cap=st.integers(1, 600))
def test_a_cap_is_accepted_exactly_when_it_is_at_least_the_budget(budget, cap):
    for cls in CAPPED:
        if cap >= budget:
            assert cls(chunk_size=budget, hard_max_tokens=cap).cap == cap
        else:
            with pytest.raises(SettingsError, match="hard_max_tokens"):
                cls(chunk_size=budget, hard_max_tokens=cap)


def test_by_name_and_the_other_chunkers_use_the_same_checks():
    with pytest.raises(SettingsError, match="hard_max_tokens must be at least chunk_size"):
        get_chunker("markdown", chunk_size=40, hard_max_tokens=20)
    with pytest.raises(SettingsTypeError, match="chunk_size must be a positive integer, got None"):
        SemanticChunker(chunk_size=None)
    with pytest.raises(SettingsError, match="chunk_size must be at least 1, got 0"):
        SemanticChunker(chunk_size=0)
    with pytest.raises(SettingsTypeError, match="chunk_size must be a positive integer, got '8'"):
        TokenChunker("8")
    with pytest.raises(SettingsError, match="chunk_size must be at least 1, got 0"):
        TokenChunker(0)


@pytest.mark.parametrize("name", sorted(CHUNKERS))
def test_every_chunker_names_its_budget_chunk_size_and_defaults_to_the_engine_default(name):
    cls = CHUNKERS[name]
    assert inspect.signature(cls).parameters["chunk_size"].default == DEFAULT_CHUNK_TOKENS == 32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cls().chunk_size == DEFAULT_CHUNK_TOKENS
        assert get_chunker(name, chunk_size=12).chunk_size == 12


def test_tokens_per_chunk_still_works_and_warns():
    with pytest.warns(DeprecationWarning, match="tokens_per_chunk=...\\) is deprecated; pass chunk_size"):
        chunker = TokenChunker(tokens_per_chunk=8)
    assert chunker.chunk_size == 8
    with pytest.warns(DeprecationWarning, match="read chunk_size"):
        assert chunker.tokens_per_chunk == 8
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError, match="pass chunk_size only"):
        TokenChunker(chunk_size=16, tokens_per_chunk=8)
    with pytest.warns(DeprecationWarning), pytest.raises(SettingsError, match="chunk_size must be at least 1"):
        TokenChunker(tokens_per_chunk=0)
    saved = chunker_to_dict(chunker)
    assert saved["init_parameters"] == {"chunk_size": 8}
    with pytest.warns(DeprecationWarning):  # a pipeline saved before the rename loads
        old = chunker_from_dict({**saved, "init_parameters": {"tokens_per_chunk": 8}})
    assert old.chunk_size == 8 and chunker_from_dict(saved).chunk_size == 8


OPTIONAL_BUDGET = [SentenceChunker, ParagraphChunker, MarkdownChunker, HtmlChunker]
"""Chunkers where ``chunk_size=None`` means "no token budget"."""


@pytest.mark.parametrize("name", sorted(CHUNKERS))
def test_max_tokens_the_former_name_still_works_and_warns(name):
    cls = CHUNKERS[name]
    with pytest.warns(DeprecationWarning, match=r"\(max_tokens=...\) is deprecated; pass chunk_size") as caught:
        chunker = cls(max_tokens=12)
    assert caught[0].filename == __file__  # the warning points at the caller, not at latechunk
    assert cls.__name__ in str(caught[0].message)
    assert chunker.chunk_size == 12 and repr(chunker) == repr(cls(chunk_size=12))
    with pytest.warns(DeprecationWarning, match=f"{cls.__name__}.max_tokens is deprecated; read chunk_size"):
        assert chunker.max_tokens == 12
    with pytest.raises(AttributeError, match="read-only name of chunk_size"):
        chunker.max_tokens = 64
    assert chunker.chunk_size == 12
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError, match="got chunk_size=16, max_tokens=12; pass"):
        cls(chunk_size=16, max_tokens=12)
    with pytest.warns(DeprecationWarning):
        assert cls(chunk_size=12, max_tokens=12).chunk_size == 12  # the same value twice is no conflict
    with pytest.warns(DeprecationWarning), pytest.raises(SettingsError, match="chunk_size must be at least 1, got 0"):
        cls(max_tokens=0)


@pytest.mark.parametrize("cls", OPTIONAL_BUDGET)
def test_max_tokens_none_still_means_no_budget(cls):
    with pytest.warns(DeprecationWarning):
        chunker = cls(max_tokens=None)
    assert chunker.chunk_size is None and not chunker.needs_token_offsets
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError, match="got chunk_size=None, max_tokens=8"):
        cls(chunk_size=None, max_tokens=8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # leaving the former name out warns about nothing
        assert cls(chunk_size=None).chunk_size is None


@pytest.mark.parametrize("name", sorted(CHUNKERS))
def test_a_dict_saved_with_max_tokens_loads_and_is_saved_again_with_chunk_size(name):
    cls = CHUNKERS[name]
    saved = chunker_to_dict(cls(chunk_size=24))
    assert saved["init_parameters"]["chunk_size"] == 24
    assert "max_tokens" not in saved["init_parameters"] and "tokens_per_chunk" not in saved["init_parameters"]
    before_the_rename = {**saved, "init_parameters": {**saved["init_parameters"]}}
    before_the_rename["init_parameters"]["max_tokens"] = before_the_rename["init_parameters"].pop("chunk_size")
    with pytest.warns(DeprecationWarning, match="pass chunk_size"):
        old = chunker_from_dict(before_the_rename)
    assert type(old) is cls and old.chunk_size == 24
    assert chunker_to_dict(old) == saved


def test_positional_budgets_are_unchanged_by_the_rename():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chunker = SentenceChunker(16, 2, 1)
        assert (chunker.chunk_size, chunker.sentences_per_chunk, chunker.overlap) == (16, 2, 1)
        assert TokenChunker(7).chunk_size == 7 and SemanticChunker(40).min_tokens == 10


def test_token_chunker_refuses_two_former_names_that_disagree():
    with pytest.warns(DeprecationWarning, match=r"TokenChunker\(max_tokens=..., tokens_per_chunk=...\)"):
        assert TokenChunker(max_tokens=8, tokens_per_chunk=8).chunk_size == 8
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError, match="max_tokens=16, tokens_per_chunk=8"):
        TokenChunker(max_tokens=16, tokens_per_chunk=8)
    with pytest.raises(AttributeError, match="read-only"):
        TokenChunker().tokens_per_chunk = 8
