"""Indexing files into a store: one flow (``index_files``) run by an executor, here (``LocalExecutor``) or on Ray
(``latechunk.distributed.indexing.RayExecutor``). A library layer: the command line is one caller."""

from __future__ import annotations

from latechunk.indexing.flow import NOTHING_READ, index_files, nothing_read
from latechunk.indexing.job import Executor, IndexJob, Reporter, Tally
from latechunk.indexing.local import LocalExecutor

__all__ = ["NOTHING_READ", "Executor", "IndexJob", "LocalExecutor", "Reporter", "Tally", "index_files", "nothing_read"]
