"""SQL column types → our storage types: tables for the types that need nothing else, one small function
per type that takes parameters or says something about the mapping."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dmb_contracts.fields import StorageType
from sqlglot import exp
from sqlglot.expressions.datatypes import DType

from dmb_gateway.importer.model import Dialect

_MAX_LENGTH_LIMIT = 10_485_760
_MAX_PRECISION = 1000

#: Types that map one to one.
SIMPLE: dict[DType, StorageType] = {
    **dict.fromkeys((DType.TEXT, DType.MEDIUMTEXT, DType.LONGTEXT, DType.TINYTEXT, DType.NAME), StorageType.TEXT),
    **dict.fromkeys((DType.INT, DType.SERIAL), StorageType.INTEGER),
    **dict.fromkeys((DType.BIGINT, DType.BIGSERIAL), StorageType.BIG_INTEGER),
    **dict.fromkeys((DType.FLOAT, DType.DOUBLE), StorageType.FLOAT),
    **dict.fromkeys(
        (DType.DATETIME, DType.TIMESTAMP, DType.DATETIME2, DType.SMALLDATETIME, DType.TIMESTAMPNTZ),
        StorageType.DATETIME,
    ),
    DType.BOOLEAN: StorageType.BOOLEAN,
    DType.DATE: StorageType.DATE,
    DType.UUID: StorageType.UUID,
    DType.TIME: StorageType.TIME,
    DType.JSON: StorageType.JSON,
    DType.JSONB: StorageType.JSON,
}

#: Integer types whose range is narrower (or, unsigned, shifted) than our integer's.
RANGED: dict[DType, tuple[StorageType, int, int | None]] = {
    DType.TINYINT: (StorageType.INTEGER, -128, 127),
    DType.UTINYINT: (StorageType.INTEGER, 0, 255),
    DType.SMALLINT: (StorageType.INTEGER, -32768, 32767),
    DType.USMALLINT: (StorageType.INTEGER, 0, 65535),
    DType.MEDIUMINT: (StorageType.INTEGER, -8388608, 8388607),
    DType.UMEDIUMINT: (StorageType.INTEGER, 0, 16777215),
    DType.SMALLSERIAL: (StorageType.INTEGER, 1, 32767),
    DType.UINT: (StorageType.BIG_INTEGER, 0, 2**32 - 1),
    DType.UBIGINT: (StorageType.BIG_INTEGER, 0, None),
    DType.YEAR: (StorageType.INTEGER, 1901, 2155),
}

#: What a reader should know about a mapping that loses something.
NOTES: dict[DType, str] = {
    DType.TIMESTAMPTZ: "imported as datetime without a time zone",
    DType.TIMESTAMPLTZ: "imported as datetime without a time zone",
    DType.TIMETZ: "imported as time without a time zone",
    DType.UBIGINT: f"imported as big_integer; values above {2**63 - 1} cannot be stored",
    DType.YEAR: "imported as an integer between 1901 and 2155",
    DType.MONEY: "imported as decimal(19,2)",
}
_ZONED = {
    DType.TIMESTAMPTZ: StorageType.DATETIME,
    DType.TIMESTAMPLTZ: StorageType.DATETIME,
    DType.TIMETZ: StorageType.TIME,
}
SERIALS = {DType.SERIAL, DType.BIGSERIAL, DType.SMALLSERIAL}


@dataclass(frozen=True)
class TypeInput:
    """One column's type as the mapping functions see it."""

    name: str
    dtype: exp.DataType
    params: list[int]
    shown: str
    dialect: Dialect


Mapper = Callable[[TypeInput, list[str]], dict[str, Any]]


def _varchar(column: TypeInput, _warnings: list[str]) -> dict[str, Any]:
    if not column.params:
        return {"type": StorageType.TEXT}  # PostgreSQL's varchar without a length is unlimited
    return {"type": StorageType.STRING, "max_length": min(column.params[0] or 1, _MAX_LENGTH_LIMIT)}


def _char(column: TypeInput, warnings: list[str]) -> dict[str, Any]:
    length = column.params[0] if column.params else 1
    warnings.append(f"{column.name}: fixed-length {column.shown} imported as a string of at most {length}")
    return {"type": StorageType.STRING, "max_length": min(length or 1, _MAX_LENGTH_LIMIT)}


