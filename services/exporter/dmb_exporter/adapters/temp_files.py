"""The exporter's temporary files: one folder per export under one root, removed after the upload, and by a
sweep (at start-up, then periodically) when a crash left them behind.

A killed exporter cannot clean up: a 1,000,000-row workbook left 286 MB in the system temp folder for good.
Each folder's name says which process made it (`<pid>-<process token>-<export id>`), so a sweep removes
the folders of this process that no export is writing any more, and those of processes that are gone,
but never the folder of another exporter that still runs on the same host.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)


def default_root() -> Path:
    return Path(tempfile.gettempdir()) / "dmb-exports"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


class ExportTempFiles:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root or default_root()
        self.token = uuid.uuid4().hex[:12]
        self._active: set[str] = set()
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def folder(self, export_id: uuid.UUID) -> Iterator[Path]:
        """A fresh folder for one export's file; removed when the block ends, however it ends."""
        name = f"{os.getpid()}-{self.token}-{export_id.hex}"
        path = self.root / name
        with self._lock:
            self._active.add(name)
        try:
            path.mkdir(parents=True, exist_ok=True)
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)
            with self._lock:
                self._active.discard(name)

    def sweep(self) -> int:
        """Remove the folders no running export of a live exporter owns; returns how many were removed."""
        if not self.root.is_dir():
            return 0
        with self._lock:
            active = set(self._active)
        removed = 0
        for entry in self.root.iterdir():
            if self._still_owned(entry.name, active):
                continue
            size = _size(entry)
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
            log.info("removed the leftover export file %s (%d bytes)", entry.name, size)
        return removed

    def _still_owned(self, name: str, active: set[str]) -> bool:
        pid, _, rest = name.partition("-")
        token, _, _ = rest.partition("-")
        if token == self.token:
            return name in active
        if pid.isdigit() and int(pid) != os.getpid():
            return _process_alive(int(pid))
        return False  # this pid with another token: a crashed run of this process id before a restart


def _size(entry: Path) -> int:
    if entry.is_file():
        return entry.stat().st_size
    return sum(path.stat().st_size for path in entry.rglob("*") if path.is_file())
