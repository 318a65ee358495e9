"""The table designer's rules: what the model is asked to fill in, and how its answer becomes table definitions
that validate (libs/contracts), repaired where a rule can say how and dropped where it cannot, each change noted.

The model's form (`DesignDraft`) is deliberately loose: plain strings and numbers a small model can fill in.
Everything it says is checked here; nothing it says reaches a definition unchecked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from dmb_contracts.ai_assist import MAX_DESIGN_TABLES
from dmb_contracts.fields import (
    TYPE_TRAITS,
    FieldSpec,
    SpecError,
    StorageType,
    TableSpec,
)
from dmb_contracts.identifiers import MAX_IDENTIFIER_LENGTH, RESERVED_WORDS, identifier_problem
from dmb_contracts.table_order import ReferenceCycle, parents_first
from faker import Faker
from pydantic import BaseModel, Field, ValidationError

_TYPE_NAMES = ", ".join(kind.value for kind in StorageType)


class DraftField(BaseModel):
    """One column as the model proposes it. Kept short: every property is tokens a CPU model must write for
    every column (a column description, say, would double a design's answer)."""

    name: str = Field(description="snake_case column name")
    type: str = Field(description=f"one of: {_TYPE_NAMES}")
    primary_key: bool = False
    unique: bool = False
    nullable: bool = False
    max_length: int | None = Field(default=None, description="text types only")
    min: float | str | None = Field(default=None, description="numbers, dates (YYYY-MM-DD) only")
    max: float | str | None = None
    choices: list[str] | None = Field(default=None, description="the allowed values, when there are few")
    faker: str | None = Field(default=None, description="a Faker provider that makes realistic values, e.g. city")
    references: str | None = Field(default=None, description="foreign_key only: parent as table.field")


class DraftTable(BaseModel):
    table_name: str = Field(description="snake_case, plural")
    description: str = ""
    fields: list[DraftField]


class DesignDraft(BaseModel):
    """A set of related tables for a database."""

    tables: list[DraftTable]


#: Names models use for the storage types (the SQL ones and plain words), mapped to ours.
TYPE_SYNONYMS: dict[str, StorageType] = {
    "str": StorageType.STRING,
    "varchar": StorageType.STRING,
    "char": StorageType.STRING,
    "character varying": StorageType.STRING,
    "name": StorageType.STRING,
    "enum": StorageType.STRING,
    "phone": StorageType.STRING,
    "longtext": StorageType.TEXT,
    "int": StorageType.INTEGER,
    "smallint": StorageType.INTEGER,
    "serial": StorageType.INTEGER,
    "number": StorageType.INTEGER,
    "bigint": StorageType.BIG_INTEGER,
    "long": StorageType.BIG_INTEGER,
    "numeric": StorageType.DECIMAL,
    "money": StorageType.DECIMAL,
    "currency": StorageType.DECIMAL,
    "double": StorageType.FLOAT,
    "real": StorageType.FLOAT,
    "bool": StorageType.BOOLEAN,
    "timestamp": StorageType.DATETIME,
    "date_time": StorageType.DATETIME,
    "email_address": StorageType.EMAIL,
    "link": StorageType.URL,
    "guid": StorageType.UUID,
    "jsonb": StorageType.JSON,
    "object": StorageType.JSON,
    "fk": StorageType.FOREIGN_KEY,
    "reference": StorageType.FOREIGN_KEY,
    "foreignkey": StorageType.FOREIGN_KEY,
}


@dataclass
class Repaired:
    """Definitions that validate, parents first, and what was changed to get there."""

    tables: list[TableSpec]
    notes: list[str] = field(default_factory=list)


def identifier(text: str) -> str:
    """`text` as a valid table or field name: snake_case ASCII, not reserved, at most 63 characters."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text.strip())
    name = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
    name = re.sub(r"_+", "_", name)
    if not name:
        return ""
    if name[0].isdigit():
        name = f"n_{name}"
    if name.startswith("dmb_"):
        name = name.removeprefix("dmb_")
    name = name[:MAX_IDENTIFIER_LENGTH]
    if name in RESERVED_WORDS:
        name = f"{name}_value"[:MAX_IDENTIFIER_LENGTH]
    return name if identifier_problem(name) is None else ""


def storage_type(text: str) -> StorageType | None:
    word = re.sub(r"\(.*\)", "", text.strip().lower()).strip()
    try:
        return StorageType(word.replace(" ", "_"))
    except ValueError:
        return TYPE_SYNONYMS.get(word)


_FAKER = Faker()


def faker_provider(name: str) -> str | None:
    """`name` if Faker has a provider of that name that makes values without arguments, else None."""
    provider = identifier(name)
    if not provider or hasattr(Faker, provider):  # Faker's own methods (seed, add_provider ...) make no values
        return None
    try:
        getattr(_FAKER, provider)()
    except Exception:
        return None
    return provider


#: Constraints tried without, one at a time, when a field does not validate (the last resort drops the field).
_OPTIONAL_KEYS = ("generator", "choices", "min", "max", "max_length", "unique", "primary_key")


def _field_dict(draft: DraftField, name: str, kind: StorageType) -> dict[str, Any]:
    traits = TYPE_TRAITS[kind]
    data: dict[str, Any] = {"name": name, "type": kind}
    if draft.primary_key:
        data["primary_key"] = True
    elif draft.unique:
        data["unique"] = True
    if draft.nullable and not draft.primary_key:
        data["nullable"] = True
    if draft.max_length is not None and traits.textual and draft.max_length > 0:
        data["max_length"] = draft.max_length
    if traits.bounded:
        for bound in ("min", "max"):
            value = getattr(draft, bound)
            if value is not None:
                data[bound] = int(value) if traits.integer and isinstance(value, float) else value
    if draft.choices and (traits.textual or traits.numeric):
        data["choices"] = list(dict.fromkeys(choice for choice in draft.choices if str(choice).strip()))[:100]
    provider = faker_provider(draft.faker) if draft.faker else None
    if provider is not None and traits.textual and "choices" not in data:
        data["generator"] = {"kind": "faker", "provider": provider}
    return data


def _valid_field(data: dict[str, Any], table: str, notes: list[str]) -> FieldSpec | None:
    """The field as FieldSpec, leaving out the constraints it breaks (noted); None when even the bare field fails."""
    try:
        return FieldSpec.model_validate(data)
    except ValidationError as first:
        problem = _first_message(first)
    for key in _OPTIONAL_KEYS:
        if key not in data:
            continue
        trimmed = {k: v for k, v in data.items() if k != key}
        try:
            spec = FieldSpec.model_validate(trimmed)
        except ValidationError:
            continue
        notes.append(f"{table}.{data['name']}: dropped {key} ({problem})")
        return spec
    bare = {k: v for k, v in data.items() if k not in _OPTIONAL_KEYS}
    try:
        spec = FieldSpec.model_validate(bare)
    except ValidationError:
        notes.append(f"{table}.{data['name']}: dropped the field ({problem})")
        return None
    notes.append(f"{table}.{data['name']}: kept only its name and type ({problem})")
    return spec


def _first_message(error: ValidationError) -> str:
    detail = error.errors()[0]
    return str(detail.get("msg", "invalid")).removeprefix("Value error, ")


@dataclass
class _Table:
    name: str
    description: str
    fields: list[dict[str, Any]]
    references: dict[str, str]  # field name -> draft reference text


def _collect(draft: DesignDraft, notes: list[str]) -> list[_Table]:
    tables: list[_Table] = []
    for draft_table in draft.tables:
        name = identifier(draft_table.table_name)
        if not name:
            notes.append(f"dropped a table with an unusable name ({draft_table.table_name[:60]!r})")
            continue
        if any(table.name == name for table in tables):
            notes.append(f"{name}: dropped a second table of that name")
            continue
        if name != draft_table.table_name:
            notes.append(f"{name}: renamed from {draft_table.table_name[:60]!r}")
        table = _Table(name, draft_table.description[:5000], [], {})
        for draft_field in draft_table.fields:
            _collect_field(table, draft_field, notes)
        tables.append(table)
        if len(tables) == MAX_DESIGN_TABLES:
            break
    return tables


def _collect_field(table: _Table, draft: DraftField, notes: list[str]) -> None:
    name = identifier(draft.name)
    kind = storage_type(draft.type)
    if draft.references and kind is not StorageType.FOREIGN_KEY:
        kind = StorageType.FOREIGN_KEY
    if not name or kind is None:
        reason = "an unusable name" if not name else f"unknown type {draft.type[:40]!r}"
        notes.append(f"{table.name}: dropped field {draft.name[:60]!r} ({reason})")
        return
    if any(existing["name"] == name for existing in table.fields):
        notes.append(f"{table.name}.{name}: dropped a second field of that name")
        return
    if kind is StorageType.FOREIGN_KEY:
        table.references[name] = draft.references or ""
    table.fields.append(_field_dict(draft, name, kind))


def _ensure_primary_key(table: _Table, notes: list[str]) -> None:
    keyed = [data for data in table.fields if data.get("primary_key")]
    if keyed:
        return
    existing = next((data for data in table.fields if data["name"] == "id"), None)
    if existing is not None and existing["type"] in (StorageType.INTEGER, StorageType.BIG_INTEGER, StorageType.UUID):
        existing.update(primary_key=True, nullable=False)
        existing.pop("unique", None)
        notes.append(f"{table.name}.id: made the primary key")
        return
    name = "id" if existing is None else f"{table.name}_id"[:MAX_IDENTIFIER_LENGTH]
    table.fields.insert(0, {"name": name, "type": StorageType.INTEGER, "primary_key": True})
    notes.append(f"{table.name}.{name}: added as the primary key")


def _key_of(table: _Table, wanted: str) -> str | None:
    """The field of `table` a reference may point at: `wanted` if it is the primary key or unique, else the
    table's single-field primary key."""
    keys = [data["name"] for data in table.fields if data.get("primary_key")]
    uniques = [data["name"] for data in table.fields if data.get("unique")]
    if (wanted in keys and len(keys) == 1) or wanted in uniques:
        return wanted
    return keys[0] if len(keys) == 1 else None


def _resolve_references(tables: list[_Table], notes: list[str]) -> None:
    by_name = {table.name: table for table in tables}
    for table in tables:
        for field_name, target in table.references.items():
            parent_text, _, field_text = target.partition(".")
            parent = by_name.get(identifier(parent_text)) or _guess_parent(field_name, by_name, table.name)
            key = _key_of(parent, identifier(field_text)) if parent is not None else None
            data = next(item for item in table.fields if item["name"] == field_name)
            if parent is None or key is None:
                table.fields.remove(data)
                notes.append(f"{table.name}.{field_name}: dropped (no table of this design to reference: {target!r})")
                continue
            for stale in ("min", "max", "choices", "max_length", "generator"):
                data.pop(stale, None)
            if parent.name == table.name:
                data["nullable"] = True
            data["references"] = {"table": parent.name, "field": key}


def _guess_parent(field_name: str, tables: dict[str, _Table], own: str) -> _Table | None:
    """`patient_id` with no (usable) target: the table `patients` or `patient`, if the design has one."""
    stem = field_name.removesuffix("_id")
    for candidate in (stem, f"{stem}s", f"{stem}es", f"{stem[:-1]}ies" if stem.endswith("y") else ""):
        if candidate and candidate in tables and candidate != own:
            return tables[candidate]
    return None


def _break_cycles(specs: list[TableSpec], notes: list[str]) -> list[TableSpec]:
    """Parents first; references that close a circle of tables are dropped (noted), latest table first."""
    while True:
        try:
            return [specs[index] for index in parents_first(specs, cycles="refuse")]
        except ReferenceCycle:
            position = {spec.table_name: index for index, spec in enumerate(specs)}
            for index in range(len(specs) - 1, -1, -1):
                spec = specs[index]
                forward = [
                    f
                    for f in spec.fields
                    if f.references is not None
                    and f.references.table != spec.table_name
                    and position.get(f.references.table, -1) > index
                ]
                if forward and len(spec.fields) > len(forward):
                    kept = [f for f in spec.fields if f not in forward]
                    specs[index] = spec.model_copy(update={"fields": kept})
                    notes.extend(
                        f"{spec.table_name}.{f.name}: dropped (closes a circle of references)" for f in forward
                    )
                    break
            else:
                raise


def repair_design(draft: DesignDraft) -> Repaired:
    """Definitions that validate, built from the model's draft; what was changed is in `notes`."""
    notes: list[str] = []
    tables = _collect(draft, notes)
    for table in tables:
        _ensure_primary_key(table, notes)
    _resolve_references(tables, notes)
    specs: list[TableSpec] = []
    for table in tables:
        spec = _valid_table(table, notes)
        if spec is not None:
            specs.append(spec)
    names = {spec.table_name for spec in specs}
    specs = [_without_dangling(spec, names, notes) for spec in specs]
    return Repaired(_break_cycles(specs, notes), notes)


def _without_dangling(spec: TableSpec, names: set[str], notes: list[str]) -> TableSpec:
    """A reference to a table that was dropped goes too (the table would be refused at creation)."""
    dangling = [f for f in spec.fields if f.references is not None and f.references.table not in names]
    if not dangling:
        return spec
    notes.extend(
        f"{spec.table_name}.{f.name}: dropped (its table {f.references.table!r} was dropped)"
        for f in dangling
        if f.references
    )
    return spec.model_copy(update={"fields": [f for f in spec.fields if f not in dangling]})


def _valid_table(table: _Table, notes: list[str]) -> TableSpec | None:
    fields = [spec for data in table.fields if (spec := _valid_field(data, table.name, notes)) is not None]
    while fields:
        try:
            return TableSpec(table_name=table.name, description=table.description, fields=fields)
        except ValidationError as error:
            culprit = _culprit(error, fields)
            if culprit is None:
                notes.append(f"{table.name}: dropped the table ({_first_message(error)})")
                return None
            fields = [spec for spec in fields if spec.name != culprit]
            notes.append(f"{table.name}.{culprit}: dropped the field ({_first_message(error)})")
    notes.append(f"{table.name}: dropped the table (no usable fields)")
    return None


def _culprit(error: ValidationError, fields: list[FieldSpec]) -> str | None:
    """The field a table-level refusal names, when it names one of the fields."""
    for detail in error.errors():
        context = detail.get("ctx") or {}
        cause = context.get("error")
        if isinstance(cause, SpecError) and cause.field in {spec.name for spec in fields}:
            return cause.field
    return None
