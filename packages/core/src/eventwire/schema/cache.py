"""``BoundedCache``: the schema-registry lookups a process keeps, bounded and thread-safe."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from eventwire.errors import SchemaError

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """A bounded map; the oldest entry goes first when it is full. Thread-safe.

    Reads take no lock (a dict read is atomic): a hit is the hot path of
    every framed record, and entries never change once written.
    """

    def __init__(self, capacity: int) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise SchemaError(f"cache_size={capacity!r} must be a positive whole number")
        self._items: dict[K, V] = {}
        self.capacity = capacity
        self._lock = threading.Lock()
        # The dict's own get: no Python frame between a hit and its value.
        self.get: Callable[[K], V | None] = self._items.get

    def get_or_make(self, key: K, make: Callable[[K], V]) -> V:
        """The cached value, or ``make(key)`` stored; one ``make`` per key even under races.

        ``make`` runs under the cache's lock: misses are rare (a registry request
        each), and threads that miss together wait for one request.
        """
        found = self._items.get(key)
        if found is not None:
            return found
        with self._lock:
            found = self._items.get(key)
            if found is None:
                found = make(key)
                self._put(key, found)
            return found

    def _put(self, key: K, value: V) -> None:
        self._items[key] = value
        while len(self._items) > self.capacity:
            del self._items[next(iter(self._items))]

    def __len__(self) -> int:
        return len(self._items)