def _decimal(column: TypeInput, warnings: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {"type": StorageType.DECIMAL}
    if column.params:
        precision = min(column.params[0], _MAX_PRECISION)
        values["precision"] = precision
        values["scale"] = min(column.params[1] if len(column.params) > 1 else 0, precision)
    elif column.dialect != "sqlite":  # SQLite's NUMERIC has no precision to lose
        warnings.append(f"{column.name}: {column.shown} has no precision; imported as decimal(18,2), check the scale")
    if column.dtype.this is DType.UDECIMAL:
        values["min"] = 0
    return values


def _money(_column: TypeInput, _warnings: list[str]) -> dict[str, Any]:
    return {"type": StorageType.DECIMAL, "precision": 19, "scale": 2}


def _tinyint(column: TypeInput, warnings: list[str]) -> dict[str, Any]:
    if column.dialect == "mysql" and column.params == [1]:
        return {"type": StorageType.BOOLEAN}  # MySQL's BOOLEAN is TINYINT(1)
    return _ranged(column, warnings)


def _bit(column: TypeInput, warnings: list[str]) -> dict[str, Any]:
    if column.params in ([], [1]):
        return {"type": StorageType.BOOLEAN}
    return _nearest(column, warnings)


def _enum(column: TypeInput, _warnings: list[str]) -> dict[str, Any]:
    labels = [str(e.this) for e in column.dtype.expressions if isinstance(e, exp.Literal) and e.is_string]
    values: dict[str, Any] = {"type": StorageType.STRING, "max_length": max((len(c) for c in labels), default=1) or 1}
    if labels:
        values["choices"] = labels
    return values


def _ranged(column: TypeInput, _warnings: list[str]) -> dict[str, Any]:
    storage, low, high = RANGED[column.dtype.this]
    return {"type": storage, "min": low} | ({} if high is None else {"max": high})


def _zoned(column: TypeInput, _warnings: list[str]) -> dict[str, Any]:
    return {"type": _ZONED[column.dtype.this]}


def _nearest(column: TypeInput, warnings: list[str]) -> dict[str, Any]:
    warnings.append(f"{column.name}: {column.shown} is not supported; imported as text (stored as text)")
    return {"type": StorageType.TEXT}


#: Types whose mapping reads parameters or depends on the dialect.
PARAMETRISED: dict[DType, Mapper] = {
    **dict.fromkeys((DType.VARCHAR, DType.NVARCHAR), _varchar),
    **dict.fromkeys((DType.CHAR, DType.NCHAR, DType.BPCHAR), _char),
    **dict.fromkeys((DType.DECIMAL, DType.UDECIMAL, DType.BIGDECIMAL), _decimal),
    **dict.fromkeys((DType.ENUM, DType.ENUM8, DType.ENUM16), _enum),
    **dict.fromkeys(_ZONED, _zoned),
    **dict.fromkeys(set(RANGED) - {DType.TINYINT}, _ranged),
    DType.TINYINT: _tinyint,
    DType.BIT: _bit,
    DType.MONEY: _money,
}


def storage_values(name: str, dtype: exp.DataType | None, dialect: Dialect, warnings: list[str]) -> dict[str, Any]:
    """The type (and the length, precision, range or choices it implies) of a column's FieldSpec."""
    if dtype is None:
        warnings.append(f"{name}: an unknown type is not supported; imported as text (stored as text)")
        return {"type": StorageType.TEXT}
    kind = dtype.this
    column = TypeInput(name, dtype, _params(dtype), dtype.sql(dialect), dialect)
    simple = SIMPLE.get(kind)
    values = {"type": simple} if simple is not None else PARAMETRISED.get(kind, _nearest)(column, warnings)
    note = NOTES.get(kind)
    if note is not None:
        warnings.append(f"{name}: {column.shown} {note}")
    return values


def _params(dtype: exp.DataType) -> list[int]:
    numbers: list[int] = []
    for param in dtype.expressions:
        value = param.this if isinstance(param, exp.DataTypeParam) else param
        if isinstance(value, exp.Literal) and not value.is_string:
            try:
                numbers.append(int(value.this))
            except ValueError:
                continue
    return numbers
