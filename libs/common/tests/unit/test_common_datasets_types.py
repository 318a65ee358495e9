"""The SQL column each storage type gets, foreign keys included, on PostgreSQL and SQLite."""

from __future__ import annotations

import sqlalchemy as sa
from dmb_common.datasets import COLUMN_TYPES, table_for
from dmb_contracts.fields import StorageType, TableSpec
from sqlalchemy.dialects import postgresql, sqlite

SPEC = TableSpec.model_validate(
    {
        "table_name": "orders",
        "fields": [
            {"name": "id", "type": "uuid", "primary_key": True},
            {"name": "doc", "type": "json", "nullable": True},
            {"name": "at", "type": "time"},
            {
                "name": "customer",
                "type": "foreign_key",
                "references": {"table": "customers", "field": "code", "key_type": "string", "key_max_length": 12},
            },
            {
                "name": "parent",
                "type": "foreign_key",
                "nullable": True,
                "references": {"table": "orders", "field": "id", "key_type": "uuid", "on_delete": "set null"},
            },
        ],
    }
)


def _ddl(schema: str | None, dialect: sa.Dialect) -> str:
    return " ".join(str(sa.schema.CreateTable(table_for(SPEC, schema)).compile(dialect=dialect)).split())


def test_every_storage_type_has_a_column_type() -> None:
    assert set(COLUMN_TYPES) == set(StorageType)


def test_new_types_become_native_columns_on_postgresql() -> None:
    ddl = _ddl("datasets", postgresql.dialect())  # type: ignore[no-untyped-call]
    assert "id UUID NOT NULL" in ddl
    assert "doc JSONB" in ddl
    assert "at TIME WITHOUT TIME ZONE NOT NULL" in ddl
    assert "customer VARCHAR(12) NOT NULL" in ddl
    assert "FOREIGN KEY(customer) REFERENCES datasets.customers (code) ON DELETE RESTRICT" in ddl
    assert "FOREIGN KEY(parent) REFERENCES datasets.orders (id) ON DELETE SET NULL" in ddl


def test_new_types_have_portable_columns_on_sqlite() -> None:
    ddl = _ddl(None, sqlite.dialect())
    assert "id CHAR(32) NOT NULL" in ddl
    assert "doc JSON" in ddl
    assert "at TIME NOT NULL" in ddl
    assert "FOREIGN KEY(customer) REFERENCES customers (code) ON DELETE RESTRICT" in ddl


def test_the_parent_appears_only_as_a_stand_in_holding_its_key() -> None:
    table = table_for(SPEC)
    stand_in = table.metadata.tables["customers"]
    assert [column.name for column in stand_in.columns] == ["code"]  # only the key, for SQLAlchemy to resolve
