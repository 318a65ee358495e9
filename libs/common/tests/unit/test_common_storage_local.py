"""The local-folder object store (embedded mode): atomic puts, streamed reads, keys that cannot escape."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from dmb_common.storage import LocalFolderStore, ObjectNotFound


@pytest.fixture
def store(tmp_path: Path) -> LocalFolderStore:
    return LocalFolderStore(tmp_path / "objects")


def _file(tmp_path: Path, content: bytes, name: str = "upload.bin") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_a_put_object_reads_back_with_its_size_and_checksum(store: LocalFolderStore, tmp_path: Path) -> None:
    content = b"x" * (3 * 1024 * 1024 + 17)  # several read chunks
    stored = store.put_file("exports/owner/report.xlsx", _file(tmp_path, content), "application/octet-stream")

    assert stored.key == "exports/owner/report.xlsx"
    assert stored.size_bytes == len(content)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert stored.content_type == "application/octet-stream"
    chunks = list(store.iter_object("exports/owner/report.xlsx"))
    assert len(chunks) > 1
    assert b"".join(chunks) == content
    assert not list((tmp_path / "objects").rglob("*.partial"))


def test_a_second_put_replaces_the_object(store: LocalFolderStore, tmp_path: Path) -> None:
    store.put_file("a/b.csv", _file(tmp_path, b"old"), "text/csv")
    stored = store.put_file("a/b.csv", _file(tmp_path, b"newer", "second.bin"), "text/csv")
    assert b"".join(store.iter_object("a/b.csv")) == b"newer"
    assert stored.size_bytes == 5


def test_a_deleted_object_is_gone_and_deleting_again_is_harmless(store: LocalFolderStore, tmp_path: Path) -> None:
    store.put_file("k.txt", _file(tmp_path, b"data"), "text/plain")
    store.delete("k.txt")
    with pytest.raises(ObjectNotFound):
        store.iter_object("k.txt")
    store.delete("k.txt")


def test_a_missing_object_is_reported_when_asked_for_not_while_streaming(store: LocalFolderStore) -> None:
    with pytest.raises(ObjectNotFound):
        store.iter_object("never/written.xlsx")  # no iteration needed: a download can still answer 404


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../outside", "a/../../b", "a/./b", "a//b", "a/", "..", "."])
def test_keys_that_could_escape_the_folder_are_refused(store: LocalFolderStore, tmp_path: Path, key: str) -> None:
    source = _file(tmp_path, b"data")
    with pytest.raises(ValueError, match="invalid object key"):
        store.put_file(key, source, "text/plain")
    with pytest.raises(ValueError, match="invalid object key"):
        store.iter_object(key)
    with pytest.raises(ValueError, match="invalid object key"):
        store.delete(key)
    assert not (tmp_path / "outside").exists()


def test_a_failed_put_leaves_no_partial_file(store: LocalFolderStore, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        store.put_file("x/y.bin", tmp_path / "does-not-exist.bin", "application/octet-stream")
    assert [p for p in (tmp_path / "objects").rglob("*") if p.is_file()] == []


def test_a_local_folder_has_no_presigned_url(store: LocalFolderStore, tmp_path: Path) -> None:
    store.put_file("k.txt", _file(tmp_path, b"data"), "text/plain")
    assert store.presigned_url("k.txt", timedelta(minutes=5)) is None
