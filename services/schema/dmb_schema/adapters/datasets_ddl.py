"""DDL on the datasets database: the only place in the platform that creates or drops users' tables."""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from dmb_common.datasets import table_for
from dmb_contracts.fields import TableSpec
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError


class MigrationFailed(Exception):
    """The database refused the change; it was rolled back and nothing changed."""


@dataclass(frozen=True)
class MigrationOutcome:
    operations: list[str]
    seconds: float
    adopted: bool = False


class DatasetsDDL:
    def __init__(self, engine: Engine, schema: str | None) -> None:
        self.engine = engine
        self.schema = schema

    def ensure_schema(self) -> None:
        if self.schema and self.engine.dialect.name == "postgresql":
            with self.engine.begin() as conn:
                conn.execute(sa.schema.CreateSchema(self.schema, if_not_exists=True))

    def create_table(self, spec: TableSpec) -> MigrationOutcome:
        """Create the table in one transaction. A table that already matches the spec is adopted, so a
        redelivered command after a crash between DDL and bookkeeping does not fail."""
        started = time.perf_counter()
        table = table_for(spec, self.schema)
        try:
            with self.engine.begin() as conn:
                inspector = sa.inspect(conn)
                if inspector.has_table(spec.table_name, schema=self.schema):
                    existing = [column["name"] for column in inspector.get_columns(spec.table_name, schema=self.schema)]
                    if existing == [field.name for field in spec.fields]:
                        return MigrationOutcome([f"adopt table {spec.table_name}"], time.perf_counter() - started, True)
                    raise MigrationFailed(f"a table named {spec.table_name!r} already exists in the datasets database")
                table.create(conn)
        except SQLAlchemyError as exc:
            raise MigrationFailed(f"the database refused to create {spec.table_name!r}: {_short(exc)}") from exc
        return MigrationOutcome(
            [str(sa.schema.CreateTable(table).compile(self.engine)).strip()], time.perf_counter() - started
        )

    def drop_table(self, spec: TableSpec) -> MigrationOutcome:
        started = time.perf_counter()
        table = table_for(spec, self.schema)
        try:
            with self.engine.begin() as conn:
                table.drop(conn, checkfirst=True)
        except SQLAlchemyError as exc:
            raise MigrationFailed(f"the database refused to drop {spec.table_name!r}: {_short(exc)}") from exc
        return MigrationOutcome([f"DROP TABLE {spec.table_name}"], time.perf_counter() - started)


def _short(exc: SQLAlchemyError) -> str:
    """The driver's first line, without SQL or parameters (they may hold user data)."""
    original = getattr(exc, "orig", None) or exc
    return str(original).strip().splitlines()[0][:300]
