"""Uploading a finished file to the object store, retried with back-off when the store is unreachable."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from dmb_common.storage import ObjectStore, StoredObject

log = logging.getLogger(__name__)


class UploadFailed(Exception):
    pass


def upload_with_retry(
    store: ObjectStore,
    key: str,
    path: Path,
    content_type: str,
    *,
    attempts: int = 4,
    first_delay: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> StoredObject:
    """Put the file; on failure wait `first_delay`, then twice that, … and try again; after the last attempt
    remove whatever the store may hold under `key` and give up with the last reason.

    A put only counts when the store reports the object back with the file's size, so an export is never
    recorded as complete without its whole object behind it.
    """
    expected_size = path.stat().st_size
    started = time.monotonic()
    for attempt in range(1, attempts + 1):
        try:
            stored = store.put_file(key, path, content_type)
            if stored.size_bytes != expected_size:
                raise OSError(f"the store holds {stored.size_bytes} bytes of a {expected_size}-byte file")
            return stored
        except Exception as exc:  # any storage error: network, credentials, server, short object
            # The store's error names its endpoint, bucket and key: for the operator's log, not the user.
            log.warning("upload of %s failed (attempt %d/%d): %s", key, attempt, attempts, exc)
            if attempt == attempts:
                discard_object(store, key)
                raise UploadFailed(unavailable_reason(attempts, time.monotonic() - started)) from exc
            sleep(first_delay * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def unavailable_reason(attempts: int, seconds: float) -> str:
    """What the user reads when the store stayed away: plain words, no endpoint, bucket or key."""
    tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
    return f"the file store is unavailable; {tries} over {max(1, round(seconds))} s"


def discard_object(store: ObjectStore, key: str) -> None:
    """Best effort: remove an object (or the debris of a failed upload) that no export record will point at.

    The SDK aborts a failed multipart upload itself; this removes an object that was written although the
    upload was reported as failed (e.g. the connection dropped before the answer arrived). If the store is
    still unreachable the key is logged; it is deterministic per export, so it can be removed later.
    """
    try:
        store.delete(key)
    except Exception as exc:  # the store may be the very thing that is down
        log.warning("could not remove %s after a failed export: %s", key, exc)
