"""Text that is not text: typed errors naming the input's index and position, and unreadable scripts."""

from __future__ import annotations

import warnings

import pytest

from latechunk.errors import InputTypeError, InvalidTextError, LateChunkError, LateChunkWarning


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
