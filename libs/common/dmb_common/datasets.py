"""The users' tables as SQLAlchemy Core objects, built from a TableSpec.

Only the schema service runs DDL with these; the generator inserts and the exporter reads through the same
Table, so a column's SQL type is decided in exactly one place. Identifiers reach SQL only through
SQLAlchemy's quoting.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from dmb_contracts.fields import FieldSpec, IndexSpec, StorageType, TableSpec, unique_constraint_name
from dmb_contracts.identifiers import derived_name
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeEngine

from dmb_common.db import _ensure_sqlite_folder, add_sqlite_pragmas, new_metadata, sync_url
from dmb_common.namespaces import physical_spec


def _string(spec: FieldSpec) -> TypeEngine[Any]:
    return sa.String(spec.length_limit)


COLUMN_TYPES: dict[StorageType, Callable[[FieldSpec], TypeEngine[Any]]] = {
    StorageType.STRING: _string,
    StorageType.TEXT: lambda spec: sa.Text() if spec.max_length is None else sa.String(spec.max_length),
    StorageType.INTEGER: lambda _: sa.Integer(),
    StorageType.BIG_INTEGER: lambda _: sa.BigInteger(),
    StorageType.DECIMAL: lambda spec: sa.Numeric(spec.precision or 18, spec.scale if spec.scale is not None else 2),
    StorageType.FLOAT: lambda _: sa.Double(),
    StorageType.BOOLEAN: lambda _: sa.Boolean(),
    StorageType.DATE: lambda _: sa.Date(),
    StorageType.DATETIME: lambda _: sa.DateTime(),
    StorageType.EMAIL: _string,
    StorageType.URL: _string,
    StorageType.UUID: lambda _: sa.Uuid(),  # native uuid on PostgreSQL, CHAR(32) elsewhere
    StorageType.JSON: lambda _: _json(),
    StorageType.TIME: lambda _: sa.Time(),
    StorageType.FOREIGN_KEY: lambda spec: _key_type(spec),
}


def _key_type(spec: FieldSpec) -> TypeEngine[Any]:
    """A foreign key's column has the referenced key's type (resolved by the schema service into the spec)."""
    assert spec.references is not None  # FieldSpec validation guarantees it for foreign_key fields
    key = spec.references.key_field(spec.name)
    return COLUMN_TYPES[key.type](key)


def _json() -> TypeEngine[Any]:
    # JSONB on PostgreSQL (indexable, compact); none_as_null: a Python None is SQL NULL, never JSON 'null'.
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


_ON_DELETE = {"restrict": "RESTRICT", "cascade": "CASCADE", "set null": "SET NULL"}


def _attach_foreign_key(spec: FieldSpec, column: sa.Column[Any]) -> None:
    """Once the column is in its table (whose schema and MetaData are only known then), add the FOREIGN KEY
    constraint, and a stand-in of the parent holding just its key column so SQLAlchemy can resolve it (the
    parent's real table is never created or changed through this MetaData)."""
    reference = spec.references
    assert reference is not None

    def attach(target: sa.Column[Any], table: sa.Table) -> None:
        parent_key = f"{table.schema}.{reference.table}" if table.schema else reference.table
        if reference.table != table.name:
            parent = table.metadata.tables.get(parent_key)
            if parent is None:
                parent = sa.Table(reference.table, table.metadata, schema=table.schema)
            if reference.field not in parent.c:
                parent.append_column(sa.Column(reference.field, _key_type(spec)))
        table.append_constraint(
            sa.ForeignKeyConstraint(
                [target.name],
                [f"{parent_key}.{reference.field}"],
                name=derived_name("fk", table.name, target.name),
                ondelete=_ON_DELETE[reference.on_delete],
            )
        )

    sa.event.listen(column, "after_parent_attach", attach)


def column_for(spec: FieldSpec) -> sa.Column[Any]:
    column = sa.Column(
        spec.name,
        COLUMN_TYPES[spec.type](spec),
        primary_key=spec.primary_key,
        nullable=spec.nullable and not spec.primary_key,
        unique=spec.unique and not spec.primary_key,
        comment=spec.description or None,
    )
    if spec.references is not None:
        _attach_foreign_key(spec, column)
    return column


def table_for(spec: TableSpec, schema: str | None = None, metadata: sa.MetaData | None = None) -> sa.Table:
    """The Core Table of a spec whose names are the database's (a fresh MetaData unless one is given): its
    columns, its primary key (one or several fields), a named unique constraint per unique field and the
    table-level indexes. An owner's spec comes through `owned_table`, which gives it its physical names."""
    columns = [column_for(field) for field in spec.fields]
    uniques: list[sa.UniqueConstraint] = []
    for column in columns:
        if column.unique:
            # Named here, not by the naming convention, so a long name is shortened the same way on every
            # database (PostgreSQL would cut it at 63 characters, MySQL would refuse it).
            column.unique = False
            uniques.append(sa.UniqueConstraint(column.name, name=unique_constraint_name(spec.table_name, column.name)))
    table = sa.Table(
        spec.table_name,
        metadata if metadata is not None else new_metadata(),
        *columns,
        *uniques,
        schema=schema,
        comment=spec.description or None,
    )
    for index in spec.indexes:
        index_for(table, index, spec.table_name)
    return table


def owned_table(
    spec: TableSpec, owner_id: uuid.UUID | None, schema: str | None = None, metadata: sa.MetaData | None = None
) -> sa.Table:
    """The Core Table of an owner's table, under its physical name (dmb_common.namespaces): what the generator
    inserts into and the exporter reads from."""
    return table_for(physical_spec(spec, owner_id), schema, metadata)


def index_for(table: sa.Table, index: IndexSpec, table_name: str) -> sa.Index:
    """A table-level index of the spec, attached to `table`."""
    return sa.Index(
        index.name or index.default_name(table_name),
        *(table.c[name] for name in index.fields),
        unique=index.unique,
        mysql_length=mysql_prefix_lengths(table, index) or None,
    )


#: MySQL indexes at most 3072 bytes of a row; a long text column (4 bytes a character in utf8mb4) is indexed
#: by its first characters. A unique index cannot be cut (it would compare prefixes): MariaDB makes it a
#: hash index by itself.
MYSQL_INDEX_PREFIX = 191


def mysql_prefix_lengths(table: sa.Table, index: IndexSpec) -> dict[str, int]:
    """Column → prefix length for the long text columns of a non-unique index (MySQL/MariaDB only)."""
    if index.unique:
        return {}
    lengths: dict[str, int] = {}
    for name in index.fields:
        column_type = table.c[name].type
        if isinstance(column_type, sa.String) and (column_type.length or MYSQL_INDEX_PREFIX + 1) > MYSQL_INDEX_PREFIX:
            lengths[name] = MYSQL_INDEX_PREFIX
    return lengths


def create_datasets_engine(url: str) -> Engine:
    """A synchronous engine: datasets work is bulk I/O that runs in worker threads."""
    parsed = sync_url(url)
    _ensure_sqlite_folder(parsed)
    # hide_parameters: a database error never carries generated values into a log or a job's reason.
    # pre-ping a server only: a SQLite file cannot drop the connection (see create_service_engine).
    engine = sa.create_engine(parsed, pool_pre_ping=parsed.get_backend_name() != "sqlite", hide_parameters=True)
    add_sqlite_pragmas(engine)
    return engine
