"""A test hook that kills a worker process once, so that Ray's restart-and-retry path can be tested."""

from __future__ import annotations

import os
from pathlib import Path

DIE_ONCE_VARIABLE = "LATECHUNK_RAY_DIE_ONCE"
"""Environment variable naming a marker file; set on the workers, it works like ``die_once``."""


def die_once(marker: str | os.PathLike[str] | None) -> None:
    """Kill this process (``os._exit``) unless ``marker`` exists; create it first, so only one worker dies.

    With no ``marker`` argument the ``LATECHUNK_RAY_DIE_ONCE`` variable is read; with neither,
    nothing happens. A killed Ray Data worker is restarted by Ray and its batch retried.
    """
    path = marker if marker is not None else os.environ.get(DIE_ONCE_VARIABLE)
    if not path:
        return
    try:
        with Path(path).open("x"):
            pass
    except FileExistsError:
        return
    os._exit(1)
