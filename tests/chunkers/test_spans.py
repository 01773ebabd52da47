"""Caller-given chunks: validated spans, and strings located in the document."""

from __future__ import annotations

import numpy as np
import pytest

from latechunk import AlignmentError
from latechunk.chunkers import spans_from_pieces, validate_spans

TEXT = "Alpha beta.\n\nGamma delta. Epsilon."


def test_valid_spans_are_returned_as_int_pairs_in_the_given_order():
    assert validate_spans(TEXT, [(13, 25), [0, 11]]) == [(13, 25), (0, 11)]
    checked = validate_spans(TEXT, np.array([[0, 5], [6, 11]]))
    assert checked == [(0, 5), (6, 11)] and all(type(x) is int for span in checked for x in span)
    assert validate_spans(TEXT, []) == []


@pytest.mark.parametrize(
    ("spans", "error"),
    [
        ([(0, 0)], AlignmentError),
        ([(5, 3)], AlignmentError),
        ([(-1, 3)], AlignmentError),
        ([(0, len(TEXT) + 1)], AlignmentError),
        ([(0, 1, 2)], TypeError),
        ([None], TypeError),
        ([(0.0, 3)], TypeError),
        ([(False, 3)], TypeError),
    ],
)
def test_invalid_spans_are_refused(spans, error):
    with pytest.raises(error):
        validate_spans(TEXT, spans)


def test_pieces_are_located_with_the_separators_between_them():
    assert spans_from_pieces(TEXT, ["Alpha beta.", "Gamma delta.", "Epsilon."]) == [(0, 11), (13, 25), (26, 34)]
    repeated = "ab ab ab"
    assert spans_from_pieces(repeated, ["ab", "ab", "ab"]) == [(0, 2), (3, 5), (6, 8)]


@pytest.mark.parametrize(
    ("pieces", "message"),
    [
        (["Alpha beta.", "Epsilon."], "dropped"),
        (["Gamma delta."], "dropped"),
        (["Alpha beta.", "Gamma delta."], "after the last piece"),
        (["Alpha beta.", "missing"], "does not occur"),
        (["Alpha beta.", ""], "empty"),
    ],
)
def test_pieces_that_do_not_make_up_the_document_are_refused(pieces, message):
    with pytest.raises(AlignmentError, match=message):
        spans_from_pieces(TEXT, pieces)


def test_a_piece_must_be_a_string():
    with pytest.raises(TypeError, match="string"):
        spans_from_pieces(TEXT, ["Alpha beta.", 3])
