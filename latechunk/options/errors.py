"""The error a command reports as a one-line message (``latechunk: error: ...``) instead of a traceback."""

from __future__ import annotations


class CommandError(Exception):
    """A problem the user can fix on the command line (a missing argument, options that do not go together)."""
