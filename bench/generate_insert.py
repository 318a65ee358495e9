#!/usr/bin/env python3
"""Generator speed: the reference table generated in 5,000-row chunks (as jobs are split) and bulk
inserted (COPY) into PostgreSQL, in one process; generate-only figures beside it, and the shared reference
points in the same run (../shared/bench/reference.py `limit`: Faker straight into openpyxl; `naive`: one ORM
insert per row; `--no-reference` skips them, `--naive-max` caps the rows given to the slow naive one).

    .venv/bin/python bench/generate_insert.py [--rows 10000 100000]

Prints rows/s and peak RSS, writes bench/results/generate_insert-<UTC timestamp>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import time
import uuid
from pathlib import Path

from dmb_common.datasets import create_datasets_engine, table_for
from dmb_contracts.fields import TableSpec
from dmb_generator.adapters.datasets_writer import count_rows, insert_chunk
from dmb_generator.domain import generate_chunk
from dmb_generator.handlers import CHUNK_SIZE
from dmb_testing.flow import REFERENCE_TABLE
from dmb_testing.servers import postgres_database
from reference_points import reference

ROOT = Path(__file__).resolve().parents[1]


def run(spec: TableSpec, rows: int, url: str | None) -> float:
    engine = create_datasets_engine(url) if url else None
    table = table_for(spec)
    if engine is not None:
        table.metadata.create_all(engine)
    job = uuid.uuid4()
    started = time.perf_counter()
    for chunk, first in enumerate(range(0, rows, CHUNK_SIZE)):
        values = generate_chunk(spec, seed=1, chunk_index=chunk, first_row=first, rows=min(CHUNK_SIZE, rows - first))
        if engine is not None:
            insert_chunk(engine, table, values, job_id=job, chunk_index=chunk)
    seconds = time.perf_counter() - started
    if engine is not None:
        assert count_rows(engine, table) == rows
        engine.dispose()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--no-reference", action="store_true", help="skip the shared reference.py points")
    parser.add_argument("--naive-max", type=int, default=10_000, help="largest row count for reference naive")
    args = parser.parse_args()
    spec = TableSpec.model_validate_json(REFERENCE_TABLE.read_text())
    generate_chunk(spec, seed=0, chunk_index=0, first_row=0, rows=100)  # load Faker's word lists once
    results = []
    for rows in args.rows:
        generate_only = run(spec, rows, None)
        with postgres_database("dmbbench") as url:
            with_copy = run(spec, rows, url)
        figures = {
            "rows": rows,
            "generate_seconds": round(generate_only, 3),
            "generate_rows_per_s": round(rows / generate_only),
            "generate_insert_seconds": round(with_copy, 3),
            "generate_insert_rows_per_s": round(rows / with_copy),
        }
        for mode in () if args.no_reference else ("limit", "naive"):
            point = None if mode == "naive" and rows > args.naive_max else reference(mode, rows)
            if point is not None:
                figures[f"reference_{mode}_seconds"] = round(point["seconds"], 3)
        results.append(figures)
        print(json.dumps(figures), flush=True)
    peak = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(f"peak RSS {peak} MB")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench" / "results" / f"generate_insert-{stamp}.json"
    document = {"benchmark": "generate_insert", "at": stamp, "results": results, "peak_rss_mb": peak}
    out.write_text(json.dumps(document, indent=2) + "\n")


if __name__ == "__main__":
    main()
