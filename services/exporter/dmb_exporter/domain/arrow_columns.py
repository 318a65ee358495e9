"""Parquet's columns: each field's Arrow type (its real logical type in Parquet) and a batch of rows as columns.

Types: text types are strings; integer is int32 and big_integer int64 (the database's widths); decimal keeps
its precision and scale (decimal128, decimal256 beyond 38 digits); float is float64; date is date32;
datetime a timestamp in microseconds without a time zone (the database's is naive); time is time64 in
microseconds; uuid is Arrow's uuid extension type, stored as Parquet's UUID logical type (a 16-byte fixed
binary) which DuckDB reads as UUID; json is its document as compact JSON text (a string). A foreign key has
the referenced key's type.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa
from dmb_contracts.fields import FieldSpec, StorageType, TableSpec

from dmb_exporter.domain.values import json_text

#: Arrow's decimal128 holds at most 38 digits.
_DECIMAL128_DIGITS = 38
#: What dmb_common.datasets gives a decimal without precision or scale.
DEFAULT_PRECISION, DEFAULT_SCALE = 18, 2


def _decimal(field: FieldSpec) -> pa.DataType:
    precision = field.precision or DEFAULT_PRECISION
    scale = field.scale if field.scale is not None else DEFAULT_SCALE
    return pa.decimal128(precision, scale) if precision <= _DECIMAL128_DIGITS else pa.decimal256(precision, scale)


ARROW_TYPES: dict[StorageType, Callable[[FieldSpec], pa.DataType]] = {
    StorageType.STRING: lambda _: pa.string(),
    StorageType.TEXT: lambda _: pa.string(),
    StorageType.EMAIL: lambda _: pa.string(),
    StorageType.URL: lambda _: pa.string(),
    StorageType.INTEGER: lambda _: pa.int32(),
    StorageType.BIG_INTEGER: lambda _: pa.int64(),
    StorageType.DECIMAL: _decimal,
    StorageType.FLOAT: lambda _: pa.float64(),
    StorageType.BOOLEAN: lambda _: pa.bool_(),
    StorageType.DATE: lambda _: pa.date32(),
    StorageType.DATETIME: lambda _: pa.timestamp("us"),
    StorageType.TIME: lambda _: pa.time64("us"),
    StorageType.UUID: lambda _: pa.uuid(),
    StorageType.JSON: lambda _: pa.string(),
    StorageType.FOREIGN_KEY: lambda field: _key_type(field),
}


def _key_type(field: FieldSpec) -> pa.DataType:
    assert field.references is not None  # FieldSpec validation guarantees it for foreign_key fields
    key = field.references.key_field(field.name)
    return ARROW_TYPES[key.type](key)


def _storage_type(field: FieldSpec) -> StorageType:
    if field.type is StorageType.FOREIGN_KEY:
        assert field.references is not None
        return field.references.key_field(field.name).type
    return field.type


def _uuid_bytes(values: Sequence[object]) -> list[bytes | None]:
    return [
        None if value is None else (value.bytes if isinstance(value, uuid.UUID) else uuid.UUID(str(value)).bytes)
        for value in values
    ]


def _json_texts(values: Sequence[object]) -> list[str | None]:
    return [None if value is None else json_text(value) for value in values]


def arrow_schema(spec: TableSpec, metadata: dict[str, str] | None = None) -> pa.Schema:
    """The Arrow schema of the table; `metadata` becomes the file's key-value metadata."""
    fields = [
        pa.field(field.name, ARROW_TYPES[field.type](field), nullable=field.nullable and not field.primary_key)
        for field in spec.fields
    ]
    entries: dict[bytes | str, bytes | str] = dict(metadata.items()) if metadata else {}
    return pa.schema(fields, metadata=entries or None)


def record_batch(rows: Sequence[Sequence[object]], spec: TableSpec, schema: pa.Schema) -> pa.RecordBatch:
    """Rows (values in spec.fields order) as one Arrow record batch of `schema`."""
    width = len(spec.fields)
    for values in rows:
        if len(values) != width:
            raise ValueError(f"a row has {len(values)} values for {width} fields")
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True)) if rows else [() for _ in spec.fields]
    arrays: list[pa.Array[Any]] = []
    for field, column, arrow_field in zip(spec.fields, columns, schema, strict=True):
        kind = _storage_type(field)
        if kind is StorageType.UUID:
            storage = pa.array(_uuid_bytes(column), type=pa.binary(16))
            arrays.append(pa.ExtensionArray.from_storage(arrow_field.type, storage))
        elif kind is StorageType.JSON:
            arrays.append(pa.array(_json_texts(column), type=arrow_field.type))
        else:
            arrays.append(pa.array(column, type=arrow_field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
