#!/usr/bin/env python3
"""Export speed per format: the reference table (10 columns) from PostgreSQL through the server-side cursor
into a file of each format, as the exporter writes it (the upload is left out: export_xlsx.py measures it).

    .venv/bin/python bench/export_formats.py [--rows 100000] [--format csv --format parquet ...]

For each format two figures: `cells_per_s` end to end (reading the rows from PostgreSQL + encoding +
writing), and `encode_cells_per_s`, the same rows already in memory (the encoder and the file alone), which
shows how much of the time is the database read. `read_cells_per_s` is the cursor alone. Issue 15's targets:
CSV ≥ 3M and Parquet ≥ 5M cells/s. Prints one JSON line per format and writes
bench/results/export_formats-<UTC timestamp>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from dmb_common.datasets import create_datasets_engine, table_for
from dmb_contracts.commands import ExportFormat, SqlDialect
from dmb_contracts.fields import TableSpec
from dmb_exporter.adapters.datasets_reader import stream_rows
from dmb_exporter.adapters.formats import write_export
from dmb_exporter.domain import ExportAbout
from dmb_testing.flow import REFERENCE_TABLE
from dmb_testing.servers import postgres_database
from export_xlsx import fill  # bench/ is the script's folder, so its sibling imports directly

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {ExportFormat.CSV: 3_000_000, ExportFormat.PARQUET: 5_000_000}


def timed_export(fmt: ExportFormat, rows: Any, spec: TableSpec, folder: Path) -> tuple[float, int, int]:
    """Seconds, rows and file size of one export of `rows` in format `fmt`."""
    path = folder / f"export.{fmt.value}"
    started = time.perf_counter()
    result = write_export(fmt, rows, spec, ExportAbout.for_spec(spec), path, sql_dialect=SqlDialect.POSTGRES)
    return time.perf_counter() - started, result.rows, path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the reference table (default 100000)")
    parser.add_argument("--format", action="append", choices=[f.value for f in ExportFormat], help="repeatable")
    args = parser.parse_args()
    formats = [ExportFormat(value) for value in args.format] if args.format else list(ExportFormat)
    spec = TableSpec.model_validate_json(REFERENCE_TABLE.read_text())
    name = f"{spec.table_name}_{args.rows}"
    spec = spec.model_copy(update={"table_name": name})
    width = len(spec.fields)
    runs: list[dict[str, Any]] = []
    with postgres_database("dmbbench") as url, tempfile.TemporaryDirectory() as folder:
        fill(url, spec, name, args.rows)
        engine = create_datasets_engine(url)
        table = table_for(spec)
        started = time.perf_counter()
        in_memory = list(stream_rows(engine, table))
        read_seconds = time.perf_counter() - started
        cells = len(in_memory) * width
        print(json.dumps({"read_cells_per_s": round(cells / read_seconds), "rows": len(in_memory)}), flush=True)
        for fmt in formats:
            seconds, count, size = timed_export(fmt, stream_rows(engine, table), spec, Path(folder))
            encode_seconds, _, _ = timed_export(fmt, iter(in_memory), spec, Path(folder))
            figures: dict[str, Any] = {
                "format": fmt.value,
                "rows": count,
                "cells": count * width,
                "seconds": round(seconds, 3),
                "cells_per_s": round(count * width / seconds),
                "encode_seconds": round(encode_seconds, 3),
                "encode_cells_per_s": round(count * width / encode_seconds),
                "size_bytes": size,
                "target_cells_per_s": TARGETS.get(fmt),
            }
            print(json.dumps(figures), flush=True)
            runs.append(figures)
        engine.dispose()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench" / "results" / f"export_formats-{stamp}.json"
    summary = {
        "benchmark": "export_formats",
        "at": stamp,
        "read_cells_per_s": round(cells / read_seconds),
        "runs": runs,
    }
    out.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
