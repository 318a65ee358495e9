"""Tables as a database states them → table definitions: names that follow our rules, one FieldSpec per
column (type, keys, foreign key, CHECKs, sequence or default), indexes, and the set in foreign-key order.

Each step adds to a field's values or says, on the table's warnings, what it could not carry over.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from dmb_contracts.column_catalogue import suggest_generator
from dmb_contracts.fields import (
    INTEGER_LIMITS,
    MAX_FIELDS,
    TEXTUAL_TYPES,
    TYPE_TRAITS,
    FieldSpec,
    IndexSpec,
    JsonScalar,
    SpecError,
    StorageType,
    TableSpec,
)
from dmb_contracts.identifiers import identifier_problem
from dmb_contracts.rules_inference import infer_rules
from dmb_contracts.table_order import parents_first
from pydantic import ValidationError
from sqlglot import exp
from sqlglot.expressions.datatypes import DType

from dmb_gateway.importer.model import Column, Dialect, ImportedSchema, Index, InferredTable, SqlImportError, Table
from dmb_gateway.importer.names import suggest_identifier
from dmb_gateway.importer.types import SERIALS, storage_values

#: Tables one import may propose (a set is created in one action).
MAX_TABLES = 50
_EMAIL_WORDS = ("email", "e_mail")
_NOT_VALID = "is not a valid name"
_URL_WORDS = ("url", "uri", "website", "homepage", "link")
_NUMERIC = {StorageType.INTEGER, StorageType.BIG_INTEGER, StorageType.DECIMAL, StorageType.FLOAT}
_DATED = {StorageType.DATE, StorageType.DATETIME, StorageType.TIME}


def build_schema(tables: list[Table], dialect: Dialect, notes: list[str] | None = None) -> ImportedSchema:
    """Every table's definition, parents before the tables that reference them."""
    if len(tables) > MAX_TABLES:
        raise SqlImportError("too_many_tables", f"one import can propose at most {MAX_TABLES} tables ({len(tables)})")
    _follow_naming_rules(tables)
    _check_references(tables)
    domain = frozenset(table.name for table in tables)
    built = [_with_catalogue(build_table(table, dialect), domain) for table in tables]
    with_rules = infer_rules([table.spec for table in built])
    built = [InferredTable(spec, table.warnings) for spec, table in zip(with_rules, built, strict=True)]
    order = parents_first([table.spec for table in built], cycles="keep_given_order")
    return ImportedSchema([built[index] for index in order], list(notes or []))


def _with_catalogue(table: InferredTable, domain: frozenset[str]) -> InferredTable:
    """Each column the catalogue knows (from its table's and the set's names) gets the catalogue's generator."""
    spec = table.spec
    fields = []
    for field in spec.fields:
        suggested = suggest_generator(spec.table_name, field, domain) if field.generator is None else None
        fields.append(field if suggested is None else field.model_copy(update={"generator": suggested}))
    return InferredTable(spec.model_copy(update={"fields": fields}), table.warnings)


def build_table(table: Table, dialect: Dialect) -> InferredTable:
    if len(table.columns) > MAX_FIELDS:
        raise SqlImportError(
            "too_many_fields", f"{table.name}: a table can have at most {MAX_FIELDS} fields ({len(table.columns)})"
        )
    _sqlite_row_id(table, dialect)
    indexes = _settle_indexes(table)
    warnings = list(table.warnings)
    fields = [_field(column, dialect, warnings) for column in table.columns]
    try:
        spec = TableSpec(table_name=table.name, description=table.description[:5000], fields=fields)
    except (ValidationError, SpecError) as exc:
        raise SqlImportError("invalid_spec", f"{table.name}: {_spec_problem(exc)}") from exc
    return InferredTable(_with_indexes(spec, indexes, warnings), warnings)


# -- names ---------------------------------------------------------------------------------------------------


def _follow_naming_rules(tables: list[Table]) -> None:
    """Give each table and column that breaks our naming rules the nearest name that follows them, with a
    warning; foreign keys and indexes follow the new names."""
    table_names = _renames([table.name for table in tables])
    columns: dict[str, dict[str, str]] = {}
    for table in tables:
        old = table.name
        if table_names[old] != old:
            table.warnings.insert(0, f"the table name {identifier_problem(old)}; imported as {table_names[old]!r}")
        table.name = table_names[old]
        own = _renames([column.name for column in table.columns])
        _note_renamed_columns(table, own)
        for column in table.columns:
            column.name = own[column.name]
        for index in table.indexes:
            index.columns = [own.get(name, name) for name in index.columns]
        columns[old] = own
    for table in tables:
        for column in table.columns:
            if column.references is not None:
                parent, key, on_delete = column.references
                key = columns.get(parent, {}).get(key, key)
                column.references = (table_names.get(parent, parent), key, on_delete)


