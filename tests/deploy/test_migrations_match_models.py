"""Every service's Alembic revisions, run from nothing to head, build exactly the tables its models declare,
on PostgreSQL and on SQLite: a column added to a model without a revision (or the reverse) fails here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from dmb_ai import bootstrap as ai_bootstrap
from dmb_ai.models import Base as AIBase
from dmb_common.db import sync_url, upgrade_database
from dmb_exporter import bootstrap as exporter_bootstrap
from dmb_exporter.models import Base as ExporterBase
from dmb_gateway import app as gateway_app
from dmb_gateway.models import Base as GatewayBase
from dmb_generator import bootstrap as generator_bootstrap
from dmb_generator.models import Base as GeneratorBase
from dmb_schema import bootstrap as schema_bootstrap
from dmb_schema.models import Base as SchemaBase

SERVICES: dict[str, tuple[Path, sa.MetaData]] = {
    "schema": (schema_bootstrap.MIGRATIONS, SchemaBase.metadata),
    "generator": (generator_bootstrap.MIGRATIONS, GeneratorBase.metadata),
    "ai": (ai_bootstrap.MIGRATIONS, AIBase.metadata),
    "exporter": (exporter_bootstrap.MIGRATIONS, ExporterBase.metadata),
    "gateway": (gateway_app.MIGRATIONS, GatewayBase.metadata),
}


def _differences(url: str, metadata: sa.MetaData) -> list[Any]:
    engine = sa.create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            # SQLite reflects a few types loosely (DOUBLE comes back as FLOAT): types are compared on PostgreSQL.
            context = MigrationContext.configure(conn, opts={"compare_type": conn.dialect.name == "postgresql"})
            # alembic_version is Alembic's own table, not the service's.
            return [diff for diff in compare_metadata(context, metadata) if "alembic_version" not in repr(diff)]
    finally:
        engine.dispose()


@pytest.mark.parametrize("service", sorted(SERVICES))
@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_revisions_at_head_match_the_models(
    service: str, dialect: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    migrations, metadata = SERVICES[service]
    url = request.getfixturevalue("postgres_url") if dialect == "postgresql" else f"sqlite:///{tmp_path / 'own.db'}"
    upgrade_database(url, migrations)

    assert _differences(url, metadata) == []
