"""Server settings: one frozen dataclass that the command line fills and the app reads (no web imports)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import PurePath

from latechunk.defaults import DEFAULT_MODEL

API_KEY_ENV = "LATECHUNK_API_KEY"
"""Environment variable with the accepted API key(s), comma-separated."""


@dataclass(frozen=True)
class ServeSettings:
    """What the server loads and how much it accepts.

    Model settings are passed to ``LateChunker``; the limits bound one request (``max_inputs``,
    ``max_characters``, ``max_body_bytes``) and the whole server (``workers`` model calls at once,
    ``max_queue`` more waiting; beyond that a request is refused with 503 and ``Retry-After``).
    """

    model: str = DEFAULT_MODEL
    model_name: str | None = None
    device: str | None = None
    dtype: str | None = None
    max_length: int | None = None
    batch_size: int = 32
    max_batch_tokens: int = 16384
    local_files_only: bool = False
    trust_remote_code: bool = False
    chunker: str = "sentences"
    chunk_size: int | None = None
    workers: int = 4
    max_queue: int = 64
    max_inputs: int = 2048
    max_characters: int = 4_000_000
    max_body_bytes: int = 16 * 1024 * 1024
    retry_after_s: int = 1
    api_keys: tuple[str, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        for name in ("batch_size", "max_batch_tokens", "workers", "max_inputs", "max_characters", "max_body_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.max_queue < 0:
            raise ValueError(f"max_queue must be at least 0, got {self.max_queue}")
        if any(not key for key in self.api_keys):
            raise ValueError("an API key may not be empty")

    @property
    def served_name(self) -> str:
        """The model name the API reports: ``model_name``, else the last part of the model id or folder."""
        return self.model_name or PurePath(self.model.rstrip("/\\")).name or self.model

    def load_kwargs(self) -> dict:
        """Keyword arguments of ``LateChunker`` that choose and place the model."""
        return {
            "device": self.device,
            "dtype": self.dtype,
            "max_length": self.max_length,
            "batch_size": self.batch_size,
            "max_batch_tokens": self.max_batch_tokens,
            "local_files_only": self.local_files_only,
            "trust_remote_code": self.trust_remote_code,
            "show_progress_bar": False,
        }


def api_keys_from_env(environ: dict[str, str] | None = None) -> tuple[str, ...]:
    """The keys in ``$LATECHUNK_API_KEY`` (comma-separated), or none."""
    value = (os.environ if environ is None else environ).get(API_KEY_ENV, "")
    return tuple(key.strip() for key in value.split(",") if key.strip())