def _note_renamed_columns(table: Table, renames: dict[str, str]) -> None:
    """One warning for the names that are merely not snake_case (the usual CamelCase of a dump), one per name
    with another problem (a reserved word, the platform's prefix)."""
    plain: list[str] = []
    for old, new in renames.items():
        if old == new:
            continue
        problem = identifier_problem(old) or ""
        if _NOT_VALID in problem:
            plain.append(f"{old} → {new}")
        else:
            table.warnings.append(f"{old}: {problem}; imported as {new!r}")
    if plain:
        table.warnings.insert(0, f"renamed to lower-case snake_case, as field names must be: {', '.join(plain)}")


def _renames(names: list[str]) -> dict[str, str]:
    taken = {name for name in names if identifier_problem(name) is None}
    renames: dict[str, str] = {}
    for name in names:
        if identifier_problem(name) is None:
            renames[name] = name
            continue
        candidate, number = suggest_identifier(name), 2
        while candidate in taken:
            candidate, number = f"{suggest_identifier(name)}_{number}", number + 1
        taken.add(candidate)
        renames[name] = candidate
    return renames


def _check_references(tables: list[Table]) -> None:
    """A foreign key must point at its parent's single-column primary key or a unique column: one that points at
    anything else in the set is not imported (the database could not keep it either); one to a table outside
    the set is kept with a note that the table must exist first."""
    by_name = {table.name: table for table in tables}
    for table in tables:
        for column in table.columns:
            if column.references is None:
                continue
            parent_name, key, _ = column.references
            parent = by_name.get(parent_name)
            if parent is None:
                table.warnings.append(
                    f"{column.name}: a foreign key to {parent_name}.{key}; that table must exist on the platform before "
                    "this one is created (it is not among the imported tables)"
                )
                continue
            target = parent.column(key)
            keys = [c.name for c in parent.columns if c.primary_key]
            if target is None or not (target.unique or keys == [target.name] or _unique_index(parent, key)):
                column.references = None
                table.warnings.append(
                    f"{column.name}: the foreign key to {parent_name}.{key} was not imported ({key} is neither the "
                    f"primary key of {parent_name} nor unique)"
                )


def _unique_index(table: Table, column: str) -> bool:
    return any(index.unique and index.columns == [column] for index in table.indexes)


# -- fields ----------------------------------------------------------------------------------------------------


def _sqlite_row_id(table: Table, dialect: Dialect) -> None:
    """SQLite numbers an INTEGER PRIMARY KEY itself (the row id), AUTOINCREMENT or not."""
    keys = [column for column in table.columns if column.primary_key]
    if dialect == "sqlite" and len(keys) == 1 and keys[0].dtype is not None and keys[0].dtype.this is DType.INT:
        keys[0].autoincrement = keys[0].references is None


def _field(column: Column, dialect: Dialect, warnings: list[str]) -> FieldSpec:
    values = field_values(column, dialect, warnings)
    try:
        return FieldSpec.model_validate(values)
    except ValidationError as exc:
        first = exc
    # A constraint we inferred does not hold together (e.g. a default outside our rules): drop it and say so.
    for optional in ("default", "choices", "min", "max"):
        if optional not in values:
            continue
        dropped = values.pop(optional)
        try:
            spec = FieldSpec.model_validate(values)
        except ValidationError:
            continue
        warnings.append(f"{column.name}: the {optional} {dropped!r} was not imported ({_first_error(first)})")
        return spec
    raise SqlImportError("invalid_spec", f"{column.name}: {_first_error(first)}") from first


def field_values(column: Column, dialect: Dialect, warnings: list[str]) -> dict[str, Any]:
    """The FieldSpec (as a dict) of one column; what does not fit our types goes to `warnings`."""
    values = {"name": column.name, "description": column.description[:1000]}
    values |= storage_values(column.name, column.dtype, dialect, warnings)
    _checks(column, values, warnings)
    _email_or_url(values)
    if column.references is not None:
        values = _foreign_key(column, values, warnings)
    _keys(column, values, warnings)
    _generator_or_default(column, values, dialect, warnings)
    return values


