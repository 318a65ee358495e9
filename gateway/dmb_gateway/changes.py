"""Who waits for a row of the read model to change: the projection says when it changed one, and an event
stream (a job's server-sent events) wakes at once instead of re-reading the row on a timer.

Only this process's projection notifies. With several gateway processes an event may be folded in by
another one, so a waiter still re-reads after `within` seconds when nothing woke it (the old polling
interval, now a fallback)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Hashable, Iterator


class Watch:
    """One waiter's view of one key: `changed()` returns as soon as the key changed since the last call."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def _set(self) -> None:
        self._event.set()

    async def changed(self, within: float) -> bool:
        """Wait until the key changes (True) or `within` seconds pass (False). A change that happened since the
        previous call (or since the watch began) returns at once: none is lost between a read and a wait."""
        try:
            async with asyncio.timeout(within):
                await self._event.wait()
        except TimeoutError:
            return False
        self._event.clear()
        return True


class Changes:
    def __init__(self) -> None:
        self._watches: dict[Hashable, set[Watch]] = {}

    def notify(self, key: Hashable) -> None:
        """The row `key` changed (called after the projection committed it)."""
        for watch in self._watches.get(key, ()):
            watch._set()

    @contextlib.contextmanager
    def watching(self, key: Hashable) -> Iterator[Watch]:
        """A watch on `key` for the block's duration. Enter it before reading the row, so a change made
        between the read and the wait still wakes the waiter."""
        watch = Watch()
        self._watches.setdefault(key, set()).add(watch)
        try:
            yield watch
        finally:
            watches = self._watches.get(key)
            if watches is not None:
                watches.discard(watch)
                if not watches:
                    del self._watches[key]

    def watched(self) -> int:
        """How many keys someone waits on (tests: no watch outlives its stream)."""
        return len(self._watches)
