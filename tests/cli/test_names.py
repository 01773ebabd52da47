"""File names and other text as the command line prints them: on one line, escaped."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from latechunk.cli.names import shown


def test_names_are_shown_on_one_line():
    assert shown("a\nb\tc\x1bd") == "a\\nb\\tc\\x1bd" and shown("plain é") == "plain é"


@given(st.text())
def test_shown_text_is_always_one_printable_line(text):
    assert shown(text).isprintable() and "\n" not in shown(text)