def _checks(column: Column, values: dict[str, Any], warnings: list[str]) -> None:
    """CHECK (x IN (...)) as choices, CHECK (x BETWEEN a AND b) and comparisons as min / max."""
    storage: StorageType = values["type"]
    if column.choices is not None:
        values["choices"] = column.choices
        if storage is StorageType.STRING:
            longest = max(len(str(choice)) for choice in column.choices)
            values["max_length"] = max(values.get("max_length", 1), longest)
    for bound, exclusive, side in (
        (column.minimum, column.minimum_exclusive, "min"),
        (column.maximum, column.maximum_exclusive, "max"),
    ):
        if bound is None:
            continue
        value = _bound(bound, exclusive, side, values)
        if value is None:
            what = ">" if side == "min" else "<"
            warnings.append(
                f"{column.name}: the CHECK {column.name} {what} {bound} was not imported for a {storage.value}"
            )
            continue
        values[side] = _tighter(values.get(side), value, side)


def _bound(text: str, exclusive: bool, side: str, values: dict[str, Any]) -> JsonScalar:
    """A CHECK's bound as a bound of the field: an exclusive bound moves to the next value the field can hold."""
    storage: StorageType = values["type"]
    if storage in _DATED and not exclusive:
        return text
    if storage not in _NUMERIC:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if exclusive:
        if storage is StorageType.FLOAT:
            return None
        step = Decimal(1).scaleb(-int(values.get("scale", 2))) if storage is StorageType.DECIMAL else Decimal(1)
        number = number + step if side == "min" else number - step
    if storage in INTEGER_LIMITS:
        return int(number) if number == number.to_integral_value() else None
    return str(number) if storage is StorageType.DECIMAL else float(number)


def _tighter(current: JsonScalar, new: JsonScalar, side: str) -> JsonScalar:
    if current is None or not isinstance(current, int | float) or not isinstance(new, int | float):
        return new
    return max(current, new) if side == "min" else min(current, new)


def _email_or_url(values: dict[str, Any]) -> None:
    if values["type"] is not StorageType.STRING or "choices" in values:
        return
    words = values["name"].split("_")
    limit = values.get("max_length", 255)
    if any(word in words for word in _EMAIL_WORDS) or "e_mail" in values["name"]:
        if limit >= 6:
            values["type"] = StorageType.EMAIL
    elif any(word in words for word in _URL_WORDS) and limit >= 12:
        values["type"] = StorageType.URL


def _foreign_key(column: Column, values: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    """The column takes the parent key's type when the table is created; the SQL type is not kept."""
    assert column.references is not None
    parent, key, on_delete = column.references
    if on_delete == "set null" and not column.nullable:
        on_delete = "restrict"
        warnings.append(f"{column.name}: ON DELETE SET NULL on a NOT NULL column; RESTRICT is used")
    reference = {"table": parent, "field": key, "on_delete": on_delete}
    return {"name": column.name, "description": values["description"], "type": StorageType.FOREIGN_KEY} | {
        "references": reference
    }


def _keys(column: Column, values: dict[str, Any], warnings: list[str]) -> None:
    storage: StorageType = values["type"]
    values["primary_key"] = column.primary_key
    values["nullable"] = column.nullable and not column.primary_key
    values["unique"] = column.unique and not column.primary_key and TYPE_TRAITS[storage].key
    if column.unique and not TYPE_TRAITS[storage].key and storage is not StorageType.BOOLEAN:
        warnings.append(f"{column.name}: a {storage.value} field cannot be unique; the unique constraint was dropped")


def _generator_or_default(column: Column, values: dict[str, Any], dialect: Dialect, warnings: list[str]) -> None:
    serial = column.dtype is not None and column.dtype.this in SERIALS
    if column.references is not None:
        if column.default is not None or column.autoincrement:
            warnings.append(
                f"{column.name}: a foreign key takes its values from the parent's keys; its default was dropped"
            )
        return
    if column.autoincrement or serial:
        values["generator"] = {"kind": "sequence"}
        return
    if column.default is None:
        return
    default = default_value(column.default, values["type"])
    if default is UNSUPPORTED:
        warnings.append(
            f"{column.name}: the default {column.default.sql(dialect)[:80]} was not imported (only constant defaults are)"
        )
    else:
        values["default"] = default


UNSUPPORTED: Any = object()


def default_value(node: exp.Expr, storage: StorageType) -> JsonScalar | Any:
    """A constant default as a JSON value of the field's type, else UNSUPPORTED."""
    while isinstance(node, exp.Cast | exp.Paren):
        node = node.this
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Boolean):
        return bool(node.this) if storage is StorageType.BOOLEAN else UNSUPPORTED
    negative = isinstance(node, exp.Neg)
    if negative:
        node = node.this
    if not isinstance(node, exp.Literal):
        return UNSUPPORTED
    text = ("-" if negative else "") + str(node.this)
    if storage is StorageType.BOOLEAN:
        return _boolean(text)
    if storage in INTEGER_LIMITS or storage in (StorageType.DECIMAL, StorageType.FLOAT):
        return _number(text, storage)
    if node.is_string or storage in _DATED or storage in TEXTUAL_TYPES:
        return text
    return UNSUPPORTED


