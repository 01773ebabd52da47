"""LateChunker end to end with the real all-MiniLM-L6-v2."""

import random
import warnings

import numpy as np
import pytest
import torch

from latechunk import AlignmentError, LateChunker, LateChunkError, LateChunkWarning, UnknownTaskError
from latechunk.pipeline.windows import plan_windows

BERLIN = (
    "Berlin is the capital and largest city of Germany. Its population is about 3.8 million. "
    "The city is known for its museums and nightlife. It lies on the river Spree."
)
MULTILINGUAL = {
    "english": "The committee met on Tuesday. They decided to postpone the vote until spring.",
    "german": "Die Straße führt über die Brücke. Dort wächst ein großer Baum mit grünen Blättern.",
    "chinese": "北京是中国的首都。它有很多历史悠久的建筑！你去过吗？",
    "japanese": "東京は日本の首都です。とても大きな都市ですね！行ったことがありますか？",
    "arabic": "القاهرة هي عاصمة مصر. إنها مدينة كبيرة جدا.",
    "emoji": "I love pizza 🍕🍕. My friends 👩‍👩‍👧 agree! Rockets 🚀 are cool.",
    "combining": "Cafe\u0301 au lait. Noe\u0308l is near. A\u030a is a letter.",
    "mixed": "Hello 世界. Привет мир! مرحبا. Γειά σου κόσμε.",
}


def mean_pool_reference(lc: LateChunker, text: str) -> np.ndarray:
    encoded = lc.tokenizer(text, return_tensors="pt")
    with torch.inference_mode():
        hidden = lc.model(**encoded).last_hidden_state[0]
    vector = hidden.mean(0)
    return (vector / vector.norm()).numpy()


def test_one_chunk_document_equals_plain_mean_pooling(minilm):
    text = "Late chunking pools token vectors of the whole document."
    (chunk,) = minilm.chunk_and_embed(text)
    assert (chunk.start, chunk.end) == (0, len(text))
    np.testing.assert_allclose(chunk.embedding, mean_pool_reference(minilm, text), atol=1e-5)


def test_one_chunk_document_equals_sentence_transformers(minilm, minilm_path):
    from sentence_transformers import SentenceTransformer

    text = "Late chunking pools token vectors of the whole document."
    expected = SentenceTransformer(minilm_path, device="cpu").encode([text], normalize_embeddings=True)[0]
    (chunk,) = minilm.chunk_and_embed(text)
    np.testing.assert_allclose(chunk.embedding, expected, atol=1e-4)
    np.testing.assert_allclose(minilm.embed(text), expected, atol=1e-4)


def test_chunks_are_float32_unit_vectors_in_order(minilm_path):
    lc = LateChunker(minilm_path, chunk_size=12)
    chunks = lc.chunk_and_embed(BERLIN)
    assert len(chunks) == 4
    assert [c.index for c in chunks] == list(range(4))
    for chunk in chunks:
        assert chunk.embedding.dtype == np.float32 and chunk.embedding.shape == (384,)
        assert np.linalg.norm(chunk.embedding) == pytest.approx(1.0, abs=1e-5)
        assert BERLIN[chunk.start : chunk.end] == chunk.text and chunk.token_count > 0


def test_late_differs_from_naive_and_naive_embeds_each_chunk_alone(minilm_path):
    lc = LateChunker(minilm_path, chunk_size=12)
    late = lc.chunk_and_embed(BERLIN)
    naive = lc.chunk_and_embed(BERLIN, late_chunking=False)
    assert [(c.start, c.end) for c in late] == [(c.start, c.end) for c in naive]
    alone = lc.embed([c.text for c in naive])
    np.testing.assert_allclose(np.stack([c.embedding for c in naive]), alone, atol=1e-6)
    for late_chunk, naive_chunk in zip(late, naive, strict=True):
        assert not np.allclose(late_chunk.embedding, naive_chunk.embedding, atol=1e-3)


def test_late_chunk_of_a_pronoun_sentence_knows_its_subject(minilm_path):
    lc = LateChunker(minilm_path, chunk_size=12)
    pronoun = lc.chunk_and_embed(BERLIN)[1]
    assert pronoun.text == "Its population is about 3.8 million."
    query = lc.embed("What is the population of Berlin?")
    naive = lc.embed(pronoun.text)
    assert float(query @ pronoun.embedding) > float(query @ naive)


