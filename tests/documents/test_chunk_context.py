"""The text kept around each chunk: about 80 characters each side, cut at spaces."""

from __future__ import annotations

from latechunk.documents import context


def test_context_is_cut_at_spaces():
    text = "alpha beta gamma delta " * 10
    start, end = 100, 120
    before, after = context(text, start, end, width=30)
    assert text[:start].endswith(before) and text[end:].startswith(after)
    assert 20 <= len(before) <= 30 and not before.startswith(("lta", "mma", "eta", "pha"))
    assert 20 <= len(after) <= 30 and text[end + len(after)] == " "
