"""The one error type the command line reports as a message instead of a traceback."""

from __future__ import annotations


class CliError(Exception):
    """A problem the user can fix (bad store, incompatible settings, nothing to index).

    ``main`` prints it as ``latechunk: error: <message>`` and exits with status 1.
    """


def missing_extra(package: str, error: ImportError) -> CliError:
    """The message for an optional dependency of the command line that is not installed."""
    return CliError(f'{package} is missing ({error}); install the command line extra: pip install "latechunk[cli]"')
