"""The shared reference points (../shared/bench/reference.py): the same rows made the simplest ways, timed in
the same run as our benchmarks so the comparison shares the machine's state."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def _find_reference() -> Path:
    """../shared/bench/reference.py beside the repository, or beside any folder above it (a git worktree in
    /work/wt/<name> shares /work/shared with the main checkout)."""
    for folder in Path(__file__).resolve().parents[1:]:
        candidate = folder / "shared" / "bench" / "reference.py"
        if candidate.exists():
            return candidate
    return Path(__file__).resolve().parents[2] / "shared" / "bench" / "reference.py"


REFERENCE = _find_reference()


def reference(mode: str, rows: int) -> dict[str, Any] | None:
    """reference.py's figures for `mode` ("limit": Faker straight into openpyxl; "naive": one ORM insert per
    row and an in-memory workbook) and `rows`; None where the shared folder is not beside the repository."""
    if not REFERENCE.exists():
        return None
    done = subprocess.run([sys.executable, str(REFERENCE), mode, str(rows)], capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
