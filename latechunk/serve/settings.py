"""Server settings: one frozen dataclass that the command line fills and the app reads (no web imports).

The model, chunking and window settings are a ``LateChunkerSettings`` (declared once for every door
of latechunk); this module adds only what a server needs on top: its reported name, its limits and
timeouts, and its API keys. Each limit and timeout is declared once, here, with its default and help;
``latechunk serve`` makes one option of each (``server_fields``).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any, Literal

from latechunk.errors import SettingsError
from latechunk.settings import LateChunkerSettings

API_KEY_ENV = "LATECHUNK_API_KEY"
"""Environment variable with the accepted API key(s), comma-separated."""

DESCRIPTION = (
    "Serve an embeddings HTTP API on one loaded model: POST /v1/embeddings (the hosted jina-embeddings-v3 "
    "request; the openai client works too) and POST /v1/chunk-embed (chunk documents and embed every chunk in "
    "its document's context, late chunking). GET /health, /metrics (Prometheus), /docs (every field)."
)

ServerGroup = Literal["limits", "network"]


def _server_setting(default: Any, group: ServerGroup, help: str, *, minimum: float = 1) -> Any:
    return field(default=default, metadata={"group": group, "help": help, "minimum": minimum})


@dataclass(frozen=True)
class ServeSettings:
    """What the server loads, how much it accepts and how long it waits.

    ``late_chunker`` is the ``LateChunker`` every request starts from (a request's ``task``,
    ``dimensions``, ``chunker``, ``chunk_size`` and ``normalized`` override it). The limits bound one
    request (``max_inputs``, ``max_characters``, ``max_tokens``, ``max_body_bytes``; over one: 413
    naming it) and the whole server (``workers`` model calls at once, ``max_queue`` more waiting;
    beyond that: 503 with ``Retry-After``).
    """

    late_chunker: LateChunkerSettings = field(default_factory=LateChunkerSettings)
    model_name: str | None = None
    workers: int = _server_setting(
        32, "limits", "requests handed to the engine at once (threads; it batches their model calls together)"
    )
    max_queue: int = _server_setting(
        128, "limits", "requests waiting beyond --workers; the next one gets 503 with Retry-After", minimum=0
    )
    max_inputs: int = _server_setting(2048, "limits", "inputs (texts or documents) per request")
    max_characters: int = _server_setting(4_000_000, "limits", "characters per request, all inputs together")
    max_tokens: int = _server_setting(
        131_072,
        "limits",
        "model tokens per request, all inputs together, counted with the model's tokenizer (special tokens "
        "and instruction prefix included); a bigger request gets 413",
    )
    max_body_bytes: int = _server_setting(16 * 1024 * 1024, "limits", "request body size in bytes")
    slice_seconds: float = _server_setting(
        0.25,
        "limits",
        "fair share: the engine cuts a request's batches so that one forward pass takes about this long "
        "(measured), and takes other requests' windows between them, so a big request never holds the model "
        "for long; 0: batches as planned",
        minimum=0,
    )
    receive_timeout: float = _server_setting(
        60.0,
        "network",
        "seconds a client has to send a whole request (headers and body), counted from its connection or "
        "the first byte of the request; slower or silent connections are closed",
        minimum=0.001,
    )
    keep_alive_timeout: float = _server_setting(
        5.0, "network", "seconds an idle connection stays open between requests", minimum=0.001
    )
    retry_after_s: int = 1
    api_keys: tuple[str, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.late_chunker, LateChunkerSettings):
            raise TypeError(f"late_chunker must be a LateChunkerSettings, got {type(self.late_chunker).__name__}")
        for f in server_fields():
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < f.metadata["minimum"]:
                raise SettingsError(f"{f.name} must be a number of at least {f.metadata['minimum']}, got {value!r}")
        if self.retry_after_s < 1:
            raise SettingsError(f"retry_after_s must be at least 1, got {self.retry_after_s}")
        object.__setattr__(self, "api_keys", tuple(self.api_keys))
        for key in self.api_keys:
            check_api_key(key, "api_keys")

    @property
    def served_name(self) -> str:
        """The model name the API reports: ``model_name``, else the last part of the model id or folder."""
        model = self.late_chunker.model
        return self.model_name or PurePath(model.rstrip("/\\")).name or model


def server_fields(group: ServerGroup | None = None) -> tuple[dataclasses.Field, ...]:
    """The limit and timeout fields of ``ServeSettings`` (those of ``group`` when given), in declaration order."""
    return tuple(
        f
        for f in dataclasses.fields(ServeSettings)
        if "group" in f.metadata and (group is None or f.metadata["group"] == group)
    )


def check_api_key(key: Any, source: str) -> str:
    """``key`` if it can be sent as ``Authorization: Bearer <key>``; else a ``SettingsError`` naming ``source``."""
    if not isinstance(key, str):
        raise SettingsError(f"{source}: an API key must be a string, got {type(key).__name__}")
    if not key:
        raise SettingsError(f"{source}: an API key is empty")
    if any(c.isspace() or not c.isprintable() or c == "," for c in key):
        raise SettingsError(f"{source}: an API key holds white space, a comma or a control character")
    return key


def parse_api_keys(text: str, source: str) -> tuple[str, ...]:
    """The keys of a comma-separated list; a list that is blank or has an empty or malformed item is an error.

    Never an empty tuple: a list meant to hold keys that holds none must not start an open server.
    """
    items = [item.strip() for item in text.split(",")]
    if not any(items):
        raise SettingsError(
            f"{source} holds no API key ({text!r}); give at least one key, or leave it unset for an open server"
        )
    for position, item in enumerate(items, start=1):
        if not item:
            raise SettingsError(f"{source}: item {position} of the comma-separated key list is empty ({text!r})")
        check_api_key(item, f"{source}, item {position}")
    return tuple(items)


def api_keys_from_env(environ: dict[str, str] | None = None) -> tuple[str, ...]:
    """The keys in ``$LATECHUNK_API_KEY`` (comma-separated); none when it is unset, an error when it is set but
    blank or malformed."""
    value = (os.environ if environ is None else environ).get(API_KEY_ENV)
    return () if value is None else parse_api_keys(value, f"${API_KEY_ENV}")


def api_keys_from_file(path: str | os.PathLike[str]) -> tuple[str, ...]:
    """The keys in a file: one or more per line (comma-separated); blank lines and ``#`` comments are skipped.

    A file with no key is an error, as is an unreadable one.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"cannot read the API key file {os.fspath(path)!r}: {error}") from error
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1)]
    lines = [(n, line) for n, line in lines if line and not line.startswith("#")]
    if not lines:
        raise SettingsError(f"the API key file {os.fspath(path)!r} holds no key")
    return tuple(key for n, line in lines for key in parse_api_keys(line, f"{os.fspath(path)}, line {n}"))
