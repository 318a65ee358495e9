#!/usr/bin/env python3
"""Export speed and memory: the reference table from PostgreSQL (server-side cursor) into an xlsx, uploaded
to a real S3 endpoint (SeaweedFS), as the exporter service does it.

    .venv/bin/python bench/export_xlsx.py [--rows 100000] [--rows 1000000 ...] [--single-process]

The rows are generated and inserted by this process; each export then runs in a fresh child process, so its
peak RSS (the kernel's high-water mark, VmHWM) is the export's own and not the insert's. Several `--rows`
show whether memory stays flat as the table grows. Prints typed cells/s and peak RSS per size and writes
bench/results/export_xlsx-<UTC timestamp>.json.

As the exporter service does, the export names its table as a row source, so from 200,000 rows the xlsx
writer reads and encodes it in two worker processes (adapters/xlsx_slices.py); their peak RSS is reported
too (`peak_rss_mb_workers`). `--single-process` exports without the source: the one-process path.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import math
import multiprocessing
import os
import tempfile
import threading
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
from dmb_exporter.domain.xlsx import RowSource
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


class ChildPeaks:
    """The peak RSS (VmHWM) of this process's child processes (the xlsx writer's workers), read every 0.2 s
    while they run: a child's high-water mark is gone with it, and getrusage only keeps the largest."""

    def __init__(self) -> None:
        self.peaks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> ChildPeaks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            for pid in _descendants("self"):
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:  # ended meanwhile
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        self.peaks[int(pid)] = max(self.peaks.get(int(pid), 0.0), int(line.split()[1]) / 1024)


def _descendants(pid: str) -> list[str]:
    """The process's children, their children and so on (the workers are forks of a fork server)."""
    found: list[str] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += [child, *_descendants(child)]
    return found


def export(url: str, endpoint: str, spec_json: str, table_name: str, single_process: bool) -> dict[str, Any]:
    """Run in a child process: stream the table into an xlsx and upload it; the figures of that alone."""
    spec = TableSpec.model_validate_json(spec_json).model_copy(update={"table_name": table_name})
    engine = create_datasets_engine(url)
    table = table_for(spec)
    store = S3Store(endpoint, ACCESS_KEY, SECRET_KEY, "dmb-bench")
    rss_before = peak_rss_mb()
    source = None if single_process else RowSource(url, spec)
    with tempfile.TemporaryDirectory() as folder, ChildPeaks() as children:
        path = Path(folder) / "export.xlsx"
        started = time.perf_counter()
        result = write_export(
            ExportFormat.XLSX, stream_rows(engine, table), spec, ExportAbout.for_spec(spec), path, source=source
        )
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
        "single_process": single_process,
        "peak_rss_mb": round(peak_rss_mb()),
        # The workers and the fork server they come from, largest first (the smallest, ~12 MB, is
        # multiprocessing's resource tracker).
        "peak_rss_mb_workers": sorted((round(peak) for peak in children.peaks.values()), reverse=True),
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append", help="rows to export (repeatable); default 100000")
    parser.add_argument("--single-process", action="store_true", help="no worker processes (the rows stream here)")
    args = parser.parse_args()
    sizes: list[int] = args.rows or [100_000]
    spec = TableSpec.model_validate_json(REFERENCE_TABLE.read_text())
    results = []
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing inherited from the inserts
    # Not multiprocessing.Pool: its processes are daemons, which may not start the xlsx writer's workers.
    with (
        postgres_database("dmbbench") as url,
        seaweed_server() as endpoint,
        concurrent.futures.ProcessPoolExecutor(1, mp_context=spawn, max_tasks_per_child=1) as pool,
    ):
        for rows in sizes:
            name = f"{spec.table_name}_{rows}"
            fill(url, spec, name, rows)
            figures = pool.submit(export, url, endpoint, spec.model_dump_json(), name, args.single_process).result()
            print(json.dumps(figures), flush=True)
            results.append(figures)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench" / "results" / f"export_xlsx-{stamp}.json"
    out.write_text(json.dumps({"benchmark": "export_xlsx", "at": stamp, "runs": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
