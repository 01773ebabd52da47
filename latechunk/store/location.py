"""Where a store lives: a folder on disk or a collection on a Qdrant server."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from latechunk.store.local import is_store
from latechunk.store.store import DEFAULT_COLLECTION, Store


@dataclass(frozen=True)
class StoreLocation:
    """A store folder (``path``) or a Qdrant server (``url``, with its ``api_key``), and the collection."""

    path: str | None = None
    url: str | None = None
    collection: str = DEFAULT_COLLECTION
    api_key: str | None = field(default=None, repr=False)

    def open(self, *, create: bool) -> Store:
        """The store here (see ``Store.open``)."""
        return Store.open(path=self.path, url=self.url, collection=self.collection, create=create, api_key=self.api_key)

    def new_folder(self) -> Path | None:
        """The folder of a store path that holds no store yet (``None`` for an existing store or a server)."""
        if self.path is None:
            return None
        folder = Path(self.path).expanduser()
        return None if is_store(folder) else folder
