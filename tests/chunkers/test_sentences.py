"""SentenceChunker and sentence segmentation (spaCy sentencizer plus CJK marks)."""

from __future__ import annotations

import pytest

from latechunk import LateChunker
from latechunk.chunkers import SentenceChunker, get_chunker, split_sentences, token_counts

ENGLISH = (
    "Berlin is the capital of Germany. It has about 3.8 million inhabitants! Is it large? "
    "The river Spree flows through it. Many tourists visit every year."
)


def texts(text, spans):
    return [text[s:e] for s, e in spans]


def test_sentences_are_split_at_sentence_punctuation():
    assert texts(ENGLISH, split_sentences(ENGLISH)) == [
        "Berlin is the capital of Germany.",
        "It has about 3.8 million inhabitants!",
        "Is it large?",
        "The river Spree flows through it.",
        "Many tourists visit every year.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "北京是中国的首都。它有很多历史悠久的建筑！你去过吗？",
            ["北京是中国的首都。", "它有很多历史悠久的建筑！", "你去过吗？"],
        ),
        (
            "東京は日本の首都です。とても大きな都市ですね！行ったことがありますか？",
            ["東京は日本の首都です。", "とても大きな都市ですね！", "行ったことがありますか？"],
        ),
        ("他说：“我来了。”然后走了。", ["他说：“我来了。”", "然后走了。"]),
        ("「はい。」と言った。本当？！うん｡", ["「はい。」", "と言った。", "本当？！", "うん｡"]),
        ("你好.我很好!真的吗?是的", ["你好.", "我很好!", "真的吗?", "是的"]),
    ],
)
def test_chinese_and_japanese_without_spaces_split_at_their_marks(text, expected):
    assert texts(text, split_sentences(text)) == expected


def test_blank_lines_end_sentences_and_whitespace_is_trimmed():
    text = "  A heading\n\nFirst line without a stop\n \t\nLast one.  \n"
    assert texts(text, split_sentences(text)) == ["A heading", "First line without a stop", "Last one."]


def test_a_trained_pipeline_can_be_passed():
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer", config={"punct_chars": [";"]})
    text = "one; two. three; four"
    assert texts(text, split_sentences(text, nlp)) == ["one;", "two. three;", "four"]
    assert texts(text, SentenceChunker(chunk_size=None, nlp=nlp).split(text)) == ["one;", "two. three;", "four"]


def test_segmentation_is_repeatable_and_callers_get_their_own_list():
    first = split_sentences(ENGLISH)
    first.clear()
    assert split_sentences(ENGLISH) == split_sentences(ENGLISH) != []


def test_sentences_are_packed_up_to_chunk_size(offsets_of, valid_spans):
    offsets = offsets_of(ENGLISH)
    spans = SentenceChunker(chunk_size=16).split(ENGLISH, offsets)
    assert texts(ENGLISH, spans) == [
        "Berlin is the capital of Germany. It has about 3.8 million inhabitants!",
        "Is it large? The river Spree flows through it.",
        "Many tourists visit every year.",
    ]
    valid_spans(ENGLISH, spans, offsets, chunk_size=16)


def test_sentences_per_chunk_and_overlap(offsets_of, valid_spans):
    offsets = offsets_of(ENGLISH)
    spans = SentenceChunker(chunk_size=None, sentences_per_chunk=2, overlap=1).split(ENGLISH, offsets)
    sentences = texts(ENGLISH, split_sentences(ENGLISH))
    assert texts(ENGLISH, spans) == [" ".join(sentences[i : i + 2]) for i in range(4)]
    valid_spans(ENGLISH, spans, offsets, overlapping=True)
    both = SentenceChunker(chunk_size=100, sentences_per_chunk=3).split(ENGLISH, offsets)
    assert texts(ENGLISH, both) == [" ".join(sentences[:3]), " ".join(sentences[3:])]


