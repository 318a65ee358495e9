"""The datasets databases the generator's integration tests write into."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from dmb_common.datasets import create_datasets_engine


@pytest.fixture(params=["postgresql", "sqlite", "mariadb"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty datasets database in each dialect the generator writes to: PostgreSQL, SQLite, MariaDB."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'datasets.db'}"
    else:
        url = request.getfixturevalue("postgres_url" if request.param == "postgresql" else "mariadb_url")
    engine = create_datasets_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(params=["postgresql", "sqlite"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[sa.Engine, str | None]]:
    """(engine, schema) of an empty datasets database: a fresh PostgreSQL database with a `datasets` schema,
    then an SQLite file."""
    if request.param == "postgresql":
        engine = create_datasets_engine(request.getfixturevalue("postgres_url"))
        with engine.begin() as conn:
            conn.execute(sa.schema.CreateSchema("datasets"))
        yield engine, "datasets"
    else:
        engine = create_datasets_engine(f"sqlite:///{tmp_path / 'datasets.db'}")
        yield engine, None
    engine.dispose()
