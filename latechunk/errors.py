"""The exceptions and warnings latechunk raises: one family, catchable as ``LateChunkError``.

Each error is also the built-in exception a Python user expects (``ValueError`` for a bad value,
``TypeError`` for a wrong type), so ``except ValueError`` keeps working.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager


class LateChunkError(ValueError):
    """Base class of the errors latechunk raises on bad input, settings or checkpoints."""


class SettingsError(LateChunkError):
    """A setting has a value latechunk cannot use; the message names the parameter."""


class SettingsTypeError(SettingsError, TypeError):
    """A setting has the wrong type; the message names the parameter."""


class InputTypeError(LateChunkError, TypeError):
    """An input is not text (``None``, ``bytes``, a number); the message names its index."""


class InvalidTextError(LateChunkError):
    """An input is a ``str`` but not valid text (a lone surrogate); the message names index and position."""


class EmptyTextError(InvalidTextError):
    """An input to ``embed`` is empty or only white space: there is nothing to embed; the message names its index."""


class AlignmentError(LateChunkError):
    """A character span and the tokenizer's offsets do not line up."""


class UnknownTaskError(SettingsError):
    """The model has no such task."""


class CheckpointError(LateChunkError):
    """A checkpoint's files do not hold what its layout needs (weights, LoRA adapters)."""


class LateChunkWarning(UserWarning):
    """A document gave a documented but possibly surprising result."""


@contextmanager
def naming(name: str) -> Iterator[None]:
    """Errors raised inside get ``name: `` before their message and keep their type.

    ``name`` is the input the error is about (``documents[3]``), which a message raised deep in a
    chunker or tokenizer cannot know. An error whose type cannot be built from a message alone is
    raised as it is, with a note naming the input.
    """
    try:
        yield
    except Exception as error:
        message = str(error)
        if message.startswith(name):
            raise
        if not isinstance(error, LateChunkError) and type(error) not in _PLAIN_MESSAGE_ERRORS:
            error.add_note(f"raised for {name}")  # its other attributes (errno, key, ...) stay as they are
            raise
        try:
            renamed = type(error)(f"{name}: {message}")
        except Exception:  # noqa: BLE001 - a constructor that wants other arguments
            renamed = None
        if renamed is None:
            error.add_note(f"raised for {name}")
            raise
        raise renamed from error


_PLAIN_MESSAGE_ERRORS = (ValueError, TypeError, RuntimeError)


def lone_document_reason(error: BaseException) -> str:
    """``"Type: message"`` of an error from a call on one document, without the ``documents[0]: `` the
    call added (the caller names the document: a file, a dataset row)."""
    return f"{type(error).__name__}: {str(error).removeprefix('documents[0]: ')}"


"""Built-in errors that hold nothing but their message: renamed like latechunk's own."""


def warn(message: str, category: type[Warning] = LateChunkWarning) -> None:
    """``warnings.warn`` attributed to the first caller outside latechunk (in a worker thread: its last frame)."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame = sys._getframe(1)
    level = 1
    while frame.f_back is not None and os.path.abspath(frame.f_code.co_filename).startswith(package + os.sep):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level + 1)
