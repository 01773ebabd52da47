"""Late chunking on Ray Data: ``chunk_and_embed`` a Dataset of documents on a pool of model-holding actors.

Needs ``pip install "latechunk[distributed]"`` (Ray Data). ``import latechunk`` never imports Ray.
"""

from __future__ import annotations

try:
    import ray.data  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised only without the extra
    hint = 'pip install "latechunk[distributed]"'
    raise ImportError(f"latechunk.distributed needs Ray Data ({error}); {hint}") from error

from latechunk.distributed.columns import CHUNK_COLUMNS, chunk_id
from latechunk.distributed.pipeline import chunk_and_embed, split_errors

__all__ = ["CHUNK_COLUMNS", "chunk_and_embed", "chunk_id", "split_errors"]
