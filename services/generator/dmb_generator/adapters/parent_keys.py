"""Reading the keys a table's foreign keys point at, from the datasets database, once per job."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from dmb_contracts.fields import StorageType, TableSpec
from sqlalchemy.engine import Engine


class TooManyParentKeys(ValueError):
    """A parent holds more keys than a job keeps."""


def read_parent_keys(engine: Engine, table: sa.Table, spec: TableSpec, limit: int) -> dict[str, list[Any]]:
    """Per foreign-key field of `spec`, the parent's non-null keys in key order, as JSON values (UUIDs as text).

    `table` is the spec's Core table: each foreign key's target column comes from its constraint, so the
    parent is read through SQLAlchemy's quoting like any other table.
    """
    out: dict[str, list[Any]] = {}
    with engine.connect() as conn:
        for field in spec.fields:
            if field.references is None:
                continue
            (constraint,) = table.c[field.name].foreign_keys
            key = constraint.column
            query = sa.select(key).where(key.is_not(None)).order_by(key).limit(limit + 1)
            keys = list(conn.execute(query).scalars())
            if len(keys) > limit:
                raise TooManyParentKeys(
                    f"field {field.name!r}: the parent table {field.references.table!r} has more than {limit} keys"
                )
            out[field.name] = [str(value) if isinstance(value, uuid.UUID) else value for value in keys]
    return out


def keys_as_values(spec: TableSpec, stored: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Stored keys back as the key columns' Python values (UUID text becomes UUIDs)."""
    out = {}
    for name, keys in stored.items():
        field = spec.field(name)
        uuid_key = field.references is not None and field.references.key_type is StorageType.UUID
        out[name] = [uuid.UUID(value) for value in keys] if uuid_key else list(keys)
    return out
