#!/usr/bin/env python3
"""Latency of the builder's live preview: POST /api/v1/tables/preview for a 10-field table (10 rows), as the
page asks it — the gateway publishes PreviewRows, the generator makes the rows with the job's code and answers
RowsPreviewed, the gateway returns them. Embedded mode (in-process bus, SQLite); the first request (a cold
Faker for the locale) is reported apart.

    .venv/bin/python bench/preview_latency.py [--runs 50]

Prints the figures and writes bench/results/preview_latency-<UTC timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from dmb_testing.platform import embedded_client

ROOT = Path(__file__).resolve().parents[1]
SPEC: dict[str, Any] = {
    "table_name": "customers",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True},
        {"name": "first_name", "type": "string", "max_length": 60},
        {"name": "last_name", "type": "string", "max_length": 60},
        {"name": "email", "type": "email", "unique": True},
        {"name": "phone", "type": "string", "max_length": 30, "nullable": True, "null_percentage": 10},
        {"name": "city", "type": "string", "max_length": 80},
        {"name": "status", "type": "string", "max_length": 10, "choices": ["active", "inactive"]},
        {"name": "signed_up", "type": "date", "generator": {"kind": "range", "min": "-3y", "max": "today"}},
        {"name": "balance", "type": "decimal", "precision": 10, "scale": 2},
        {"name": "iban", "type": "string", "max_length": 34, "generator": {"kind": "faker", "provider": "iban"}},
    ],
}


async def measure(runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        async with embedded_client(Path(folder)) as client:
            seconds, generator = [], []
            for run in range(runs + 1):
                start = time.perf_counter()
                response = await client.post("/api/v1/tables/preview", json={"spec": SPEC, "seed": run})
                elapsed = time.perf_counter() - start
                body = response.json()
                if response.status_code != 200 or body["problem"] is not None or len(body["rows"]) != 10:
                    raise SystemExit(f"the preview failed: {body}")
                seconds.append(elapsed)
                generator.append(body["generator_seconds"])
    warm, warm_generator = sorted(seconds[1:]), sorted(generator[1:])
    return {
        "fields": len(SPEC["fields"]),
        "rows": 10,
        "runs": runs,
        "first_ms": round(seconds[0] * 1000, 1),
        "median_ms": round(statistics.median(warm) * 1000, 1),
        "p95_ms": round(warm[int(0.95 * (len(warm) - 1))] * 1000, 1),
        "generator_median_ms": round(statistics.median(warm_generator) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    result = asyncio.run(measure(args.runs))
    print(
        f"preview of a {result['fields']}-field table, {result['rows']} rows, {result['runs']} runs: "
        f"first {result['first_ms']} ms, median {result['median_ms']} ms, p95 {result['p95_ms']} ms "
        f"(of which the generator: median {result['generator_median_ms']} ms)"
    )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench" / "results" / f"preview_latency-{stamp}.json"
    out.write_text(json.dumps({"measured_at": stamp, "mode": "embedded", **result}, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
