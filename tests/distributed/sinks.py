"""A QdrantDatasink that opens an on-disk store instead of a server, for the tests (no Qdrant server here).

It lives in its own importable module so that Ray's write tasks can unpickle it.
"""

from __future__ import annotations

from latechunk.distributed.qdrant import QdrantDatasink
from latechunk.store import Store


class FolderDatasink(QdrantDatasink):
    def __init__(self, folder: str, **kwargs):
        super().__init__("unused", "latechunk", **kwargs)
        self.folder = folder

    def _open(self) -> Store:
        return Store.open(path=self.folder, create=False)
