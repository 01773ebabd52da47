"""The windowed encoder on a tiny long-context model (jina_embeddings_v3 architecture, 8194 positions)."""

import numpy as np
import pytest
import torch

from latechunk import LateChunker
from latechunk.pipeline import EncodeRequest, tokenize
from latechunk.pipeline.windows import plan_windows

from ..tiny_models import LONG_CONTEXT_CORPUS


@pytest.fixture(scope="module")
def tiny(tiny_jina_path):
    return LateChunker(tiny_jina_path)


def long_document(tiny, min_tokens):
    text, paragraph = "", "\n".join(LONG_CONTEXT_CORPUS) + "\n\n"
    while len(tiny.tokenizer(text, add_special_tokens=False)["input_ids"]) < min_tokens:
        text += paragraph * 20
    return text


def test_tiny_model_uses_the_full_long_window(tiny):
    assert tiny.loaded.family.name == "jina-embeddings-v3"
    assert tiny.max_length == 8192 and tiny.loaded.special.count == 2


def test_a_20000_token_document_gives_every_token_a_vector(tiny):
    text = long_document(tiny, 20_000)
    n_tokens = len(tiny.tokenizer(text, add_special_tokens=False)["input_ids"])
    (tokens,) = tokenize(tiny.tokenizer, [text])
    request = EncodeRequest(tokens.ids, np.zeros(0, np.int64), np.zeros((0, 2), np.int64), True)
    before = tiny.tokens_run
    ((index, sequence),) = list(tiny.encoder.sequence_vectors([request], tiny.window, None))
    vectors = sequence[1:-1]  # content tokens: the lead and trail special tokens sit at both ends
    assert index == 0 and sequence.shape == (n_tokens + 2, tiny.loaded.dim)
    assert vectors.shape == (n_tokens, tiny.loaded.dim)
    assert torch.isfinite(vectors).all() and (vectors.abs().sum(1) > 0).all()
    windows = plan_windows(n_tokens, 8190, 8190, tiny.window.overlap, tiny.window.merge)
    assert len(windows) >= 3
    assert tiny.tokens_run - before == sum(w.end - w.start for w in windows) + 2 * len(windows)
    pooled = tiny.encoder.pool_sequence(request.with_spans(np.array([[0, n_tokens]])), sequence)
    assert pooled.shape == (1, tiny.loaded.dim)


def test_chunks_of_a_long_document_keep_their_offsets(tiny):
    text = long_document(tiny, 20_000)
    chunks = tiny.chunk_and_embed(text)
    assert chunks and all(text[c.start : c.end] == c.text for c in chunks)
    assert all(np.isfinite(c.embedding).all() for c in chunks)


def test_one_window_document_equals_the_model_output_mean(tiny):
    text = LONG_CONTEXT_CORPUS[1]
    (chunk,) = LateChunker(tiny.model_name, chunk_size=1000).chunk_and_embed(text)
    encoded = tiny.tokenizer(text, return_tensors="pt")
    with torch.inference_mode():
        hidden = tiny.model(**encoded).last_hidden_state[0].mean(0)
    np.testing.assert_allclose(chunk.embedding, (hidden / hidden.norm()).numpy(), atol=1e-5)


def test_a_task_without_adapters_raises(tiny):
    with pytest.raises(ValueError, match="adapter"):
        tiny.embed("x", task="retrieval.query")


def test_streaming_merge_equals_the_whole_buffer_and_holds_a_few_windows(tiny):
    text = long_document(tiny, 6_000)
    whole = LateChunker(tiny.model_name, max_length=128, chunk_size=24)
    whole.encoder.group_tokens = 10**9  # one group: every token vector of the document at once
    streamed = LateChunker(tiny.model_name, max_length=128, chunk_size=24)
    streamed.encoder.group_tokens = 256  # two windows per group
    expected = whole.chunk_and_embed(text)
    got = streamed.chunk_and_embed(text)
    assert [(c.start, c.end) for c in got] == [(c.start, c.end) for c in expected] and len(got) > 100
    np.testing.assert_allclose(
        np.stack([c.embedding for c in got]), np.stack([c.embedding for c in expected]), atol=1e-6, rtol=0
    )
    n_tokens = len(tiny.tokenizer(text, add_special_tokens=False)["input_ids"])
    assert whole.encoder.merge_stats.peak_buffer_tokens >= n_tokens
    # the group (two windows) plus the overlap carried to the next group, never the document
    assert streamed.encoder.merge_stats.peak_buffer_tokens <= 256 + 128


def test_two_phases_pool_what_the_stream_pools(tiny):
    text = long_document(tiny, 3_000)
    chunker = LateChunker(tiny.model_name, max_length=256, chunk_size=40)
    chunks = chunker.chunk_and_embed(text)
    (tokens,) = tokenize(chunker.tokenizer, [text])
    spans = np.array([(c.start, c.end) for c in chunks])
    from latechunk.chunkers import tokens_in_spans

    first, last = tokens_in_spans(tokens.offsets, spans)
    request = EncodeRequest(tokens.ids, np.zeros(0, np.int64), np.stack([first, last], 1), True)
    ((_, sequence),) = list(chunker.encoder.sequence_vectors([request], chunker.window, None))
    pooled = torch.nn.functional.normalize(chunker.encoder.pool_sequence(request, sequence), dim=1).numpy()
    np.testing.assert_allclose(pooled, np.stack([c.embedding for c in chunks]), atol=1e-6, rtol=0)
