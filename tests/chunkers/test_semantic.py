"""SemanticChunker: cuts at the weakest sentence transitions of the late-chunking pass."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from latechunk import LateChunker
from latechunk.chunkers import CHUNKERS, SemanticChunker, SentenceChunker, get_chunker, split_sentences, token_counts
from latechunk.chunkers.base import tokens_in_spans
from latechunk.chunkers.semantic import cut_at_weakest_gaps, sentence_similarities

CATS = "Cats are small furry pets. They purr and sleep a lot. Many people love their cats. "
MARKETS = "The stock market fell today. Investors sold bank shares. Bond yields rose sharply. "
TOPICS = (CATS * 2 + MARKETS * 2).strip()


def topic_vectors(text, offsets, topic_of_sentence, dim=8, noise=0.0, seed=0):
    """Token vectors that point one way per topic: every token of sentence ``i`` gets its topic's axis."""
    generator = torch.Generator().manual_seed(seed)
    vectors = noise * torch.randn(len(offsets), dim, generator=generator)
    sentences = np.asarray(split_sentences(text))
    first, last = tokens_in_spans(offsets, sentences)
    for i, (a, b) in enumerate(zip(first, last, strict=True)):
        vectors[a:b, topic_of_sentence[i]] += 1.0
    return vectors


def test_registered_by_name_and_built_by_late_chunker(minilm_path):
    assert CHUNKERS["semantic"] is SemanticChunker
    chunker = get_chunker("semantic", chunk_size=48)
    assert isinstance(chunker, SemanticChunker) and chunker.needs_token_vectors
    assert (chunker.chunk_size, chunker.min_tokens, chunker.threshold_percentile) == (48, 12, None)
    lc = LateChunker(minilm_path, chunker="semantic", chunk_size=20)
    assert isinstance(lc.chunker, SemanticChunker) and lc.chunker.chunk_size == 20


def test_the_cut_falls_where_the_topic_changes(offsets_of, valid_spans):
    offsets = offsets_of(TOPICS)
    topics = [0] * 6 + [1] * 6
    vectors = topic_vectors(TOPICS, offsets, topics, noise=0.05)
    budget = int(token_counts(offsets, [(0, len(TOPICS))])[0]) - 1  # one cut is needed
    spans = SemanticChunker(chunk_size=budget).split_with_vectors(TOPICS, offsets, vectors)
    assert [TOPICS[s:e] for s, e in spans] == [(CATS * 2).strip(), (MARKETS * 2).strip()]
    valid_spans(TOPICS, spans, offsets, chunk_size=budget)
    # a greedy sentence packer with the same budget cuts elsewhere
    assert SentenceChunker(chunk_size=budget).split(TOPICS, offsets) != spans


def test_every_chunk_fits_the_budget_and_cuts_prefer_weak_gaps(offsets_of, valid_spans):
    offsets = offsets_of(TOPICS)
    vectors = topic_vectors(TOPICS, offsets, [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3])
    sentences = split_sentences(TOPICS)
    assert token_counts(offsets, sentences).tolist() == [6, 8, 6] * 2 + [6, 5, 5] * 2
    spans = SemanticChunker(chunk_size=30, min_tokens=0).split_with_vectors(TOPICS, offsets, vectors)
    cut_after = [i for i, (_, end) in enumerate(sentences) if end in {e for _, e in spans}]
    assert cut_after == [2, 5, 8, 11]  # exactly the topic changes, not where 30 tokens run out
    valid_spans(TOPICS, spans, offsets, chunk_size=30)


def test_min_tokens_keeps_a_short_odd_sentence_with_its_neighbours(offsets_of, valid_spans):
    text = "Cats are small furry pets. They purr a lot. Yes. Many people love their cats. They sleep all day."
    offsets = offsets_of(text)
    vectors = topic_vectors(text, offsets, [0, 0, 1, 0, 0])  # "Yes." is unlike everything
    counts = token_counts(offsets, split_sentences(text)).tolist()
    assert counts == [6, 6, 2, 6, 5]
    loose = SemanticChunker(chunk_size=20, min_tokens=0, threshold_percentile=50)
    loose = loose.split_with_vectors(text, offsets, vectors)
    assert "Yes." in [text[s:e] for s, e in loose]
    kept = SemanticChunker(chunk_size=20, min_tokens=5, threshold_percentile=50)
    kept = kept.split_with_vectors(text, offsets, vectors)
    assert "Yes." not in [text[s:e] for s, e in kept]
    for spans in (loose, kept):
        valid_spans(text, spans, offsets, chunk_size=20)


