#!/usr/bin/env python3
"""Export speed and memory: the reference table from PostgreSQL (server-side cursor) into an xlsx, uploaded
to a real S3 endpoint (SeaweedFS), as the exporter service does it.

    .venv/bin/python bench/export_xlsx.py [--rows 100000] [--rows 1000000 ...]

The rows are generated and inserted by this process; each export then runs in a fresh child process, so its
peak RSS (the kernel's high-water mark, VmHWM) is the export's own and not the insert's. Several `--rows`
show whether memory stays flat as the table grows. Prints typed cells/s and peak RSS per size and writes
bench/results/export_xlsx-<UTC timestamp>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import multiprocessing
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from dmb_common.datasets import create_datasets_engine, table_for
from dmb_common.storage import S3Store
from dmb_contracts.commands import ExportFormat
from dmb_contracts.fields import TableSpec
from dmb_exporter.adapters.datasets_reader import stream_rows
from dmb_exporter.adapters.formats import write_export
from dmb_exporter.domain import EXCEL_MAX_DATA_ROWS, ExportAbout
from dmb_generator.adapters.datasets_writer import insert_chunk
from dmb_generator.domain import generate_chunk
from dmb_testing.flow import REFERENCE_TABLE
from dmb_testing.seaweed import ACCESS_KEY, SECRET_KEY, seaweed_server
from dmb_testing.servers import postgres_database

ROOT = Path(__file__).resolve().parents[1]
CHUNK_ROWS = 10_000


def peak_rss_mb() -> float:
    """This process's resident-set high-water mark. VmHWM belongs to the process's own address space, unlike
    getrusage's ru_maxrss, which a child can inherit from its parent's size at fork time."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def fill(url: str, spec: TableSpec, table_name: str, rows: int) -> None:
    engine = create_datasets_engine(url)
    table = table_for(spec.model_copy(update={"table_name": table_name}))
    table.metadata.create_all(engine)
    job = uuid.uuid4()
    for chunk, first in enumerate(range(0, rows, CHUNK_ROWS)):
        values = generate_chunk(spec, seed=1, chunk_index=chunk, first_row=first, rows=min(CHUNK_ROWS, rows - first))
        insert_chunk(engine, table, values, job_id=job, chunk_index=chunk)
    engine.dispose()


def export(url: str, endpoint: str, spec_json: str, table_name: str) -> dict[str, Any]:
    """Run in a child process: stream the table into an xlsx and upload it; the figures of that alone."""
    spec = TableSpec.model_validate_json(spec_json).model_copy(update={"table_name": table_name})
    engine = create_datasets_engine(url)
    table = table_for(spec)
    store = S3Store(endpoint, ACCESS_KEY, SECRET_KEY, "dmb-bench")
    rss_before = peak_rss_mb()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.xlsx"
        started = time.perf_counter()
        result = write_export(ExportFormat.XLSX, stream_rows(engine, table), spec, ExportAbout.for_spec(spec), path)
        written = time.perf_counter() - started
        rss_written = peak_rss_mb()  # the upload's multipart buffers come on top of this, bounded by part size
        stored = store.put_file(f"bench/{table_name}.xlsx", path, result.content_type)
        seconds = time.perf_counter() - started
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == result.rows
    engine.dispose()
    cells = result.rows * len(spec.fields)
    return {
        "rows": result.rows,
        "cells": cells,
        "sheets": max(1, math.ceil(result.rows / EXCEL_MAX_DATA_ROWS)),
        "write_seconds": round(written, 3),
        "total_seconds": round(seconds, 3),
        "rows_per_s": round(result.rows / seconds),
        "cells_per_s": round(cells / seconds),
        "size_bytes": stored.size_bytes,
        "peak_rss_mb_before_export": round(rss_before),
        "peak_rss_mb_after_writing": round(rss_written),
        "peak_rss_mb": round(peak_rss_mb()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append", help="rows to export (repeatable); default 100000")
    args = parser.parse_args()
    sizes: list[int] = args.rows or [100_000]
    spec = TableSpec.model_validate_json(REFERENCE_TABLE.read_text())
    results = []
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing inherited from the inserts
    with postgres_database("dmbbench") as url, seaweed_server() as endpoint, spawn.Pool(1, maxtasksperchild=1) as pool:
        for rows in sizes:
            name = f"{spec.table_name}_{rows}"
            fill(url, spec, name, rows)
            figures = pool.apply(export, (url, endpoint, spec.model_dump_json(), name))
            print(json.dumps(figures), flush=True)
            results.append(figures)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench" / "results" / f"export_xlsx-{stamp}.json"
    out.write_text(json.dumps({"benchmark": "export_xlsx", "at": stamp, "runs": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
