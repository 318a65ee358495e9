"""The users' tables as SQLAlchemy Core objects, built from a TableSpec.

Only the schema service runs DDL with these; the generator inserts and the exporter reads through the same
Table, so a column's SQL type is decided in exactly one place. Identifiers reach SQL only through
SQLAlchemy's quoting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from dmb_contracts.fields import FieldSpec, StorageType, TableSpec
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeEngine

from dmb_common.db import _ensure_sqlite_folder, add_sqlite_pragmas, new_metadata, sync_url


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
}


def column_for(spec: FieldSpec) -> sa.Column[Any]:
    return sa.Column(
        spec.name,
        COLUMN_TYPES[spec.type](spec),
        primary_key=spec.primary_key,
        nullable=spec.nullable and not spec.primary_key,
        unique=spec.unique and not spec.primary_key,
        comment=spec.description or None,
    )


def table_for(spec: TableSpec, schema: str | None = None, metadata: sa.MetaData | None = None) -> sa.Table:
    """The Core Table of a spec (a fresh MetaData unless one is given)."""
    return sa.Table(
        spec.table_name,
        metadata if metadata is not None else new_metadata(),
        *(column_for(field) for field in spec.fields),
        schema=schema,
        comment=spec.description or None,
    )


def create_datasets_engine(url: str) -> Engine:
    """A synchronous engine: datasets work is bulk I/O that runs in worker threads."""
    parsed = sync_url(url)
    _ensure_sqlite_folder(parsed)
    engine = sa.create_engine(parsed, pool_pre_ping=True)
    add_sqlite_pragmas(engine)
    return engine
