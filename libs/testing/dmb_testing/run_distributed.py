"""`make run-distributed`: the platform as in production, on this machine. Every service is its own process
(two generators) on the local PostgreSQL (one database per service, created if missing) and RabbitMQ, with a
SeaweedFS S3 server started here; one log file per service. Prints the URL; Ctrl-C stops everything.

Data stays between runs: the databases `<prefix>_<service>` and `<prefix>_datasets`, the S3 files under
`--data-dir`. It lives in the test-support library because it starts servers the way the tests do.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

import sqlalchemy as sa

from dmb_testing.platform import SERVICES, running_platform
from dmb_testing.seaweed import ACCESS_KEY, SECRET_KEY, seaweed_server
from dmb_testing.servers import POSTGRES_URL, RABBITMQ_URL, port_open


def ensure_databases(admin_url: str, names: list[str]) -> dict[str, str]:
    """Each named database on the server at `admin_url`, created when missing; name → URL."""
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            existing = set(connection.scalars(sa.text("SELECT datname FROM pg_database")))
            for name in names:
                if name not in existing:
                    connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    base = sa.make_url(admin_url)
    return {name: base.set(database=name).render_as_string(hide_password=False) for name in names}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generators", type=int, default=2, help="generator processes (default 2)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("DMB_PORT", "8000")), help="gateway port")
    parser.add_argument("--data-dir", type=Path, default=Path("data/distributed"), help="logs and S3 data")
    parser.add_argument("--prefix", default="dmb_run", help="prefix of the PostgreSQL database names")
    args = parser.parse_args(argv)

    postgres = os.environ.get("DMB_RUN_POSTGRES_URL", POSTGRES_URL)
    broker = os.environ.get("DMB_BUS_URL", RABBITMQ_URL)
    for name, url, default in (("PostgreSQL", postgres, 5432), ("RabbitMQ", broker, 5672)):
        if not port_open(url, default):
            print(
                f"{name} is not reachable at {sa.make_url(url).host if name == 'PostgreSQL' else url.split('@')[-1]}; start it first."
            )
            return 1
    data_dir = args.data_dir.resolve()
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    urls = ensure_databases(postgres, [f"{args.prefix}_{name}" for name in (*SERVICES, "datasets")])
    databases = {name: urls[f"{args.prefix}_{name}"] for name in SERVICES}
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(
        f"Starting SeaweedFS S3 and {len(SERVICES) + args.generators - 1} service processes; logs in {logs}", flush=True
    )
    with contextlib.ExitStack() as stack:
        endpoint = stack.enter_context(seaweed_server(root=data_dir / "s3", stop_timeout=5))
        settings = {
            "DMB_BUS_URL": broker,
            "DMB_DATASETS_URL": urls[f"{args.prefix}_datasets"],
            "DMB_S3_ENDPOINT": endpoint,
            "DMB_S3_ACCESS_KEY": ACCESS_KEY,
            "DMB_S3_SECRET_KEY": SECRET_KEY,
            "DMB_LOG_LEVEL": os.environ.get("DMB_LOG_LEVEL", "INFO"),
            "DMB_HEALTH_HOST": "127.0.0.1",
        }
        platform = stack.enter_context(
            running_platform(
                data_dir, logs, settings, databases, generators=args.generators, port=args.port, must_stop_cleanly=False
            )
        )
        print(f"Dynamic Model Builder (distributed) is running on {platform.url}/", flush=True)
        for process in platform.processes:
            print(f"  {process.name:<10} pid {process.pid:<7} health {process.health_url}  log {process.log}")
        print("Press Ctrl-C to stop every process.", flush=True)
        while not stop.wait(1):
            gone = [p for p in platform.processes if p.process.poll() is not None]
            if gone:
                print(f"{gone[0].name} exited ({gone[0].process.returncode}); see {gone[0].log}. Stopping.")
                break
        print("Stopping...", flush=True)
    print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
