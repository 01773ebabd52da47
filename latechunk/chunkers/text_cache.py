"""A small thread-safe LRU cache of per-text results, bounded by the characters it keeps alive."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class SizedCache(Generic[V]):
    """Keeps results for recently seen keys while their total size stays within ``budget``.

    Each entry's size is given by the caller (for a text: its length plus what the result
    holds). An entry larger than ``max_entry`` is never stored, so one huge document cannot
    evict everything else, and the least recently used entries go first.
    """

    def __init__(self, budget: int, max_entry: int) -> None:
        if budget < 0 or max_entry < 0:
            raise ValueError("cache sizes must be non-negative")
        self.budget = budget
        self.max_entry = max_entry
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        """The summed size of the entries held now."""
        return self._size

    def __len__(self) -> int:
        return len(self._entries)

    def get_or_compute(self, key: Hashable, compute: Callable[[], V], size_of: Callable[[V], int]) -> V:
        """The cached value for ``key``, or ``compute()`` stored when it fits the limits."""
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                return hit[0]
        value = compute()
        size = size_of(value)
        if size > self.max_entry or size > self.budget:
            return value
        with self._lock:
            if key not in self._entries:
                self._entries[key] = (value, size)
                self._size += size
                while self._size > self.budget:
                    _, (_, dropped) = self._entries.popitem(last=False)
                    self._size -= dropped
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0
