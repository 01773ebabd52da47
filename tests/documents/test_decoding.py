"""Reading text files: byte-order marks, UTF-8, then charset-normalizer's guess; binary refused."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from latechunk.documents.decoding import DecodeError, decode_text
from latechunk.documents.names import path_key

texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), min_size=1).filter(
    lambda t: t.strip()
)


@given(texts)
def test_utf8_round_trips_without_a_note(text):
    decoded = decode_text(text.encode("utf-8"))
    assert decoded.text == text and decoded.note is None


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be"])
@given(text=texts)
def test_a_byte_order_mark_decides(encoding, text):
    marks = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE, "utf-32-be": codecs.BOM_UTF32_BE}
    data = marks.get(encoding, b"") + text.encode(encoding)
    decoded = decode_text(data)
    assert decoded.text == text
    assert (decoded.note is None) == (encoding == "utf-8-sig")


def test_guesses_are_reported():
    decoded = decode_text("Honeybees live in colonies; the queen lays eggs.".encode("utf-16-be"))
    assert decoded.text.startswith("Honeybees") and decoded.note == "read as UTF-16-BE (guessed by charset-normalizer)"
    decoded = decode_text("Grüße aus München, schöne Straße".encode("latin-1"))
    assert decoded.text == "Grüße aus München, schöne Straße" and "CP1252" in (decoded.note or "")


@pytest.mark.parametrize("data", [b"", b"\0\0\0", b"  \n\t", b"\xff\xfe" + "a\0b".encode("utf-16-le")])
def test_no_text_is_refused(data):
    with pytest.raises(DecodeError):
        decode_text(data)


def test_names_are_stored_as_utf8():
    assert path_key("/d/bad\udcffname.txt") == "/d/bad\\xffname.txt"
    assert path_key("/d/café.txt") == "/d/café.txt"


@given(st.binary(min_size=1).filter(lambda b: b"/" not in b and b"\0" not in b))
def test_every_file_name_has_a_utf8_key(name):
    import os

    key = path_key("/d/" + os.fsdecode(name))
    key.encode("utf-8")  # never raises
    assert key.startswith("/d/")


def test_unpaired_surrogates_are_replaced_and_noted():
    from latechunk.documents.decoding import Decoded, scrubbed

    fixed = scrubbed(Decoded("a\ud800b\udfffc", "read as X"))
    assert fixed.text == "a\ufffdb\ufffdc" and fixed.note == "read as X; unpaired surrogates replaced by U+FFFD"
    assert scrubbed(Decoded("fine \U0001f600")) == Decoded("fine \U0001f600")
