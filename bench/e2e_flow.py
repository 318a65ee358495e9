#!/usr/bin/env python3
"""End-to-end timings of the main flow (create table → generate N rows → export xlsx → download), in the
embedded mode and in the distributed mode (five `dmb serve` processes over RabbitMQ, PostgreSQL and
SeaweedFS S3), on the reference table. The shared reference points (../shared/bench/reference.py:
`limit` = Faker straight into openpyxl in-process, `naive` = one ORM insert per row) run in the same
invocation for comparison.

    .venv/bin/python bench/e2e_flow.py [--rows 1000 10000] [--modes embedded distributed]

Prints a table and writes bench/results/e2e_flow-<UTC timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

import httpx
from dmb_testing.flow import check_workbook, reference_spec, run_flow
from dmb_testing.platform import distributed_platform, embedded_client
from dmb_testing.seaweed import seaweed_server
from dmb_testing.servers import rabbitmq_vhost
from reference_points import reference

ROOT = Path(__file__).resolve().parents[1]


async def embedded(rows: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        async with embedded_client(Path(folder)) as client:
            return await _measure(client, rows)


async def distributed(rows: int) -> dict[str, float]:
    with (
        tempfile.TemporaryDirectory() as folder,
        rabbitmq_vhost() as amqp,
        seaweed_server() as s3,
        distributed_platform(Path(folder), amqp, s3) as url,
    ):
        async with httpx.AsyncClient(base_url=url, timeout=120) as client:
            return await _measure(client, rows)


async def _measure(client: httpx.AsyncClient, rows: int) -> dict[str, float]:
    spec = reference_spec()
    result = await run_flow(client, spec, rows=rows)
    check_workbook(result.workbook, spec, rows)
    return {key: round(value, 3) for key, value in result.seconds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--modes", nargs="+", default=["embedded", "distributed"], choices=["embedded", "distributed"])
    parser.add_argument("--no-reference", action="store_true", help="skip the shared reference.py points")
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    for rows in args.rows:
        for mode in args.modes:
            seconds = asyncio.run(embedded(rows) if mode == "embedded" else distributed(rows))
            results.append({"mode": mode, "rows": rows, **seconds})
            print(f"{mode:<12} {rows:>7,} rows  total {seconds['total']:.2f} s  ({seconds})", flush=True)
        if not args.no_reference:
            for mode in ("limit", "naive"):
                point = reference(mode, rows)
                if point:
                    results.append({"mode": f"reference-{mode}", "rows": rows, "total": point["seconds"]})
                    print(f"reference {mode:<6} {rows:>7,} rows  {point['seconds']:.2f} s", flush=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench" / "results" / f"e2e_flow-{stamp}.json"
    out.write_text(json.dumps({"benchmark": "e2e_flow", "at": stamp, "results": results}, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
