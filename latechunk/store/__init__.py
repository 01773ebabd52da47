"""The store of ``latechunk index``: chunk vectors, file records and build settings in Qdrant (a folder or a server).

A library layer below the doors: the local index, Ray's writer and search all use this one implementation.
"""

from __future__ import annotations

from latechunk.store.agreement import check_index, check_query
from latechunk.store.errors import StoreError
from latechunk.store.local import check_local, is_store
from latechunk.store.location import StoreLocation
from latechunk.store.records import Damage, FileChunks, FileRecord, Hit, StoredChunk
from latechunk.store.settings import (
    DEFAULT_CHUNKER,
    DEFAULT_PASSAGE_TASK,
    DEFAULT_QUERY_TASK,
    STORED_SETTINGS,
    BuildSettings,
    new_store_settings,
)
from latechunk.store.store import DEFAULT_COLLECTION, Store

__all__ = [
    "DEFAULT_CHUNKER",
    "DEFAULT_COLLECTION",
    "DEFAULT_PASSAGE_TASK",
    "DEFAULT_QUERY_TASK",
    "STORED_SETTINGS",
    "BuildSettings",
    "Damage",
    "FileChunks",
    "FileRecord",
    "Hit",
    "Store",
    "StoreError",
    "StoreLocation",
    "StoredChunk",
    "check_index",
    "check_local",
    "check_query",
    "is_store",
    "new_store_settings",
]
