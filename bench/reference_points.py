"""The shared reference points (../shared/bench/reference.py): the same rows made the simplest ways, timed in
the same run as our benchmarks so the comparison shares the machine's state."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "bench" / "reference.py"


def reference(mode: str, rows: int) -> dict[str, Any] | None:
    """reference.py's figures for `mode` ("limit": Faker straight into openpyxl; "naive": one ORM insert per
    row and an in-memory workbook) and `rows`; None where the shared folder is not beside the repository."""
    if not REFERENCE.exists():
        return None
    done = subprocess.run([sys.executable, str(REFERENCE), mode, str(rows)], capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