def test_a_sentence_longer_than_the_cap_is_cut_on_tokens_at_word_starts(offsets_of, valid_spans):
    text = " ".join(f"word{i}" for i in range(40))  # no punctuation at all
    offsets = offsets_of(text)
    spans = SentenceChunker(chunk_size=16, hard_max_tokens=70).split(text, offsets)
    counts = token_counts(offsets, spans)
    assert len(spans) == -(-len(offsets) // 16)  # one chunk per chunk_size
    assert counts.max() - counts.min() <= 3  # balanced, not 16 + 16 + a tail
    assert all(s == 0 or text[s - 1] == " " for s, _ in spans)
    valid_spans(text, spans, offsets, chunk_size=16)


def test_empty_and_whitespace_texts_give_no_spans(offsets_of):
    for text in ("", "   \n\n\t "):
        assert split_sentences(text) == []
        assert SentenceChunker(chunk_size=8).split(text, offsets_of(text)) == []


def test_chunk_size_needs_offsets_and_bad_settings_are_refused():
    with pytest.raises(ValueError, match="offsets"):
        SentenceChunker(chunk_size=8).split(ENGLISH)
    with pytest.raises(ValueError, match="chunk_size"):
        SentenceChunker(chunk_size=0).split(ENGLISH, [[0, 6]])
    with pytest.raises(ValueError, match="unknown chunker"):
        get_chunker("words")


def test_a_sentence_the_tokenizer_cannot_see_joins_its_neighbour(offsets_of, valid_spans):
    text = "Hello there.\n\n\x00\x01\u200b\n\nGoodbye now."
    offsets = offsets_of(text)
    spans = SentenceChunker(chunk_size=None, sentences_per_chunk=1).split(text, offsets)
    assert texts(text, spans) == ["Hello there.\n\n\x00\x01\u200b", "Goodbye now."]
    valid_spans(text, spans, offsets)


def test_late_chunker_uses_sentence_chunks_by_default(minilm_path, offsets_of):
    lc = LateChunker(minilm_path, chunk_size=16)
    assert isinstance(lc.chunker, SentenceChunker) and lc.chunker.chunk_size == 16
    text = "Hello there.\n\n\x00\x01\n\nGoodbye now. " + ENGLISH
    chunks = lc.chunk_and_embed(text)
    assert [(c.start, c.end) for c in chunks] == SentenceChunker(chunk_size=16).split(text, offsets_of(text))
    assert all(0 < c.token_count <= 16 for c in chunks)


def test_a_period_inside_a_word_does_not_end_a_sentence():
    text = "The first will be from Mr.Samson. Open config.yaml now. Done."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "The first will be from Mr.Samson.",
        "Open config.yaml now.",
        "Done.",
    ]


LOCKS = (
    "A pound lock has two pairs of gates and a chamber between them. To raise a boat, the keeper "
    "closes the bottom gates and opens the paddles of the top gates, so that water flows into the "
    "chamber until its level matches the upper pound; only when the water on both sides of the top "
    "gates is equal can the gates be pushed open by their balance beams. Lowering a boat works the "
    "other way round."
)


def test_by_default_no_chunk_ends_inside_a_sentence(minilm_path):
    lc = LateChunker(minilm_path)  # default chunker and chunk size (32 tokens)
    chunks = lc.chunk(LOCKS)
    ends = {e for _, e in split_sentences(LOCKS)}
    assert [c.end for c in chunks if c.end not in ends] == []
    long_one = next(c for c in chunks if "balance beams" in c.text)
    assert long_one.text.startswith("To raise a boat") and long_one.token_count > 32


def test_the_old_behaviour_cuts_long_sentences(offsets_of):
    offsets = offsets_of(LOCKS)
    spans = SentenceChunker(chunk_size=32, hard_max_tokens=None).split(LOCKS, offsets)
    ends = {e for _, e in split_sentences(LOCKS)}
    assert any(e not in ends for _, e in spans)
    assert max(token_counts(offsets, spans)) <= 32