@pytest.mark.parametrize("language", sorted(MULTILINGUAL))
def test_offsets_index_the_original_text(minilm_path, language):
    text = MULTILINGUAL[language]
    lc = LateChunker(minilm_path, chunk_size=4)
    chunks = lc.chunk_and_embed(text)
    assert chunks
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


def test_cjk_sentences_split_at_their_marks(minilm_path):
    from latechunk.chunkers import SentenceChunker

    lc = LateChunker(minilm_path, chunker=SentenceChunker(chunk_size=None, sentences_per_chunk=1))
    texts = [c.text for c in lc.chunk(MULTILINGUAL["japanese"])]
    assert texts == ["東京は日本の首都です。", "とても大きな都市ですね！", "行ったことがありますか？"]


def test_a_document_that_fits_one_window_ignores_the_window_size(minilm_path):
    text = BERLIN  # about 40 tokens
    results = []
    for max_length in (64, 100, 256, 512):
        lc = LateChunker(minilm_path, chunk_size=12, max_length=max_length)
        results.append(np.stack([c.embedding for c in lc.chunk_and_embed(text)]))
    for other in results[1:]:
        np.testing.assert_allclose(results[0], other, atol=1e-5)


def test_long_documents_run_in_overlapping_windows(minilm_path):
    text = " ".join([BERLIN] * 30)  # about 1200 tokens
    lc = LateChunker(minilm_path, chunk_size=24, max_length=128, overlap=32)
    before = lc.tokens_run
    chunks = lc.chunk_and_embed(text)
    n_tokens = len(lc.tokenizer(text, add_special_tokens=False)["input_ids"])
    run = lc.tokens_run - before
    assert 126 / 94 * n_tokens * 0.95 < run < 128 / 94 * n_tokens * 1.1  # stride 94 = 126 - 32
    assert all(text[c.start : c.end] == c.text for c in chunks)
    assert all(np.isfinite(c.embedding).all() for c in chunks)


def test_results_do_not_depend_on_batch_size_or_order(minilm_path):
    docs = [" ".join([BERLIN] * k) for k in (1, 5, 2, 9, 3)] + [MULTILINGUAL["german"], ""]
    small = LateChunker(minilm_path, max_length=128, batch_size=1)
    large = LateChunker(minilm_path, max_length=128, batch_size=32, max_batch_tokens=100_000)
    a = small.chunk_and_embed(docs)
    b = large.chunk_and_embed(docs)
    order = list(range(len(docs)))
    random.Random(7).shuffle(order)
    c = large.chunk_and_embed([docs[i] for i in order])
    c = [c[order.index(i)] for i in range(len(docs))]
    for x, y, z in zip(a, b, c, strict=True):
        assert [(k.start, k.end) for k in x] == [(k.start, k.end) for k in y] == [(k.start, k.end) for k in z]
        for k1, k2, k3 in zip(x, y, z, strict=True):
            np.testing.assert_allclose(k1.embedding, k2.embedding, atol=2e-5)
            np.testing.assert_allclose(k2.embedding, k3.embedding, atol=2e-5)


def test_task_prefix_is_tokenized_once_and_joins_the_first_chunk(e5_like_path):
    lc = LateChunker(e5_like_path, task="retrieval.passage")
    assert lc.loaded.family.name == "e5"
    text = "The vote was postponed until spring."
    (chunk,) = lc.chunk_and_embed(text)
    # one chunk with special tokens pooled = plain mean pooling of "[CLS] passage: text [SEP]"
    np.testing.assert_allclose(chunk.embedding, mean_pool_reference(lc, "passage: " + text), atol=1e-5)
    np.testing.assert_allclose(lc.embed(text), chunk.embedding, atol=1e-5)
    query = lc.embed(text, task="retrieval.query")
    np.testing.assert_allclose(query, mean_pool_reference(lc, "query: " + text), atol=1e-5)


def test_prefix_is_left_out_of_chunks_when_special_tokens_are_not_pooled(e5_like_path):
    lc = LateChunker(e5_like_path, task="retrieval.passage", pool_special_tokens=False)
    text = "The vote was postponed until spring."
    (chunk,) = lc.chunk_and_embed(text)
    encoded = lc.tokenizer("passage: " + text, return_tensors="pt")
    with torch.inference_mode():
        hidden = lc.model(**encoded).last_hidden_state[0]
    n_prefix = len(lc.tokenizer("passage:", add_special_tokens=False)["input_ids"])
    expected = hidden[1 + n_prefix : -1].mean(0)
    np.testing.assert_allclose(chunk.embedding, (expected / expected.norm()).numpy(), atol=1e-5)