def test_threshold_percentile_adds_cuts_inside_the_budget(offsets_of):
    offsets = offsets_of(TOPICS)
    vectors = topic_vectors(TOPICS, offsets, [0] * 6 + [1] * 6, noise=0.05)
    chunker = SemanticChunker(chunk_size=1000)
    assert chunker.split_with_vectors(TOPICS, offsets, vectors) == [(0, len(TOPICS))]
    chunker = SemanticChunker(chunk_size=1000, min_tokens=5, threshold_percentile=10)
    spans = chunker.split_with_vectors(TOPICS, offsets, vectors)
    assert [TOPICS[s:e] for s, e in spans] == [(CATS * 2).strip(), (MARKETS * 2).strip()]
    none = SemanticChunker(chunk_size=1000, threshold_percentile=0).split_with_vectors(TOPICS, offsets, vectors)
    assert none == [(0, len(TOPICS))]


def test_long_sentences_are_cut_on_tokens_and_results_repeat(offsets_of, valid_spans):
    text = " ".join(f"token{i}" for i in range(60)) + ". Short end."
    offsets = offsets_of(text)
    vectors = torch.randn(len(offsets), 16, generator=torch.Generator().manual_seed(1))
    chunker = SemanticChunker(chunk_size=10)
    spans = chunker.split_with_vectors(text, offsets, vectors)
    assert spans == chunker.split_with_vectors(text, offsets, vectors.clone())
    valid_spans(text, spans, offsets, chunk_size=10)


def test_empty_text_mismatched_vectors_and_plain_split(offsets_of):
    chunker = SemanticChunker(chunk_size=8)
    assert chunker.split_with_vectors("", offsets_of(""), torch.zeros(0, 4)) == []
    assert chunker.split_with_vectors(" \n\n ", offsets_of(" \n\n "), torch.zeros(0, 4)) == []
    with pytest.raises(ValueError, match="token vectors"):
        chunker.split_with_vectors(TOPICS, offsets_of(TOPICS), torch.zeros(3, 4))
    with pytest.raises(ValueError, match="split_with_vectors"):
        chunker.split(TOPICS, offsets_of(TOPICS))
    for bad in ({"chunk_size": 0}, {"chunk_size": None}, {"min_tokens": -1}, {"threshold_percentile": 101}):
        with pytest.raises(ValueError):
            SemanticChunker(**bad)


def test_similarities_are_cosines_of_sentence_means():
    vectors = torch.tensor([[1.0, 0.0], [3.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    first, last = np.array([0, 2, 3]), np.array([2, 3, 4])
    np.testing.assert_allclose(sentence_similarities(vectors, first, last), [0.0, np.sqrt(0.5)], atol=1e-7)
    assert len(sentence_similarities(vectors, first[:1], last[:1])) == 0


def test_cuts_go_to_the_weakest_gap_then_the_most_even_one():
    first, last = np.arange(0, 40, 10), np.arange(10, 50, 10)  # four units of 10 tokens
    assert cut_at_weakest_gaps(np.array([0.9, 0.1, 0.9]), first, last, 30, 0) == [(0, 2), (2, 4)]
    assert cut_at_weakest_gaps(np.array([0.1, 0.9, 0.9]), first, last, 30, 0) == [(0, 1), (1, 4)]
    assert cut_at_weakest_gaps(np.array([0.5, 0.5, 0.5]), first, last, 30, 0) == [(0, 2), (2, 4)]
    assert cut_at_weakest_gaps(np.array([0.1, 0.9, 0.9]), first, last, 30, 15) == [(0, 2), (2, 4)]
    assert cut_at_weakest_gaps(np.array([0.1, 0.9, 0.9]), first, last, 40, 0) == [(0, 4)]
    assert cut_at_weakest_gaps(np.array([0.1, 0.9, 0.9]), first, last, 40, 0, threshold=0.5) == [(0, 1), (1, 4)]
    assert cut_at_weakest_gaps(np.zeros(0), first[:0], last[:0], 30, 0) == []


def test_late_chunker_reads_boundaries_off_the_same_forward_pass(minilm_path):
    semantic = LateChunker(minilm_path, chunker="semantic", chunk_size=64)
    sentences = LateChunker(minilm_path, chunker="sentences", chunk_size=64)  # the same model, one pass
    documents = [TOPICS, "One short document.", "   "]
    calls = semantic.loaded.forward_calls
    sentences.chunk_and_embed(documents)
    one_pass = semantic.loaded.forward_calls - calls
    calls = semantic.loaded.forward_calls
    chunk_lists = semantic.chunk_and_embed(documents)
    assert semantic.loaded.forward_calls - calls == one_pass  # boundaries and vectors from one pass, no second
    assert [c.text for c in chunk_lists[0]] == [(CATS * 2).strip(), (MARKETS * 2).strip()]
    assert [c.text for c in chunk_lists[1]] == ["One short document."] and chunk_lists[2] == []
    pooled = semantic.embed_spans(TOPICS, [(c.start, c.end) for c in chunk_lists[0]])
    for chunk, same in zip(chunk_lists[0], pooled, strict=True):
        np.testing.assert_allclose(chunk.embedding, same.embedding, atol=1e-6)
        assert chunk.token_count <= 64
    assert [(c.start, c.end) for c in semantic.chunk(TOPICS)] == [(c.start, c.end) for c in chunk_lists[0]]
