"""Object storage for exported files: a local folder (embedded mode) or any S3 endpoint (minio SDK).

The calls are blocking; async callers run them with asyncio.to_thread.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol
from urllib.parse import urlsplit

import certifi
import urllib3
from minio import Minio
from minio.error import S3Error
from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from urllib3 import BaseHTTPResponse  # what minio's get_object returns

CHUNK = 1024 * 1024
#: A multipart upload's parts: each is held in memory while it is sent, and minio reads one more ahead, so an
#: upload holds ~(in flight + 1) x part size whatever the file's size. 16 MB x 3 put the exporter at 254 MB
#: peak RSS for a 1,000,000-row workbook (issue 15: <= 200 MB); S3's smallest part is 5 MB.
UPLOAD_PART_BYTES = 8 * CHUNK
UPLOADS_IN_FLIGHT = 2


class StoredObject(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    size_bytes: int
    sha256: str
    content_type: str


class ObjectNotFound(LookupError):
    pass


#: How long a connection to the S3 endpoint may take to open, and a read may stall. The SDK's defaults are
#: five minutes each, with five retries: a download asked while the store was down hung for that long.
S3_CONNECT_SECONDS = 3.0
S3_READ_SECONDS = 120.0
S3_RETRIES = 2


class ObjectStore(Protocol):
    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject: ...

    def iter_object(self, key: str) -> Iterator[bytes]:
        """The object's bytes in chunks. A missing object raises ObjectNotFound from this call itself, before
        any byte is produced, so a download endpoint can still answer 404."""
        ...

    def delete(self, key: str) -> None: ...

    def presigned_url(self, key: str, expires: timedelta) -> str | None: ...


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _safe_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"invalid object key {key!r}")
    return key


# The chunk generators are separate from iter_object so that its look-up runs when it is called: a generator
# function's body, ObjectNotFound included, would only run at the first next(), after a response has started.


def _file_chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while block := handle.read(CHUNK):
            yield block


def _response_chunks(response: BaseHTTPResponse) -> Iterator[bytes]:
    try:
        yield from response.stream(CHUNK)
    finally:
        response.close()
        response.release_conn()


class LocalFolderStore:
    """Objects as files under one folder; written atomically (temp file + rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / _safe_key(key)

    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        try:
            shutil.copyfile(path, partial)
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)  # a failed copy (disk full, ...) leaves no debris next to the objects
            raise
        return StoredObject(
            key=key, size_bytes=target.stat().st_size, sha256=sha256_of(target), content_type=content_type
        )

    def iter_object(self, key: str) -> Iterator[bytes]:
        try:
            handle = self._path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise ObjectNotFound(key) from exc
        return _file_chunks(handle)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def presigned_url(self, key: str, expires: timedelta) -> str | None:
        return None  # a local folder has no URL of its own; downloads go through the gateway


class S3Store:
    """Any S3 endpoint through the minio SDK; large files go up as multipart uploads."""

    def __init__(
        self, endpoint_url: str, access_key: str, secret_key: str, bucket: str, region: str | None = None
    ) -> None:
        parts = urlsplit(endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"S3 endpoint must be an http(s) URL, got {endpoint_url!r}")
        self.bucket = bucket
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=S3_CONNECT_SECONDS, read=S3_READ_SECONDS),
            maxsize=10,
            cert_reqs="CERT_REQUIRED",
            ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
            retries=urllib3.Retry(total=S3_RETRIES, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
        )
        self.client = Minio(
            parts.netloc,
            access_key=access_key,
            secret_key=secret_key,
            secure=parts.scheme == "https",
            region=region,
            http_client=http,
        )
        self._bucket_ready = False

    def ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        if not self.client.bucket_exists(self.bucket):
            try:
                self.client.make_bucket(self.bucket)
            except S3Error as exc:
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
        self._bucket_ready = True

    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject:
        self.ensure_bucket()
        checksum = sha256_of(path)
        self.client.fput_object(
            self.bucket,
            _safe_key(key),
            str(path),
            content_type=content_type,
            metadata={"sha256": checksum},
            part_size=UPLOAD_PART_BYTES,
            num_parallel_uploads=UPLOADS_IN_FLIGHT,
        )
        stat = self.client.stat_object(self.bucket, key)
        return StoredObject(key=key, size_bytes=stat.size or 0, sha256=checksum, content_type=content_type)

    def iter_object(self, key: str) -> Iterator[bytes]:
        try:
            response = self.client.get_object(self.bucket, _safe_key(key))
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchBucket"):
                raise ObjectNotFound(key) from exc
            raise
        return _response_chunks(response)

    def delete(self, key: str) -> None:
        self.client.remove_object(self.bucket, _safe_key(key))

    def presigned_url(self, key: str, expires: timedelta) -> str | None:
        return self.client.presigned_get_object(self.bucket, _safe_key(key), expires=expires)
