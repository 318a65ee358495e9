#!/usr/bin/env python3
"""Where a small job's time goes: the embedded flow (create table → job → xlsx export → download,
`dmb_testing.flow.run_flow`) on one warm platform, timed per stage (and the process's CPU time per flow), then sampled by py-spy (every thread of
this process: the event loop, aiosqlite's connection threads and the `asyncio.to_thread` workers).

    .venv/bin/python bench/profile_small_job.py [--rows 1000 10000] [--warm 5] [--profiled 5]

Per size: one cold flow (imports, caches), `--warm` timed flows (medians printed), 3 flows whose work is counted
(SQL statements, commits, outbox relay flushes, HTTP requests: the same on a busy machine), then `--profiled` flows
with py-spy attached to this process. The summary — wall time per flow, the event loop's busy time, the
other threads' busy time, and the functions holding the most busy samples (inclusive, and where the time is
spent itself) — is printed and written to bench/results/profiles/small_job-<rows>-<UTC timestamp>.txt beside
py-spy's raw stacks (`.raw`, the input of flamegraph tools). Timings of profiled flows are not figures.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from subprocess import DEVNULL
from typing import Any

import httpx
import sqlalchemy as sa
from dmb_bus.outbox import OutboxRelay
from dmb_testing.flow import check_workbook, reference_spec, run_flow
from dmb_testing.platform import embedded_client

ROOT = Path(__file__).resolve().parents[1]
RATE = 250  # samples per second and thread
COUNTED = 3  # flows counted (Counts) after the timed ones
#: Frames shown in the summary: this project's code and the libraries a small job's time was found in.
SHOWN = ("dmb_", "sqlalchemy/orm/session", "sqlalchemy/engine/base", "aiosqlite", "openpyxl", "faker", "httpx")


#: Leaf frames of a thread that waits (py-spy counts a wait inside a C call as busy).
WAITS = (
    "_connection_worker_thread (aiosqlite/core.py)",  # aiosqlite's thread, blocked on its queue
    "_worker (concurrent/futures/thread.py)",  # an idle asyncio.to_thread worker
    "Condition.wait (threading.py)",
    "EpollSelector.select (selectors.py)",  # the event loop, idle
    "ThreadedChildWatcher._do_waitpid (asyncio/unix_events.py)",  # waits for py-spy itself to exit
)


#: The parts of a flow, by the first frame of a stack that names one (checked in this order).
PARTS = (
    ("export: read rows, encode, write the file", "_produce ("),
    ("generator: make the rows", "generate_chunk ("),
    ("generator: insert the rows", "SqlDatasets.insert_chunk ("),
    ("generator: constraint report", "SqlDatasets.report ("),
    ("outbox relay (read back, publish, delete)", "OutboxRelay.flush ("),
    ("bus handlers (services, projection)", "InProcessBus._run ("),
    ("HTTP requests of the client", "ASGITransport.handle_async_request ("),
    ("event streams (re-reads, sending)", "EventSourceResponse"),
    ("SQLite statements (aiosqlite's threads)", "_connection_worker_thread ("),
    ("ORM work of a service (greenlet stacks)", "orm/session.py"),
)


def _part(frames: list[str]) -> str:
    for name, marker in PARTS:
        if any(marker in frame for frame in frames):
            return name
    return "other (event loop scheduling, thread hand-offs, stacks cut short)"


def _kind(frames: list[str]) -> str:
    """Greenlet stacks (SQLAlchemy's async bridge) start at the ORM call but run on the event loop's thread."""
    return "other threads" if frames[0].startswith("Thread._bootstrap") else "event loop"


def summarise(raw: Path, wall: float, flows: int, top: int = 25) -> str:
    """Busy seconds per flow: per thread kind, the most inclusive frames of ours, and the leaves."""
    threads: Counter[str] = Counter()
    inclusive: dict[str, Counter[str]] = {"event loop": Counter(), "other threads": Counter()}
    leaves: Counter[str] = Counter()
    parts: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        frames = stack.split(";")
        if frames[-1] in WAITS:
            continue
        kind = _kind(frames)
        threads[kind] += samples
        parts[_part(frames)] += samples
        for frame in dict.fromkeys(frames):
            if any(part in frame for part in SHOWN):
                inclusive[kind][frame] += samples
        leaves[frames[-1]] += samples

    def seconds(samples: int) -> str:
        return f"{samples / RATE / flows * 1000:7.1f} ms"

    lines = [
        f"wall time per flow {wall / flows * 1000:.1f} ms ({flows} flows, py-spy at {RATE} Hz, busy samples only: waits left out)",
        *(f"  busy, {kind:<13} {seconds(samples)}" for kind, samples in threads.items()),
    ]
    lines.append("\nbusy time by part of the flow, per flow:")
    lines += [f"  {seconds(samples)}  {part}" for part, samples in parts.most_common()]
    for kind, counter in inclusive.items():
        lines.append(f"\ntop frames ({kind}), inclusive, per flow:")
        lines += [f"  {seconds(samples)}  {frame}" for frame, samples in counter.most_common(top)]
    lines.append("\nwhere the busy time is spent itself (leaf frames, all threads), per flow:")
    lines += [f"  {seconds(samples)}  {frame}" for frame, samples in leaves.most_common(top)]
    return "\n".join(lines)


class Counts:
    """What a flow does, counted (unlike times, the same on a busy machine): SQL statements and commits on every
    engine, outbox relay flushes (and those that found nothing), the client's HTTP requests."""

    def __init__(self) -> None:
        self.counter: Counter[str] = Counter()
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", self._statement)
        sa.event.listen(sa.engine.Engine, "commit", self._commit)
        flush, send = OutboxRelay.flush, httpx.AsyncClient.send

        async def counted_flush(relay: OutboxRelay, batch: int = 200) -> int:
            sent = await flush(relay, batch)
            self.counter["relay flushes"] += 1
            self.counter["relay flushes that found nothing"] += sent == 0
            return sent

        async def counted_send(client: httpx.AsyncClient, request: httpx.Request, **options: Any) -> httpx.Response:
            self.counter["HTTP requests"] += 1
            return await send(client, request, **options)

        OutboxRelay.flush = counted_flush  # type: ignore[method-assign]
        httpx.AsyncClient.send = counted_send  # type: ignore[method-assign]

    def _statement(self, *_: Any) -> None:
        self.counter["SQL statements"] += 1

    def _commit(self, *_: Any) -> None:
        self.counter["commits"] += 1

    def per_flow(self, flows: int) -> dict[str, float]:
        return {key: round(value / flows, 1) for key, value in sorted(self.counter.items())}


async def measure(rows: int, warm: int, profiled: int, out: Path) -> None:
    spec = reference_spec()
    with tempfile.TemporaryDirectory() as folder:
        async with embedded_client(Path(folder)) as client:
            cold = await run_flow(client, spec | {"table_name": "cold"}, rows=rows)
            check_workbook(cold.workbook, spec, rows)
            runs = []
            for index in range(warm):
                cpu = time.process_time()  # every thread of this process: less sensitive to a busy machine
                result = await run_flow(client, spec | {"table_name": f"warm_{index}"}, rows=rows)
                runs.append(result.seconds | {"cpu": time.process_time() - cpu})
                check_workbook(result.workbook, spec, rows)
            medians = {key: round(statistics.median(run[key] for run in runs), 3) for key in runs[0]}
            print(f"{rows:>7,} rows  cold {cold.seconds['total']:.3f} s  warm median {medians}", flush=True)
            await asyncio.sleep(0.5)  # the last flow's trailing events
            COUNTS.counter.clear()
            for index in range(COUNTED):
                await run_flow(client, spec | {"table_name": f"counted_{index}"}, rows=rows)
            await asyncio.sleep(0.5)
            print(f"{rows:>7,} rows  per warm flow {COUNTS.per_flow(COUNTED)}", flush=True)
            if not profiled:
                return
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            raw = out / f"small_job-{rows}-{stamp}.raw"
            spy = Path(sys.executable).with_name("py-spy")
            # Non-blocking: a blocking sampler stops the process at every sample, which on a busy machine made the
            # profiled flows several times slower than the unprofiled ones.
            command = [str(spy), "record", "--pid", str(os.getpid()), "--rate", str(RATE), "--nonblocking"]
            sampler = await asyncio.create_subprocess_exec(
                *command, "--format", "raw", "--nolineno", "--output", str(raw), stdout=DEVNULL, stderr=DEVNULL
            )
            await asyncio.sleep(1.0)  # py-spy attaches
            start = time.perf_counter()
            for index in range(profiled):
                await run_flow(client, spec | {"table_name": f"profiled_{index}"}, rows=rows)
            wall = time.perf_counter() - start
            sampler.send_signal(signal.SIGINT)
            await asyncio.wait_for(sampler.wait(), 30)
    summary = summarise(raw, wall, profiled)
    header = f"# {profiled} warm flows of {rows} rows, embedded; unprofiled warm median {medians}\n"
    (out / f"small_job-{rows}-{stamp}.txt").write_text(header + summary + "\n")
    print(summary)
    print(f"wrote {raw.with_suffix('.txt').relative_to(ROOT)}")


COUNTS = Counts()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--profiled", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "profiles")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for rows in args.rows:
        asyncio.run(measure(rows, args.warm, args.profiled, args.out))


if __name__ == "__main__":
    main()
