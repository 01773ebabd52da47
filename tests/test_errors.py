"""``naming``: which errors get the input's name in their message, and which keep their message and get a note."""

from __future__ import annotations

import errno

import pytest

from latechunk.errors import AlignmentError, naming


def test_latechunk_and_plain_message_errors_get_the_name_and_keep_their_type_and_cause():
    for error in (AlignmentError("spans out of step"), ValueError("bad"), RuntimeError("broke")):
        with pytest.raises(type(error)) as raised, naming("documents[3]"):
            raise error
        assert type(raised.value) is type(error)
        assert str(raised.value).startswith("documents[3]: ") and raised.value.__cause__ is error


def test_errors_with_more_than_a_message_are_raised_as_they_are_with_a_note():
    error = OSError(errno.ENOENT, "No such file", "/tmp/missing")
    with pytest.raises(OSError) as raised, naming("documents[1]"):
        raise error
    assert raised.value is error and raised.value.errno == errno.ENOENT and raised.value.filename == "/tmp/missing"
    assert raised.value.__notes__ == ["raised for documents[1]"]
    with pytest.raises(KeyError) as key_error, naming("documents[2]"):
        raise KeyError("k")
    assert key_error.value.args == ("k",) and key_error.value.__notes__ == ["raised for documents[2]"]


def test_the_reason_of_a_lone_document_call_drops_the_index_the_call_added():
    from latechunk.errors import lone_document_reason

    assert lone_document_reason(AlignmentError("documents[0]: span 2 covers no token")) == (
        "AlignmentError: span 2 covers no token"
    )
    assert lone_document_reason(ValueError("documents[3]: other")) == "ValueError: documents[3]: other"
