#!/usr/bin/env python3
"""The gateway's memory when a client sends a huge body: resident set size of a `dmb run` process (token
mode, embedded) before and after an unauthenticated 100 MB POST /api/v1/tables, and its peak.

    .venv/bin/python bench/body_memory.py [--megabytes 100] [--gateway-source DIR]

`--gateway-source` runs the gateway package from another checkout (e.g. `git archive` of an earlier commit),
to compare with how it behaved before the body limit. Prints the figures and writes
bench/results/body_memory-<UTC timestamp>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import tempfile
import time
from pathlib import Path

from dmb_testing.platform import embedded_server

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 1024 * 1024


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of a process, in KiB, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {name: int(fields[name].split()[0]) for name in ("VmRSS", "VmHWM")}


def send(port: int, megabytes: int) -> tuple[int | None, str]:
    """Stream the body in 1 MiB chunks (the client holds one chunk); a server that stops reading early may
    answer and close while the rest is still being sent."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.putrequest("POST", "/api/v1/tables")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(megabytes * CHUNK))
    connection.endheaders()
    chunk = b"x" * CHUNK
    try:
        for _ in range(megabytes):
            connection.send(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        response = connection.getresponse()
        return response.status, response.read().decode()[:120]
    except (ConnectionResetError, http.client.RemoteDisconnected) as exc:
        return None, f"connection closed: {exc}"
    finally:
        connection.close()


def measure(megabytes: int, gateway_source: Path | None) -> dict[str, object]:
    environment = {"DMB_AUTH_MODE": "token"}
    if gateway_source is not None:
        environment["PYTHONPATH"] = str(gateway_source)
    with tempfile.TemporaryDirectory() as folder, embedded_server(Path(folder), **environment) as (url, process):
        time.sleep(1)
        before = memory_kib(process.pid)
        started = time.perf_counter()
        status, answer = send(int(url.rsplit(":", 1)[1]), megabytes)
        seconds = time.perf_counter() - started
        time.sleep(1)
        after = memory_kib(process.pid)
    return {
        "megabytes": megabytes,
        "gateway_source": str(gateway_source) if gateway_source else "this checkout",
        "status": status,
        "answer": answer,
        "seconds": round(seconds, 2),
        "rss_before_mib": round(before["VmRSS"] / 1024, 1),
        "rss_after_mib": round(after["VmRSS"] / 1024, 1),
        "rss_peak_mib": round(after["VmHWM"] / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--gateway-source", type=Path, default=None)
    args = parser.parse_args()
    result = measure(args.megabytes, args.gateway_source)
    print(json.dumps(result, indent=2))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench" / "results" / f"body_memory-{stamp}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
