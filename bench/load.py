#!/usr/bin/env python3
"""Requests/s and p50/p99 latency per endpoint at 10, 50 and 200 concurrent clients, in the embedded mode
(`dmb run` as `make run` starts it: uvicorn, SQLite, in-process bus) and the distributed mode (a `dmb serve`
process per service, two generators, RabbitMQ, PostgreSQL, SeaweedFS S3), over real HTTP.

Each level is a closed loop: N clients each send their share of a mixed workload one request after the
other (create table, start a 100-row job, request a CSV export, and reads: a table, the jobs, the exports,
the tables), 4 x N requests (at least 200) in all. Statuses are counted too: a busy platform answers 503
with Retry-After, never another 5xx.

    .venv/bin/python bench/load.py [--clients 10 50 200] [--modes embedded distributed]

Prints a table and writes bench/results/load-<UTC timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dmb_testing.flow import create_table
from dmb_testing.load import (
    LOAD_QUOTAS,
    burst_client,
    burst_spec,
    clients_loop,
    embedded_server,
    mixed_calls,
    unique_name,
)
from dmb_testing.platform import platform_processes
from dmb_testing.seaweed import seaweed_server
from dmb_testing.servers import rabbitmq_vhost

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def platform(mode: str) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        if mode == "embedded":
            with embedded_server(Path(folder), **LOAD_QUOTAS) as url:
                yield url
            return
        with (
            rabbitmq_vhost() as amqp,
            seaweed_server() as s3,
            platform_processes(Path(folder), amqp, s3, generators=2, env=LOAD_QUOTAS) as running,
        ):
            yield running.url


async def measure(url: str, levels: list[int]) -> list[dict[str, Any]]:
    results = []
    async with burst_client(url) as client:
        table = await create_table(client, burst_spec(unique_name("load")))
        for clients in levels:
            report = await clients_loop(client, mixed_calls(table["id"], max(200, 4 * clients)), clients)
            results.append(
                {
                    "clients": clients,
                    "seconds": round(report.seconds, 3),
                    "requests_per_second": round(len(report.outcomes) / report.seconds, 1),
                    "statuses": {str(code): count for code, count in sorted(report.statuses.items())},
                    "endpoints": report.per_kind(),
                }
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--modes", nargs="+", default=["embedded", "distributed"], choices=["embedded", "distributed"])
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    for mode in args.modes:
        with platform(mode) as url:
            for level in asyncio.run(measure(url, args.clients)):
                results.append({"mode": mode, **level})
                print(
                    f"{mode:<12} {level['clients']:>4} clients  {level['requests_per_second']:>7.1f} req/s  "
                    f"statuses {level['statuses']}",
                    flush=True,
                )
                for kind, figures in level["endpoints"].items():
                    print(
                        f"    {kind:<14} {figures['requests']:>4} req  {figures['requests_per_second']:>7.1f} req/s  "
                        f"p50 {figures['p50_seconds'] * 1000:>7.1f} ms  p99 {figures['p99_seconds'] * 1000:>7.1f} ms  "
                        f"{figures['statuses']}",
                        flush=True,
                    )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench" / "results" / f"load-{stamp}.json"
    out.write_text(json.dumps({"benchmark": "load", "at": stamp, "results": results}, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
