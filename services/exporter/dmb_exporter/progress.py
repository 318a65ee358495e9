"""An export's progress while its file is written: rows counted as they stream out of the datasets database,
reported about every second (and once at the start) as ExportProgressed, so the export shows `running`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TypeVar

Row = TypeVar("Row")


class RowCounter:
    """Counts the rows passing through `counted` and calls `report(written, total)` at most every `every`
    seconds, from the thread that writes the file."""

    def __init__(self, total: int, report: Callable[[int, int], None], *, every: float = 1.0) -> None:
        self.total = total
        self.written = 0
        self._report = report
        self._every = every
        self._last = time.monotonic()

    def start(self) -> None:
        self._report(0, self.total)

    def add(self, rows: int) -> None:
        """`rows` more written elsewhere (the xlsx writer's worker processes), reported as `counted` does."""
        self.written += rows
        if time.monotonic() - self._last >= self._every:
            self._last = time.monotonic()
            self._report(self.written, self.total)

    def counted(self, rows: Iterator[Row]) -> Iterator[Row]:
        for row in rows:
            yield row
            self.written += 1
            # The clock is read every 1,000 rows only: a row costs microseconds, monotonic() a fraction of one.
            if self.written % 1000 == 0 and time.monotonic() - self._last >= self._every:
                self._last = time.monotonic()
                self._report(self.written, self.total)
