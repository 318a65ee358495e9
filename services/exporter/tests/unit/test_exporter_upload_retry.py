"""upload_with_retry with a fake store: how often it tries, how long it waits, what counts as stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from dmb_common.storage import StoredObject
from dmb_exporter.adapters.upload import UploadFailed, upload_with_retry


class FlakyStore:
    """Fails the first `failures` puts; can report fewer bytes than it was given; remembers deletions."""

    def __init__(self, failures: int, *, short_by: int = 0) -> None:
        self.failures, self.short_by = failures, short_by
        self.puts = 0
        self.objects: dict[str, bytes] = {}
        self.deleted: list[str] = []

    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject:
        self.puts += 1
        if self.puts <= self.failures:
            raise ConnectionRefusedError("connection refused")
        data = path.read_bytes()[: -self.short_by or None]
        self.objects[key] = data
        return StoredObject(key=key, size_bytes=len(data), sha256="0" * 64, content_type=content_type)

    def iter_object(self, key: str) -> Iterator[bytes]:
        return iter([self.objects[key]])

    def delete(self, key: str) -> None:
        self.deleted.append(key)
        self.objects.pop(key, None)

    def presigned_url(self, key: str, expires: timedelta) -> str | None:
        return None


@pytest.fixture
def export_file(tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    path.write_bytes(b"id\r\n1\r\n")
    return path


def test_the_waits_between_attempts_double(export_file: Path) -> None:
    store, waits = FlakyStore(failures=3), []
    stored = upload_with_retry(store, "k.csv", export_file, "text/csv", attempts=4, first_delay=0.5, sleep=waits.append)
    assert waits == [0.5, 1.0, 2.0]
    assert (store.puts, stored.size_bytes, store.objects["k.csv"]) == (4, 7, b"id\r\n1\r\n")
    assert store.deleted == []


def test_after_the_last_attempt_the_upload_fails_with_the_reason_and_the_key_is_cleared(export_file: Path) -> None:
    store, waits = FlakyStore(failures=10), []
    with pytest.raises(UploadFailed, match="the file store is unavailable; 3 attempts over 1 s"):
        upload_with_retry(store, "k.csv", export_file, "text/csv", attempts=3, first_delay=0.1, sleep=waits.append)
    assert (store.puts, waits, store.deleted) == (3, [0.1, 0.2], ["k.csv"])


def test_a_short_object_does_not_count_as_stored(export_file: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = FlakyStore(failures=0, short_by=2)
    with pytest.raises(UploadFailed, match="the file store is unavailable; 2 attempts"):
        upload_with_retry(store, "k.csv", export_file, "text/csv", attempts=2, sleep=lambda _: None)
    assert store.objects == {}
    assert "holds 5 bytes of a 7-byte file" in caplog.text
