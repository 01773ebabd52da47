"""The call an engine job belongs to: whether it is still wanted, and how the engine shares the model with it.

A door (the HTTP server) runs each request's library call inside ``calling(Call(...))``. The engine
reads the context in the caller's thread when it submits a window group (``Encoder._run``), so
cancellation and fairness need no parameter through ``LateChunker``. A cancelled call stops at the
next window boundary: the encoder checks before each group, the runner before each batch, and the
caller gets ``CallCancelled``. Outside any ``calling`` block there is no call: nothing is cancelled
and batches run as planned.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

_NUMBERS = itertools.count(1)


class CallCancelled(Exception):
    """The call was cancelled (its client went away); raised in the caller's thread at a window boundary."""


@dataclass(eq=False)
class Call:
    """One caller's use of the engine.

    ``name`` identifies the call in logs and errors. ``slice_seconds``: while this call's windows run,
    the runner cuts their batches so that one forward pass takes about this long (measured), so other
    calls get the model between them; ``None``: batches as planned.
    """

    name: str = field(default_factory=lambda: f"call-{next(_NUMBERS)}")
    slice_seconds: float | None = None
    forward_passes: int = 0
    """Forward passes that ran windows of this call (counted by the runner)."""
    windows_run: int = 0
    """Sequences (windows) of this call run through the model."""
    _cancelled: threading.Event = field(default_factory=threading.Event, repr=False)
    _reason: str = field(default="", repr=False)

    def cancel(self, reason: str = "cancelled") -> None:
        """Stop this call's engine work at the next window boundary (from any thread)."""
        self._reason = reason
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check(self) -> None:
        """Raise ``CallCancelled`` if the call was cancelled."""
        if self._cancelled.is_set():
            raise self.cancellation()

    def cancellation(self) -> CallCancelled:
        """The error a cancelled call's caller gets."""
        return CallCancelled(f"{self.name}: {self._reason}")


_CURRENT: ContextVar[Call | None] = ContextVar("latechunk_call", default=None)


def current_call() -> Call | None:
    """The call the calling thread works for, or ``None``."""
    return _CURRENT.get()


def checked_call() -> Call | None:
    """``current_call()``, after raising ``CallCancelled`` if it was cancelled."""
    call = _CURRENT.get()
    if call is not None:
        call.check()
    return call


@contextmanager
def calling(call: Call) -> Iterator[Call]:
    """Run the block's engine work as ``call`` (in this thread and the context it runs in)."""
    token = _CURRENT.set(call)
    try:
        yield call
    finally:
        _CURRENT.reset(token)
