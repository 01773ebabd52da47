"""The error a store raises for a problem its user can fix: no store there, a damaged one, settings that disagree."""

from __future__ import annotations

from latechunk.errors import LateChunkError


class StoreError(LateChunkError):
    """A store that cannot be used as asked; the message says what to do (the command line prints it)."""
