#!/usr/bin/env python3
"""Export speed and memory per format: the reference table (10 columns) from PostgreSQL into a file of each
format, as the exporter writes it (the upload is left out: export_xlsx.py measures it).

    .venv/bin/python bench/export_formats.py [--rows 100000] [--format csv --format parquet ...]
        [--encode-rows 100000] [--profile]

Each format is exported in a child process of its own (so its memory high-water mark is its own), which
reports three figures:
- `cells_per_s`: end to end, reading the rows from PostgreSQL (the exporter's bulk read path) + encoding +
  writing the file;
- `encode_cells_per_s`: the encoder and the file alone, on the first `--encode-rows` rows already in memory,
  which shows how much of the time is the database read;
- `peak_rss_mb`: the child's resident-set high-water mark during the end-to-end export (issue 15: ≤ 200 MB
  at 1,000,000 rows); `baseline_rss_mb` is the child's before it (interpreter and imports).
`read_cells_per_s` is the bulk read alone. Issue 15's targets: CSV ≥ 3M, Parquet ≥ 5M, xlsx ≥ 700k cells/s.
Prints one JSON line per measurement and writes bench/results/export_formats-<UTC timestamp>.json.
`--profile` writes a cProfile of each end-to-end export to bench/results/profiles/ (top functions printed).

Importable (no work at import): `run(rows=…, formats=…)` returns the summary that `main` writes.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import itertools
import json
import multiprocessing
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from dmb_common.datasets import create_datasets_engine, table_for
from dmb_contracts.commands import ExportFormat, SqlDialect
from dmb_contracts.fields import TableSpec
from dmb_exporter.adapters.datasets_reader import stream_rows
from dmb_exporter.adapters.formats import write_export
from dmb_exporter.domain import ExportAbout

# Only what the exporter itself imports is imported here: the measuring children import this module, and
# their memory is the exporter's. Filling the table (the generator, the test servers) happens in the parent.
ROOT = Path(__file__).resolve().parents[1]
REFERENCE_TABLE = ROOT / "libs" / "testing" / "dmb_testing" / "data" / "reference_table.json"

TARGETS = {ExportFormat.CSV: 3_000_000, ExportFormat.PARQUET: 5_000_000, ExportFormat.XLSX: 700_000}
RSS_TARGET_MB = 200
RESULTS = ROOT / "bench" / "results"


def peak_rss_mb() -> float:
    """This process's resident-set high-water mark (VmHWM: its own, not inherited from a parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def reference_spec(rows: int) -> TableSpec:
    """The reference table's spec, named for its size."""
    spec = TableSpec.model_validate_json(REFERENCE_TABLE.read_text())
    return spec.model_copy(update={"table_name": f"{spec.table_name}_{rows}"})


def export_once(fmt: ExportFormat, rows: Any, spec: TableSpec, folder: Path) -> tuple[float, int, int]:
    """Seconds, rows and file size of one export of `rows` in format `fmt`."""
    path = folder / f"export.{fmt.value}"
    started = time.perf_counter()
    result = write_export(fmt, rows, spec, ExportAbout.for_spec(spec), path, sql_dialect=SqlDialect.POSTGRES)
    return time.perf_counter() - started, result.rows, path.stat().st_size