def _boolean(text: str) -> bool | Any:
    lowered = text.strip().lower()
    if lowered in ("1", "t", "true", "y", "yes"):
        return True
    if lowered in ("0", "f", "false", "n", "no"):
        return False
    return UNSUPPORTED


def _number(text: str, storage: StorageType) -> JsonScalar | Any:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return UNSUPPORTED
    if not number.is_finite():
        return UNSUPPORTED
    if storage in INTEGER_LIMITS:
        return int(number) if number == number.to_integral_value() else UNSUPPORTED
    if storage is StorageType.FLOAT:
        return float(number)
    return str(number)  # decimal: exact, as text


# -- indexes ---------------------------------------------------------------------------------------------------


def _settle_indexes(table: Table) -> list[Index]:
    """What the definition's own keys already say goes there: a unique index or constraint on the primary key
    is the key's own, one on a single column is that field's `unique`. The rest, for `_with_indexes`."""
    primary_key = {column.name for column in table.columns if column.primary_key}
    rest: list[Index] = []
    for index in table.indexes:
        if index.unique and set(index.columns) == primary_key:
            continue
        column = table.column(index.columns[0]) if index.unique and len(index.columns) == 1 else None
        if column is not None and column.name == index.columns[0]:
            column.unique = True
            _note_dropped(index, table.warnings)
            continue
        rest.append(index)
    return rest


def _note_dropped(index: Index, warnings: list[str]) -> None:
    if index.dropped:
        warnings.append(f"{index.what} was imported without {'; '.join(index.dropped)}")


def _with_indexes(spec: TableSpec, indexes: list[Index], warnings: list[str]) -> TableSpec:
    """`spec` with each index that keeps it valid; one that breaks a rule of the definitions (a field of a
    type that cannot be indexed, too many fields ...) is left out with a warning naming it, and one whose
    name is taken or breaks the naming rules gets its derived name instead."""
    accepted: list[IndexSpec] = []
    shapes: set[tuple[tuple[str, ...], bool]] = set()
    for index in indexes:
        shape = (tuple(index.columns), index.unique)
        if shape in shapes:
            continue  # the same rule twice (e.g. a constraint and an index on the same columns)
        found = _first_valid_index(spec, accepted, index, warnings)
        if found is not None:
            accepted = found
            shapes.add(shape)
    if not accepted:
        return spec
    return spec.model_copy(update={"indexes": accepted})


def _first_valid_index(
    spec: TableSpec, accepted: list[IndexSpec], index: Index, warnings: list[str]
) -> list[IndexSpec] | None:
    names: list[str | None] = [None]
    if index.name is not None:
        problem = identifier_problem(index.name)
        if problem:
            warnings.append(f"{index.what}: the name {problem}; it gets a derived one")
        else:
            names.insert(0, index.name)
    first_error: str | None = None
    for name in names:
        try:
            candidate = IndexSpec(name=name, fields=index.columns, unique=index.unique)
            checked = TableSpec(
                table_name=spec.table_name,
                description=spec.description,
                fields=spec.fields,
                indexes=[*accepted, candidate],
            )
        except (ValidationError, SpecError) as exc:
            first_error = first_error or _spec_problem(exc)
            continue
        _note_dropped(index, warnings)
        if first_error is not None:
            warnings.append(f"{index.what} was imported as {checked.indexes[-1].name} ({first_error})")
        return list(checked.indexes)
    warnings.append(f"{index.what} was not imported ({first_error})")
    return None


def _spec_problem(exc: ValidationError | SpecError) -> str:
    if isinstance(exc, SpecError):
        return exc.message
    errors = exc.errors()
    cause = errors[0].get("ctx", {}).get("error") if errors else None
    return cause.message if isinstance(cause, SpecError) else _first_error(exc)


def _first_error(exc: ValidationError) -> str:
    errors = exc.errors()
    return str(errors[0]["msg"]).removeprefix("Value error, ") if errors else str(exc)
