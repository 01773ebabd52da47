"""An index run: what to index into which store (``IndexJob``), who embeds it (an ``Executor``), where it says
what it skipped (a ``Reporter``), and what it did (``Tally``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from latechunk.store import BuildSettings, FileRecord, Store, StoreLocation

if TYPE_CHECKING:
    from latechunk import LateChunker


@dataclass
class Tally:
    """What one index run did."""

    indexed: int = 0
    chunks: int = 0
    unchanged: int = 0
    failed: int = 0
    removed: int = 0


class Reporter(Protocol):
    """Where an index run says what it skipped, what it assumed, and what it repaired."""

    def skipped(self, path: Path | str, problem: str) -> None: ...

    def note(self, path: Path | str, note: str) -> None: ...

    def warn(self, message: str) -> None: ...


@dataclass
class IndexJob:
    """The files to bring into an open store: those whose content hash matches their record are skipped,
    unless ``stale`` (their chunks were lost). ``given`` holds the run's own settings (device, dtype, batch
    sizes); the vectors follow the store's ``settings``. ``late_chunker``, when loaded already, serves files of
    the store's default chunker."""

    store: Store
    location: StoreLocation
    settings: BuildSettings
    given: Mapping[str, Any]
    files: list[Path]
    records: dict[str, FileRecord]
    stale: set[str] = field(default_factory=set)
    late_chunker: LateChunker | None = None

    def known_hashes(self) -> dict[str, str]:
        """The content hash of each file whose stored chunks can be kept when the file is unchanged."""
        return {key: record.sha256 for key, record in self.records.items() if key not in self.stale}


class Executor(Protocol):
    """Embeds the new and changed files of a job into its store, counting what it did in ``tally``."""

    def index(self, job: IndexJob, tally: Tally, reporter: Reporter) -> None: ...
