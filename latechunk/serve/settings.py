"""Server settings: one frozen dataclass that the command line fills and the app reads (no web imports).

The model, chunking and window settings are a ``LateChunkerSettings`` (declared once for every door
of latechunk); this module adds only what a server needs on top: its reported name and its limits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import PurePath

from latechunk.settings import LateChunkerSettings

API_KEY_ENV = "LATECHUNK_API_KEY"
"""Environment variable with the accepted API key(s), comma-separated."""


@dataclass(frozen=True)
class ServeSettings:
    """What the server loads and how much it accepts.

    ``late_chunker`` is the ``LateChunker`` every request starts from (a request's ``task``,
    ``dimensions``, ``chunker``, ``chunk_size`` and ``normalized`` override it). The limits bound one
    request (``max_inputs``, ``max_characters``, ``max_body_bytes``) and the whole server
    (``workers`` model calls at once, ``max_queue`` more waiting; beyond that a request is refused
    with 503 and ``Retry-After``).
    """

    late_chunker: LateChunkerSettings = field(default_factory=LateChunkerSettings)
    model_name: str | None = None
    workers: int = 32
    max_queue: int = 128
    max_inputs: int = 2048
    max_characters: int = 4_000_000
    max_body_bytes: int = 16 * 1024 * 1024
    retry_after_s: int = 1
    api_keys: tuple[str, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.late_chunker, LateChunkerSettings):
            raise TypeError(f"late_chunker must be a LateChunkerSettings, got {type(self.late_chunker).__name__}")
        for name in ("workers", "max_inputs", "max_characters", "max_body_bytes", "retry_after_s"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.max_queue < 0:
            raise ValueError(f"max_queue must be at least 0, got {self.max_queue}")
        if any(not key for key in self.api_keys):
            raise ValueError("an API key may not be empty")

    @property
    def served_name(self) -> str:
        """The model name the API reports: ``model_name``, else the last part of the model id or folder."""
        model = self.late_chunker.model
        return self.model_name or PurePath(model.rstrip("/\\")).name or model


def api_keys_from_env(environ: dict[str, str] | None = None) -> tuple[str, ...]:
    """The keys in ``$LATECHUNK_API_KEY`` (comma-separated), or none."""
    value = (os.environ if environ is None else environ).get(API_KEY_ENV, "")
    return tuple(key.strip() for key in value.split(",") if key.strip())
