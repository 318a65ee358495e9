"""pytest fixtures for the real servers, shared by every package's tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from dmb_testing.llm_server import LOCAL_KEY, LocalLLM, llama_server
from dmb_testing.seaweed import ACCESS_KEY, SECRET_KEY, seaweed_server
from dmb_testing.servers import mariadb_database, postgres_database, rabbitmq_vhost, unique_name

if TYPE_CHECKING:
    import sqlalchemy as sa
    from dmb_common.storage import S3Store


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    """A new, empty MariaDB / MySQL database (127.0.0.1:3306 or DMB_TEST_MYSQL_URL); dropped afterwards."""
    with mariadb_database() as url:
        yield url


@pytest.fixture(params=["postgresql", "sqlite", "mariadb"])
def datasets_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty datasets database in each dialect the platform writes users' tables to: PostgreSQL, SQLite,
    MariaDB (the generator's writers and the exporter's readers are tested on all three)."""
    from dmb_common.datasets import create_datasets_engine

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'datasets.db'}"
    else:
        url = request.getfixturevalue("postgres_url" if request.param == "postgresql" else "mariadb_url")
    engine = create_datasets_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def rabbitmq_url() -> Iterator[str]:
    with rabbitmq_vhost() as url:
        yield url


@pytest.fixture(scope="session")
def local_llm() -> Iterator[LocalLLM]:
    """One llama.cpp server on the 0.5B model per pytest session (installed by `make llm`); yields its
    OpenAI-compatible base URL and model name. Mark its tests `@pytest.mark.xdist_group(REAL_MODEL_GROUP)`
    (dmb_testing.llm_server) so they share one worker and one server. The server requires the key it yields
    (`LocalLLM.api_key`), so a test can also see a wrong key refused."""
    with llama_server(api_key=LOCAL_KEY) as llm:
        yield llm


@pytest.fixture(scope="session")
def seaweed_endpoint() -> Iterator[str]:
    """One SeaweedFS S3 server per pytest session (so one per xdist worker); yields its endpoint URL."""
    with seaweed_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_bucket(seaweed_endpoint: str) -> Iterator[S3Store]:
    """An S3Store on a fresh, not yet created bucket of the session's SeaweedFS server (the code under test
    creates it); the bucket is emptied and removed after."""
    # Imported here so packages whose tests never touch S3 need neither dmb_common nor minio.
    from dmb_common.storage import S3Store

    # S3 bucket names: 3-63 chars of lowercase letters, digits and hyphens.
    bucket = unique_name("dmbtest").replace("_", "-")
    store = S3Store(seaweed_endpoint, ACCESS_KEY, SECRET_KEY, bucket)
    try:
        yield store
    finally:
        client = store.client
        if client.bucket_exists(bucket):
            for obj in client.list_objects(bucket, recursive=True):
                if obj.object_name is not None:
                    client.remove_object(bucket, obj.object_name)
            client.remove_bucket(bucket)


@pytest.fixture
def s3_store(s3_bucket: S3Store) -> S3Store:
    """s3_bucket, with the bucket created."""
    s3_bucket.ensure_bucket()
    return s3_bucket


#: A test that records `record_property(SUMMARY, text)` gets `text` printed at the end of the run, passed or
#: not, under xdist too (properties travel with the report to the controller): e.g. the API fuzzing's figures.
SUMMARY = "summary"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        for name, value in report.user_properties:
            if name == SUMMARY:
                _summaries.append((report.nodeid, str(value)))


_summaries: list[tuple[str, str]] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for nodeid, text in _summaries:
        terminalreporter.write_sep("=", f"summary of {nodeid}")
        terminalreporter.write_line(text)
