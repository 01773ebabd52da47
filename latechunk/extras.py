"""Optional dependencies: the error raised when one that a feature needs is not installed."""

from __future__ import annotations


class MissingExtraError(ImportError):
    """A package of an optional extra is missing; the message names the extra that installs it."""


def missing_extra(package: str, error: ImportError, extra: str = "cli") -> MissingExtraError:
    """The error for ``package`` missing (``error`` says how): install ``latechunk[extra]``."""
    what = "the command line extra" if extra == "cli" else "the extra"
    return MissingExtraError(f'{package} is missing ({error}); install {what}: pip install "latechunk[{extra}]"')
