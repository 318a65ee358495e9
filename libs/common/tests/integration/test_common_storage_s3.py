"""The S3 object store against a real S3 server (SeaweedFS here; MinIO or AWS in production)."""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from dmb_common.storage import UPLOAD_PART_BYTES, ObjectNotFound, S3Store

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file(tmp_path: Path, content: bytes, name: str = "upload.bin") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_a_put_object_reads_back_with_its_size_checksum_and_content_type(s3_store: S3Store, tmp_path: Path) -> None:
    content = os.urandom(100_000)
    stored = s3_store.put_file("exports/owner/report.xlsx", _file(tmp_path, content), XLSX)

    assert (stored.key, stored.size_bytes, stored.content_type) == ("exports/owner/report.xlsx", len(content), XLSX)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert b"".join(s3_store.iter_object("exports/owner/report.xlsx")) == content
    stat = s3_store.client.stat_object(s3_store.bucket, "exports/owner/report.xlsx")
    assert stat.content_type == XLSX
    assert stat.metadata is not None
    assert stat.metadata.get("x-amz-meta-sha256") == stored.sha256


def test_a_file_over_the_part_size_goes_up_in_parts_and_comes_back_whole(s3_store: S3Store, tmp_path: Path) -> None:
    content = os.urandom(2 * UPLOAD_PART_BYTES) + os.urandom(5 * 1024 * 1024 + 123)  # three parts
    stored = s3_store.put_file("big/export.csv", _file(tmp_path, content), "text/csv")

    assert stored.size_bytes == len(content)
    digest = hashlib.sha256()
    size = 0
    for chunk in s3_store.iter_object("big/export.csv"):
        digest.update(chunk)
        size += len(chunk)
    assert (size, digest.hexdigest()) == (len(content), stored.sha256)
    # A multipart upload's ETag is "<md5 of the part md5s>-<number of parts>".
    etag = s3_store.client.stat_object(s3_store.bucket, "big/export.csv").etag
    assert etag is not None
    assert etag.endswith("-3")


def test_a_presigned_url_downloads_the_object_without_credentials(s3_store: S3Store, tmp_path: Path) -> None:
    content = b"id,name\r\n1,Ann\r\n"
    s3_store.put_file("shared/list.csv", _file(tmp_path, content), "text/csv")

    url = s3_store.presigned_url("shared/list.csv", timedelta(minutes=5))

    assert url is not None
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the loopback test server
        assert response.read() == content
        assert response.headers["Content-Type"] == "text/csv"


def test_a_tampered_presigned_url_is_refused(s3_store: S3Store, tmp_path: Path) -> None:
    s3_store.put_file("private/a.csv", _file(tmp_path, b"secret"), "text/csv")
    url = s3_store.presigned_url("private/a.csv", timedelta(minutes=5))
    assert url is not None
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url.replace("private/a.csv", "private/b.csv"), timeout=10)  # noqa: S310
    assert refused.value.code in (403, 404)


def test_a_deleted_object_is_gone(s3_store: S3Store, tmp_path: Path) -> None:
    s3_store.put_file("gone.txt", _file(tmp_path, b"data"), "text/plain")
    s3_store.delete("gone.txt")
    with pytest.raises(ObjectNotFound):
        s3_store.iter_object("gone.txt")
    s3_store.delete("gone.txt")  # deleting twice is harmless, as S3 defines it


def test_a_missing_object_is_reported_when_asked_for_not_while_streaming(s3_store: S3Store) -> None:
    with pytest.raises(ObjectNotFound):
        s3_store.iter_object("never/written.xlsx")


def test_the_bucket_is_created_on_first_use(seaweed_endpoint: str, tmp_path: Path) -> None:
    from dmb_testing.seaweed import ACCESS_KEY, SECRET_KEY

    store = S3Store(seaweed_endpoint, ACCESS_KEY, SECRET_KEY, "dmbtest-first-use")
    try:
        assert not store.client.bucket_exists("dmbtest-first-use")
        store.put_file("k", _file(tmp_path, b"v"), "text/plain")
        assert b"".join(store.iter_object("k")) == b"v"
    finally:
        store.delete("k")
        store.client.remove_bucket("dmbtest-first-use")


@pytest.mark.parametrize("key", ["../x", "/abs", "a//b", ""])
def test_keys_with_empty_or_dot_segments_are_refused(s3_store: S3Store, tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="invalid object key"):
        s3_store.put_file(key, _file(tmp_path, b"v"), "text/plain")


def test_an_endpoint_must_be_an_http_url() -> None:
    with pytest.raises(ValueError, match="http"):
        S3Store("127.0.0.1:9000", "a", "b", "bucket")
