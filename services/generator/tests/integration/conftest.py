"""The datasets databases the generator's integration tests write into."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from dmb_common.datasets import create_datasets_engine


@pytest.fixture
def engine(datasets_engine: sa.Engine) -> sa.Engine:
    """An empty datasets database in each dialect (dmb_testing's `datasets_engine`: PostgreSQL, SQLite, MariaDB)."""
    return datasets_engine


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
