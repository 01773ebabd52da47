"""Wire formats of a vector, as the hosted jina-embeddings-v3 and OpenAI APIs send them.

- ``float``: a JSON list of numbers.
- ``base64``: the float32 values, little-endian, base64-encoded (what the ``openai`` client asks for by default).
- ``ubinary``: one sign bit per dimension (1 where the value is positive), packed eight to a byte,
  most significant bit first (``numpy.packbits``), as uint8 numbers; ``ceil(dim / 8)`` of them.
- ``binary``: the same bytes as int8, ``ubinary - 128``.
"""

from __future__ import annotations

import base64
from typing import Literal, get_args

import numpy as np

EmbeddingType = Literal["float", "base64", "binary", "ubinary"]
EMBEDDING_TYPES: tuple[str, ...] = get_args(EmbeddingType)


def encode(matrix: np.ndarray, embedding_type: EmbeddingType) -> list:
    """One wire value per row of an ``(n, dim)`` float matrix."""
    matrix = np.asarray(matrix, dtype=np.float32)
    if embedding_type == "float":
        return matrix.tolist()
    if embedding_type == "base64":
        little = matrix.astype("<f4", copy=False)
        return [base64.b64encode(row.tobytes()).decode("ascii") for row in little]
    packed = np.packbits(matrix > 0, axis=-1)
    if embedding_type == "ubinary":
        return packed.tolist()
    if embedding_type == "binary":
        return (packed.astype(np.int16) - 128).astype(np.int8).tolist()
    raise ValueError(f"embedding_type must be one of {', '.join(EMBEDDING_TYPES)}, got {embedding_type!r}")


def decode(value: list | str, embedding_type: EmbeddingType, dim: int | None = None) -> np.ndarray:
    """The inverse for clients and tests: floats back, or the sign bits (0/1) of ``dim`` dimensions."""
    if embedding_type == "float":
        return np.asarray(value, dtype=np.float32)
    if embedding_type == "base64":
        return np.frombuffer(base64.b64decode(value), dtype="<f4").astype(np.float32)
    raw = np.asarray(value, dtype=np.int16)
    if embedding_type == "binary":
        raw = raw + 128
    bits = np.unpackbits(raw.astype(np.uint8))
    return bits if dim is None else bits[:dim]
