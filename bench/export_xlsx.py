#!/usr/bin/env python3
"""Export speed and memory: the reference table from PostgreSQL (server-side cursor) into an xlsx, uploaded
to a real S3 endpoint (SeaweedFS), as the exporter service does it. Run in a fresh process per size so the
peak RSS is the export's own.

    .venv/bin/python bench/export_xlsx.py [--rows 100000]

Prints typed cells/s and peak RSS, writes bench/results/export_xlsx-<UTC timestamp>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from dmb_common.datasets import create_datasets_engine, table_for
from dmb_common.storage import S3Store
from dmb_contracts.commands import ExportFormat
from dmb_contracts.fields import TableSpec
from dmb_exporter.adapters.datasets_reader import stream_rows
from dmb_exporter.domain import ExportAbout, write_export
from dmb_generator.adapters.datasets_writer import insert_chunk
from dmb_generator.domain import generate_chunk
from dmb_testing.flow import REFERENCE_TABLE
from dmb_testing.seaweed import ACCESS_KEY, SECRET_KEY, seaweed_server
from dmb_testing.servers import postgres_database

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    spec = TableSpec.model_validate_json(REFERENCE_TABLE.read_text())
    with postgres_database("dmbbench") as url, seaweed_server() as endpoint, tempfile.TemporaryDirectory() as folder:
        engine = create_datasets_engine(url)
        table = table_for(spec)
        table.metadata.create_all(engine)
        job = uuid.uuid4()
        for chunk, first in enumerate(range(0, args.rows, 10_000)):
            rows = generate_chunk(spec, seed=1, chunk_index=chunk, first_row=first, rows=min(10_000, args.rows - first))
            insert_chunk(engine, table, rows, job_id=job, chunk_index=chunk)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        store = S3Store(endpoint, ACCESS_KEY, SECRET_KEY, "dmb-bench")
        path = Path(folder) / "export.xlsx"
        started = time.perf_counter()
        result = write_export(ExportFormat.XLSX, stream_rows(engine, table), spec, ExportAbout.for_spec(spec), path)
        written = time.perf_counter() - started
        stored = store.put_file("bench/export.xlsx", path, result.content_type)
        seconds = time.perf_counter() - started
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == result.rows
        engine.dispose()
    cells = result.rows * len(spec.fields)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "rows": result.rows,
        "cells": cells,
        "write_seconds": round(written, 3),
        "total_seconds": round(seconds, 3),
        "cells_per_s": round(cells / seconds),
        "size_bytes": stored.size_bytes,
        "peak_rss_mb_before_export": round(rss_before),
        "peak_rss_mb": round(peak),
    }
    print(json.dumps(figures))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench" / "results" / f"export_xlsx-{stamp}.json"
    out.write_text(json.dumps({"benchmark": "export_xlsx", "at": stamp, **figures}, indent=2) + "\n")


if __name__ == "__main__":
    main()
