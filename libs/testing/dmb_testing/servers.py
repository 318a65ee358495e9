"""Reaching the real servers tests run against, with one rule for when they are missing.

Outside CI a test that needs a missing server is skipped with a message saying how to start it; under
CI=true the same test fails, because a green run must have exercised every adapter for real.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

POSTGRES_URL = os.environ.get("DMB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
RABBITMQ_URL = os.environ.get("DMB_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
MARIADB_URL = os.environ.get("DMB_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/")

HOW_TO_START = {
    "PostgreSQL": "start it with `pg_ctlcluster <version> main start` or set DMB_TEST_POSTGRES_URL",
    "RabbitMQ": "start it with `rabbitmq-server -detached` or set DMB_TEST_RABBITMQ_URL",
    "MariaDB": "start it with `start-stop-daemon --start --background --exec /usr/sbin/mariadbd` or set DMB_TEST_MYSQL_URL",
    "SeaweedFS": "install the dev dependencies (`make test` does) so the `weed` binary exists",
    "Node.js": "install Node.js (Debian: `apt-get install nodejs`) to run the web UI's scripts in tests",
    "docker-compose": "run `make deploy-tools` (Debian's docker-compose validates docker-compose.yml, no engine needed)",
    "local LLM": "run `make llm` (builds llama-cpp-python once, fetches the 0.5B model into ~/.cache/dmb)",
    "Chromium": "run `make browser` (Debian: `apt-get install -y chromium`) for the web UI's browser tests",
}
#: The browser the web UI's tests drive (Debian's package; Playwright's own downloads are never used).
CHROMIUM = os.environ.get("DMB_TEST_CHROMIUM", "/usr/bin/chromium")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def server_missing(name: str, detail: str) -> None:
    message = f"{name} is not reachable ({detail}); {HOW_TO_START.get(name, '')}"
    if in_ci():
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


def node_binary() -> str:
    """The `node` executable, which runs the web UI's scripts in tests; missing, the same rule as a server's."""
    found = shutil.which("node")
    if found is None:
        server_missing("Node.js", "no `node` on PATH")
        raise AssertionError("unreachable: server_missing skips or fails")
    return found


def chromium_binary() -> str:
    """Debian's chromium for the browser tests; missing, the same rule as a server's."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        server_missing("Chromium", f"no executable {CHROMIUM}")
    return CHROMIUM


def port_open(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def execute(url: str, *statements: str) -> None:
    """Run trusted set-up SQL (a test's own fixtures) on the database at `url`, in one transaction."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(sa.text(statement))
    finally:
        engine.dispose()


@contextmanager
def postgres_database(prefix: str = "dmbtest") -> Iterator[str]:
    """A new, empty PostgreSQL database for this test run; dropped afterwards. Yields its URL."""
    if not port_open(POSTGRES_URL, 5432):
        server_missing("PostgreSQL", POSTGRES_URL)
    name = unique_name(prefix)
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def mariadb_database(prefix: str = "dmbtest") -> Iterator[str]:
    """A new, empty MariaDB / MySQL database for this test run; dropped afterwards. Yields its URL."""
    if not port_open(MARIADB_URL, 3306):
        server_missing("MariaDB", MARIADB_URL)
    name = unique_name(prefix)
    admin = sa.create_engine(MARIADB_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE DATABASE `{name}`"))
    try:
        yield sa.make_url(MARIADB_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


@contextmanager
def rabbitmq_vhost(prefix: str = "dmbtest") -> Iterator[str]:
    """A new RabbitMQ vhost (via rabbitmqctl on this machine) for this test run. Yields its AMQP URL."""
    if not port_open(RABBITMQ_URL, 5672):
        server_missing("RabbitMQ", RABBITMQ_URL)
    ctl = shutil.which("rabbitmqctl")
    parts = urlsplit(RABBITMQ_URL)
    if ctl is None:
        # No local control tool (a remote broker): isolate by a unique namespace in the default vhost.
        yield RABBITMQ_URL
        return
    name = unique_name(prefix)
    user = parts.username or "guest"
    subprocess.run([ctl, "add_vhost", name], check=True, capture_output=True, timeout=60)
    subprocess.run(
        [ctl, "set_permissions", "-p", name, user, ".*", ".*", ".*"], check=True, capture_output=True, timeout=60
    )
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        subprocess.run([ctl, "delete_vhost", name], check=False, capture_output=True, timeout=60)
