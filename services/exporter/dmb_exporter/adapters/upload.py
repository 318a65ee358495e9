"""Uploading a finished file to the object store, retried with back-off when the store is unreachable."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from dmb_common.storage import ObjectStore, StoredObject

log = logging.getLogger(__name__)


class UploadFailed(Exception):
    pass


def upload_with_retry(
    store: ObjectStore, key: str, path: Path, content_type: str, *, attempts: int = 4, first_delay: float = 0.5
) -> StoredObject:
    """Put the file; on failure wait 0.5 s, 1 s, 2 s … and try again, then give up with the last reason."""
    for attempt in range(1, attempts + 1):
        try:
            return store.put_file(key, path, content_type)
        except Exception as exc:  # any storage error: network, credentials, server
            if attempt == attempts:
                raise UploadFailed(f"the object store refused the upload after {attempts} attempts: {exc}") from exc
            log.warning("upload of %s failed (attempt %d/%d): %s", key, attempt, attempts, exc)
            time.sleep(first_delay * 2 ** (attempt - 1))
    raise AssertionError("unreachable")