def test_later_windows_repeat_the_prefix(e5_like_path):
    text = " ".join([BERLIN] * 6)
    n_tokens = len(LateChunker(e5_like_path).tokenizer(text, add_special_tokens=False)["input_ids"])
    n_prefix = 2  # "passage", ":"
    for repeat in (True, False):
        lc = LateChunker(e5_like_path, task="retrieval.passage", max_length=64, overlap=0, repeat_prefix=repeat)
        before = lc.tokens_run
        lc.chunk_and_embed(text)
        later_capacity = 62 - (n_prefix if repeat else 0)
        windows = plan_windows(n_tokens, 62 - n_prefix, later_capacity, 0, lc.window.merge)
        content = sum(w.end - w.start for w in windows)
        prefixes = n_prefix * (len(windows) if repeat else 1)
        assert lc.tokens_run - before == content + 2 * len(windows) + prefixes


def test_embed_late_chunking_follows_the_hosted_api(minilm):
    texts = ["Berlin is the capital of Germany.", "Its population is about 3.8 million.", "It lies on the Spree."]
    vectors = minilm.embed(texts, late_chunking=True)
    assert vectors.shape == (3, 384)
    joined = " ".join(texts)
    starts = [0, len(texts[0]) + 1, len(texts[0]) + len(texts[1]) + 2]
    spans = [(s, s + len(t)) for s, t in zip(starts, texts, strict=True)]
    by_spans = np.stack([c.embedding for c in minilm.embed_spans(joined, spans)])
    np.testing.assert_allclose(vectors, by_spans, atol=1e-6)
    assert not np.allclose(vectors, minilm.embed(texts), atol=1e-3)
    # special tokens join the first and last input: three inputs that are the whole sequence
    total = mean_pool_reference(minilm, joined)
    assert not np.allclose(vectors[0], total, atol=1e-3)


def test_embed_span_sets_equal_separate_calls(minilm):
    text = BERLIN
    sets = [[(0, 50), (51, 87)], [(0, 87), (88, len(text))], [(5, 20)]]
    together = minilm.embed_span_sets(text, sets)
    for spans, chunks in zip(sets, together, strict=True):
        alone = minilm.embed_spans(text, spans)
        np.testing.assert_allclose(
            np.stack([c.embedding for c in chunks]), np.stack([c.embedding for c in alone]), 1e-5
        )


def test_dimensions_truncate_and_renormalise(minilm):
    full = minilm.embed(["a short text", "another one"])
    cut = minilm.embed(["a short text", "another one"], dimensions=64)
    assert cut.shape == (2, 64)
    expected = full[:, :64] / np.linalg.norm(full[:, :64], axis=1, keepdims=True)
    np.testing.assert_allclose(cut, expected, atol=1e-5)
    with pytest.raises(ValueError, match="384"):
        minilm.embed("x", dimensions=385)
    with pytest.raises(ValueError):
        LateChunker(minilm.model_name, dimensions=0)


def test_unknown_task_is_a_clear_error(minilm):
    with pytest.raises(UnknownTaskError, match="retrieval.query"):
        minilm.embed("x", task="classification")
    with pytest.raises(UnknownTaskError):
        LateChunker(minilm.model_name, task="nonsense")


def test_empty_inputs(minilm):
    assert minilm.chunk_and_embed([]) == []
    assert minilm.embed([]).shape == (0, 384)
    assert minilm.chunk_and_embed(["", "   \n\t "]) == [[], []]
    assert minilm.chunk("") == []


@pytest.mark.parametrize("bad", [None, 3, b"bytes"])
def test_non_strings_raise_type_error_naming_the_index(minilm, bad):
    with pytest.raises(TypeError, match=r"documents\[1\]"):
        minilm.chunk_and_embed(["fine", bad])
    with pytest.raises(TypeError, match=r"texts\[0\]"):
        minilm.embed([bad])


def test_a_bare_string_gives_a_single_result(minilm):
    assert minilm.embed("hello").shape == (384,)
    assert isinstance(minilm.chunk_and_embed("Hello there. Bye."), list)


def test_control_characters_do_not_crash_or_lose_text(minilm_path):
    text = "Start\x00 of text.\x07 Bell\x1b[31m red\x1b[0m. Tab\tand\rcarriage. End\x7f."
    lc = LateChunker(minilm_path, chunk_size=4)
    chunks = lc.chunk_and_embed(text)
    assert all(text[c.start : c.end] == c.text for c in chunks)
    covered = {i for c in chunks for i in range(c.start, c.end)}
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


