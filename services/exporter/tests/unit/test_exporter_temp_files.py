"""Export temp files: gone after each export, and a sweep removes what crashed exports left, never the folder
of an export still being written (here or by another live exporter on the host)."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest
from dmb_exporter.adapters.temp_files import ExportTempFiles


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_an_exports_folder_is_removed_when_it_ends_even_by_an_error(tmp_path: Path) -> None:
    temp = ExportTempFiles(tmp_path)

    def failed_export() -> None:
        with temp.folder(uuid.uuid4()) as folder:
            (folder / "export.xlsx").write_bytes(b"x" * 1000)
            raise RuntimeError("the upload failed")

    with pytest.raises(RuntimeError):
        failed_export()
    assert list(tmp_path.iterdir()) == []


def test_the_sweep_removes_crash_leftovers_and_keeps_folders_still_in_use(tmp_path: Path) -> None:
    temp = ExportTempFiles(tmp_path)
    crashed = tmp_path / f"{dead_pid()}-0123456789ab-{uuid.uuid4().hex}"  # a killed exporter's
    earlier_run = tmp_path / f"{os.getpid()}-ba9876543210-{uuid.uuid4().hex}"  # this pid, before a restart
    other_live = tmp_path / f"{os.getppid()}-aaaaaaaaaaaa-{uuid.uuid4().hex}"  # a live exporter's
    for folder in (crashed, earlier_run, other_live):
        folder.mkdir()
        (folder / "export.xlsx").write_bytes(b"x" * 2048)

    with temp.folder(uuid.uuid4()) as mine:
        (mine / "export.csv").write_text("id\n1\n")
        assert temp.sweep() == 2
        assert sorted(path.name for path in tmp_path.iterdir()) == sorted([other_live.name, mine.name])
    assert [path.name for path in tmp_path.iterdir()] == [other_live.name]


def test_the_sweep_of_a_missing_root_does_nothing(tmp_path: Path) -> None:
    assert ExportTempFiles(tmp_path / "never-made").sweep() == 0
