"""Wire formats: base64 is little-endian float32, binary/ubinary pack sign bits like the hosted API."""

from __future__ import annotations

import base64
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from latechunk.serve.encoding import decode, encode

matrices = arrays(
    np.float32,
    st.tuples(st.integers(1, 4), st.integers(1, 70)),
    elements=st.floats(-1, 1, width=32, allow_subnormal=False),
)


@given(matrices)
def test_float_and_base64_round_trip_exactly(matrix):
    for kind in ("float", "base64"):
        back = np.stack([decode(v, kind) for v in encode(matrix, kind)])
        np.testing.assert_array_equal(back, matrix)


@given(matrices)
def test_binary_and_ubinary_hold_the_sign_bits(matrix):
    dim = matrix.shape[1]
    for kind in ("binary", "ubinary"):
        values = encode(matrix, kind)
        assert all(len(v) == -(-dim // 8) for v in values)
        bits = np.stack([decode(v, kind, dim) for v in values])
        np.testing.assert_array_equal(bits, (matrix > 0).astype(np.uint8))


def test_base64_is_little_endian_float32():
    (value,) = encode(np.array([[1.0, -2.5]], dtype=np.float32), "base64")
    assert base64.b64decode(value) == struct.pack("<2f", 1.0, -2.5)


def test_packing_matches_the_hosted_layout():
    # bit 7 of the first byte is dimension 0 (numpy.packbits); binary is ubinary - 128 as int8
    row = np.array([[0.5, -1, -1, -1, -1, -1, -1, 0.1, -1, 0.2]], dtype=np.float32)
    (ubinary,) = encode(row, "ubinary")
    (binary,) = encode(row, "binary")
    assert ubinary == [0b10000001, 0b01000000]
    assert binary == [0b10000001 - 128, 0b01000000 - 128]


def test_unknown_type_is_refused():
    with pytest.raises(ValueError, match="embedding_type"):
        encode(np.zeros((1, 2)), "int4")
