"""Text that is not text: typed errors naming the input's index and position, and unreadable scripts."""

from __future__ import annotations

import warnings

import pytest

import latechunk
from latechunk.errors import EmptyTextError, InputTypeError, InvalidTextError, LateChunkError, LateChunkWarning
from latechunk.inputs import as_embed_list


@pytest.mark.parametrize("bad", [None, b"bytes", 3, ["nested"]])
def test_a_non_string_names_its_index(minilm, bad):
    with pytest.raises(InputTypeError, match=r"documents\[2\]") as raised:
        minilm.chunk_and_embed(["a.", "b.", bad])
    assert isinstance(raised.value, TypeError) and isinstance(raised.value, LateChunkError)
    if isinstance(bad, bytes):
        assert "decode" in str(raised.value)


def test_a_lone_surrogate_names_index_and_position(minilm):
    broken = b"caf\xe9 ok".decode("utf-8", errors="surrogateescape")  # a Latin-1 byte read as UTF-8
    with pytest.raises(InvalidTextError, match=r"documents\[1\]: lone surrogate '\\udce9' at 3") as raised:
        minilm.chunk_and_embed(["fine.", broken])
    assert "errors='replace'" in str(raised.value)
    with pytest.raises(InvalidTextError, match=r"texts\[0\]"):
        minilm.embed(["\ud800 alone"])
    with pytest.raises(InvalidTextError, match="document"):
        minilm.embed_spans("x\udfffy", [(0, 1)])
    with pytest.raises(InputTypeError, match="must be a list"):
        minilm.chunk_and_embed(b"bytes")


def test_text_the_model_cannot_read_warns_with_the_share(minilm):
    thai = "ภาษาไทยเป็นภาษาราชการของประเทศไทย ประเทศไทยมีประชากรประมาณเจ็ดสิบล้านคน"
    with pytest.warns(LateChunkWarning, match=r"documents\[1\]: \d+% of its tokens are the tokenizer's unknown") as got:
        minilm.chunk_and_embed(["Berlin is a city.", thai])
    assert [w.filename for w in got] == [__file__]  # attributed to the caller's line, not latechunk's
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        minilm.chunk_and_embed(["Berlin is a city. Bonjour à tous, 北京 is Beijing."])  # mixed but readable


@pytest.mark.parametrize("blank", ["", " ", " \n\t\u3000 "])
def test_as_embed_list_refuses_an_empty_or_blank_text_naming_it(blank):
    with pytest.raises(EmptyTextError) as raised:
        as_embed_list(["ok", blank], "input")
    assert str(raised.value) == "input[1] is empty or only white space; there is nothing to embed"
    assert isinstance(raised.value, InvalidTextError) and isinstance(raised.value, ValueError)
    assert latechunk.EmptyTextError is EmptyTextError
    assert as_embed_list(["ok", " x "], "input") == ["ok", " x "]
    with pytest.raises(InvalidTextError, match=r"input\[1\]: lone surrogate"):
        as_embed_list(["", "\ud800"], "input")  # a text that is not text is named before an empty one


@pytest.mark.parametrize("late_chunking", [False, True])
@pytest.mark.parametrize(("texts", "name"), [("", "texts[0]"), ("  ", "texts[0]"), (["ok", ""], "texts[1]")])
def test_embed_refuses_empty_text_with_and_without_late_chunking(minilm, texts, name, late_chunking):
    with pytest.raises(EmptyTextError) as raised:
        minilm.embed(texts, late_chunking=late_chunking)
    assert str(raised.value) == f"{name} is empty or only white space; there is nothing to embed"


def test_chunk_and_embed_keeps_its_rule_for_empty_documents(minilm):
    assert minilm.chunk_and_embed(["", " \n ", "Berlin."])[:2] == [[], []]
    assert minilm.chunk_and_embed("", late_chunking=False) == []