def test_a_document_the_tokenizer_cannot_see_warns_and_gives_no_chunks(minilm):
    with pytest.warns(LateChunkWarning, match="no token"):
        assert minilm.chunk_and_embed(["\x00\x01\x02", "ok."])[0] == []


def test_a_sentence_longer_than_the_window_is_split(minilm_path):
    text = "word " * 700 + "end."
    lc = LateChunker(minilm_path, chunk_size=1000, max_length=256)
    chunks = lc.chunk_and_embed(text)
    assert all(c.token_count <= 1000 for c in chunks)
    assert "".join(text[c.start : c.end] for c in chunks).replace(" ", "") == text.replace(" ", "")


def test_spans_that_cover_no_token_raise(minilm):
    text = "Hello \x00\x01 world."
    with pytest.raises(LateChunkError, match="no token"):
        minilm.embed_spans(text, [(0, 5), (6, 8)])
    with pytest.raises(AlignmentError):
        minilm.embed_spans(text, [(5, 100)])
    with pytest.raises(LateChunkError, match=r"texts\[1\] covers no token"):
        minilm.embed(["a", "\x00\x01"], late_chunking=True)  # "" is refused earlier: EmptyTextError


def test_max_length_must_fit_the_model(minilm_path):
    with pytest.raises(ValueError, match="512"):
        LateChunker(minilm_path, max_length=1024)


def test_default_window_is_the_tuned_length(minilm):
    assert minilm.loaded.max_length == 512 and minilm.max_length == 256
    assert minilm.window.overlap == 64 and minilm.window.merge == "mean"


def test_slow_tokenizer_is_rejected(minilm_path, monkeypatch):
    import transformers

    from latechunk.pipeline import loading

    real = transformers.AutoTokenizer.from_pretrained

    class Slow:
        is_fast = False

    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", lambda *a, **k: Slow())
    with pytest.raises(LateChunkError, match="fast"):
        loading._load(loading.LoadSettings(model=minilm_path))
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", real)


def test_no_warnings_on_ordinary_input(minilm):
    with warnings.catch_warnings():
        warnings.simplefilter("error", LateChunkWarning)
        minilm.chunk_and_embed([BERLIN])


@pytest.mark.parametrize("late_chunking", [True, False])
def test_array_results_equal_chunk_objects(minilm, late_chunking):
    documents = [BERLIN, "", "# Canals\n\nThe canal runs north. It carries coal.\n\n## Locks\n\nThe locks are old."]
    minilm_md = LateChunker(minilm.settings.replace(chunker="markdown"))
    for lc in (minilm, minilm_md):
        arrays = lc.chunk_and_embed_arrays(documents, late_chunking=late_chunking, dimensions=128)
        objects = lc.chunk_and_embed(documents, late_chunking=late_chunking, dimensions=128)
        for document, rows, chunks in zip(documents, arrays, objects, strict=True):
            assert rows.embeddings.dtype == np.float32 and rows.embeddings.shape == (len(chunks), 128)
            rebuilt = rows.to_chunks(document)
            assert [(c.text, c.start, c.end, c.token_count, c.index, c.meta) for c in rebuilt] == [
                (c.text, c.start, c.end, c.token_count, c.index, c.meta) for c in chunks
            ]
            for a, b in zip(rebuilt, chunks, strict=True):
                np.testing.assert_array_equal(a.embedding, b.embedding)
    assert minilm_md.chunk_and_embed_arrays(documents[2]).metas[-1] == {"headings": ["Canals", "Locks"]}


def test_chunk_gives_the_chunks_of_chunk_and_embed_without_a_forward_pass(minilm):
    before = minilm.loaded.forward_calls
    chunks = minilm.chunk(BERLIN)
    assert minilm.loaded.forward_calls == before
    assert chunks and all(c.embedding is None for c in chunks)
    embedded = minilm.chunk_and_embed(BERLIN)
    assert [(c.start, c.end, c.token_count, c.index) for c in chunks] == [
        (c.start, c.end, c.token_count, c.index) for c in embedded
    ]


def test_array_results_hold_no_object_per_chunk(minilm):
    documents = [BERLIN, " ".join([BERLIN] * 3)]
    arrays = minilm.chunk_and_embed_arrays(documents)
    for rows in arrays:
        assert rows.metas is None and rows.starts.dtype == rows.token_counts.dtype == np.int64
        assert rows.embeddings.base is not None  # a view of the call's vectors, not a copy per document