def measure_read(url: str, spec_json: str) -> dict[str, Any]:
    """In a child: the bulk read alone, every row, nothing kept."""
    spec = TableSpec.model_validate_json(spec_json)
    engine = create_datasets_engine(url)
    baseline = peak_rss_mb()
    started = time.perf_counter()
    count = sum(1 for _ in stream_rows(engine, table_for(spec)))
    seconds = time.perf_counter() - started
    engine.dispose()
    cells = count * len(spec.fields)
    return {
        "measure": "read",
        "rows": count,
        "seconds": round(seconds, 3),
        "read_cells_per_s": round(cells / seconds),
        "baseline_rss_mb": round(baseline, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def measure_format(url: str, spec_json: str, fmt_value: str, encode_rows: int, profile: str | None) -> dict[str, Any]:
    """In a child: one format end to end (with its peak RSS), then its encoder alone on rows in memory."""
    fmt = ExportFormat(fmt_value)
    spec = TableSpec.model_validate_json(spec_json)
    width = len(spec.fields)
    engine = create_datasets_engine(url)
    table = table_for(spec)
    baseline = peak_rss_mb()
    with tempfile.TemporaryDirectory() as folder:
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        seconds, count, size = export_once(fmt, stream_rows(engine, table), spec, Path(folder))
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
        peak = peak_rss_mb()
        in_memory = list(itertools.islice(stream_rows(engine, table), encode_rows))
        encode_seconds, encoded, _ = export_once(fmt, iter(in_memory), spec, Path(folder))
    engine.dispose()
    return {
        "measure": "format",
        "format": fmt.value,
        "rows": count,
        "cells": count * width,
        "seconds": round(seconds, 3),
        "cells_per_s": round(count * width / seconds),
        "encode_rows": encoded,
        "encode_seconds": round(encode_seconds, 3),
        "encode_cells_per_s": round(encoded * width / encode_seconds),
        "size_bytes": size,
        "baseline_rss_mb": round(baseline, 1),
        "peak_rss_mb": round(peak, 1),
        "target_cells_per_s": TARGETS.get(fmt),
    }


def _in_child(function: Any, *args: Any) -> dict[str, Any]:
    """Run `function(*args)` in a fresh (spawned) process and return its result."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        result: dict[str, Any] = pool.apply(function, args)
    return result


def top_functions(profile: Path, count: int = 12) -> str:
    """The functions with the most own time in a cProfile dump, as pstats prints them."""
    out = io.StringIO()
    pstats.Stats(str(profile), stream=out).sort_stats("tottime").print_stats(count)
    return out.getvalue()


def run(
    rows: int = 100_000,
    formats: list[ExportFormat] | None = None,
    *,
    encode_rows: int = 100_000,
    profile: bool = False,
    stamp: str | None = None,
    database_url: str | None = None,
) -> dict[str, Any]:
    """Fill a fresh database with `rows` reference rows and measure the read and each format.
    `database_url`: use that database instead, filling the table only if it is not there yet."""
    if str(Path(__file__).parent) not in sys.path:  # export_xlsx.fill is this file's sibling
        sys.path.insert(0, str(Path(__file__).parent))
    from dmb_testing.servers import postgres_database
    from export_xlsx import fill

    formats = formats or list(ExportFormat)
    stamp = stamp or dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    spec = reference_spec(rows)
    runs: list[dict[str, Any]] = []
    with contextlib.nullcontext(database_url) if database_url else postgres_database("dmbbench") as url:
        engine = create_datasets_engine(url)
        filled = sa.inspect(engine).has_table(spec.table_name)
        engine.dispose()
        if not filled:
            fill(url, spec, spec.table_name, rows)
        read = _in_child(measure_read, url, spec.model_dump_json())
        print(json.dumps(read), flush=True)
        for fmt in formats:
            dump = None
            if profile:
                (RESULTS / "profiles").mkdir(parents=True, exist_ok=True)
                dump = str(RESULTS / "profiles" / f"export_formats-{stamp}-{fmt.value}.prof")
            figures = _in_child(measure_format, url, spec.model_dump_json(), fmt.value, encode_rows, dump)
            print(json.dumps(figures), flush=True)
            if dump:
                print(top_functions(Path(dump)), flush=True)
            runs.append(figures)
    return {
        "benchmark": "export_formats",
        "at": stamp,
        "rows": rows,
        "read_cells_per_s": read["read_cells_per_s"],
        "read": read,
        "rss_target_mb": RSS_TARGET_MB,
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the reference table (default 100000)")
    parser.add_argument("--format", action="append", choices=[f.value for f in ExportFormat], help="repeatable")
    parser.add_argument("--encode-rows", type=int, default=100_000, help="rows held in memory for encode-alone")
    parser.add_argument("--profile", action="store_true", help="cProfile each end-to-end export (slows it)")
    parser.add_argument("--database-url", help="an existing database to use (its table is kept and reused)")
    args = parser.parse_args()
    formats = [ExportFormat(value) for value in args.format] if args.format else None
    summary = run(
        args.rows, formats, encode_rows=args.encode_rows, profile=args.profile, database_url=args.database_url
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"export_formats-{summary['at']}.json"
    out.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
