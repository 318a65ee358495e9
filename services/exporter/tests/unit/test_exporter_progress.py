"""An export's progress: rows counted as they stream here, or told in batches by the xlsx writer's workers."""

from __future__ import annotations

from dmb_exporter.progress import RowCounter


def test_rows_told_by_workers_are_reported_with_the_total() -> None:
    heard: list[tuple[int, int]] = []
    counter = RowCounter(25_000, lambda written, total: heard.append((written, total)), every=0.0)
    counter.start()
    counter.add(10_000)
    counter.add(15_000)
    assert heard == [(0, 25_000), (10_000, 25_000), (25_000, 25_000)]
    assert counter.written == 25_000


def test_rows_told_within_the_interval_are_counted_but_not_reported() -> None:
    heard: list[tuple[int, int]] = []
    counter = RowCounter(20_000, lambda written, total: heard.append((written, total)), every=3600.0)
    counter.add(10_000)
    assert heard == []
    assert counter.written == 10_000
