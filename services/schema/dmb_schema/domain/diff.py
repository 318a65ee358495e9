"""The difference between two versions of a table definition, as a plan of column changes (pure, no I/O).

A field keeps its identity by name; a rename is said explicitly with `renamed_from` on the new field, so a
renamed column keeps its rows instead of being dropped and re-added. An index keeps its identity by name.
Only what changes the SQL shape needs DDL (table and column names, column types, nullability, uniqueness,
indexes, comments); the rest (generators, min/max, patterns, choices ...) is a new version without a
migration.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from dmb_contracts.fields import (
    INTEGER_LIMITS,
    INTEGER_TYPES,
    NUMERIC_TYPES,
    TEXTUAL_TYPES,
    FieldSpec,
    IndexSpec,
    SpecError,
    StorageType,
    TableSpec,
)

Shape = tuple[str, int | None, int | None]
_NUMBER = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")


#: Types whose values are not converted to or from another type by an alter.
_OPAQUE = frozenset({StorageType.JSON, StorageType.FOREIGN_KEY})


class Conversion(StrEnum):
    """What changing a column's type means for the rows already in it."""

    NONE = "none"  # same column type
    SAFE = "safe"  # every existing value fits the new type (widening)
    CHECKED = "checked"  # possible, but each existing value must be checked first


def column_shape(spec: FieldSpec) -> Shape:
    """The column type a field gets (mirrors dmb_common.datasets.COLUMN_TYPES): two fields with the same
    shape need no type change, e.g. string(254) → email."""
    if spec.type in TEXTUAL_TYPES:
        limit = spec.max_length if spec.type is StorageType.TEXT else spec.length_limit
        return ("text", limit, None)
    if spec.type is StorageType.DECIMAL:
        return ("decimal", spec.precision or 18, spec.scale if spec.scale is not None else 2)
    return (spec.type.value, None, None)


def describe_shape(spec: FieldSpec) -> str:
    kind, first, second = column_shape(spec)
    if kind == "text":
        return "text" if first is None else f"string({first})"
    if kind == "decimal":
        return f"decimal({first},{second})"
    return kind


def conversion(old: FieldSpec, new: FieldSpec) -> Conversion:
    """How the rows of `old` become rows of `new`; SpecError when the platform will not do it."""
    before, after = column_shape(old), column_shape(new)
    if before == after:
        return Conversion.NONE
    if _OPAQUE & {old.type, new.type}:
        # A document or a reference has no faithful text or number form to convert through (and a document
        # read back as a Python value would be stored as its repr): a new field is the honest way.
        raise SpecError(
            new.name,
            "type",
            f"changing {old.name!r} from {old.type.value} to {new.type.value} is not supported; "
            "add a new field with the new type instead",
        )
    if before[0] == "text" and after[0] == "text":
        old_limit, new_limit = before[1], after[1]
        widening = new_limit is None or (old_limit is not None and new_limit >= old_limit)
        return Conversion.SAFE if widening else Conversion.CHECKED
    if old.type is StorageType.INTEGER and new.type is StorageType.BIG_INTEGER:
        return Conversion.SAFE
    if before[0] == "decimal" and after[0] == "decimal":
        old_p, old_s = before[1] or 0, before[2] or 0
        new_p, new_s = after[1] or 0, after[2] or 0
        return Conversion.SAFE if new_s >= old_s and new_p - new_s >= old_p - old_s else Conversion.CHECKED
    if old.type in NUMERIC_TYPES and new.type in NUMERIC_TYPES:
        return Conversion.CHECKED
    if new.type in TEXTUAL_TYPES and old.type not in TEXTUAL_TYPES:
        return Conversion.CHECKED  # numbers, booleans and dates as text: the text must fit the length
    if old.type in TEXTUAL_TYPES and new.type in NUMERIC_TYPES:
        return Conversion.CHECKED  # only when every value is a number of the new type
    raise SpecError(
        new.name,
        "type",
        f"changing {old.name!r} from {describe_shape(old)} to {describe_shape(new)} is not supported; "
        "add a new field with the new type instead",
    )


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def value_problem(new: FieldSpec, value: object) -> str | None:
    """Why an existing (non-null) value cannot become a value of `new`'s column type, or None if it can."""
    if new.type in TEXTUAL_TYPES:
        limit = column_shape(new)[1]
        text = _as_text(value)
        if limit is not None and len(text) > limit:
            return f"{len(text)} characters is longer than {limit}"
        return None
    if isinstance(value, bool):
        return "a boolean is not a number"
    if isinstance(value, str) and not _NUMBER.fullmatch(value):
        return "not a number"
    if isinstance(value, float):
        number = Decimal(repr(value))
    else:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return "not a number"
    if not number.is_finite():
        return "not a finite number"
    if new.type in INTEGER_TYPES:
        if isinstance(value, str) and not _INTEGER.fullmatch(value):
            return "not a whole number"
        if number != number.to_integral_value():
            return "not a whole number"
        floor, ceiling = INTEGER_LIMITS[new.type]
        if not floor <= number <= ceiling:
            return f"outside the {new.type.value} range"
        return None
    if new.type is StorageType.DECIMAL:
        precision, scale = new.precision or 18, new.scale if new.scale is not None else 2
        exponent = number.normalize().as_tuple().exponent
        assert isinstance(exponent, int)  # finite numbers have an integer exponent
        if -exponent > scale:
            return f"has more than {scale} decimal places (it would be rounded)"
        if abs(number) >= Decimal(10) ** (precision - scale):
            return f"has more than {precision - scale} digits before the decimal point"
        return None
    return None  # float takes any finite number


@dataclass(frozen=True)
class FieldChange:
    """A field present in both versions (under the same or a new name)."""

    old: FieldSpec
    new: FieldSpec
    conversion: Conversion

    @property
    def renamed(self) -> bool:
        return self.old.name != self.new.name

    @property
    def retyped(self) -> bool:
        return self.conversion is not Conversion.NONE

    @property
    def nullable_changed(self) -> bool:
        return column_nullable(self.old) != column_nullable(self.new)

    @property
    def unique_changed(self) -> bool:
        return column_unique(self.old) != column_unique(self.new)

    @property
    def comment_changed(self) -> bool:
        return self.old.description != self.new.description

    @property
    def needs_ddl(self) -> bool:
        return self.renamed or self.retyped or self.nullable_changed or self.unique_changed or self.comment_changed

    def describe(self) -> str | None:
        parts: list[str] = []
        if self.renamed:
            parts.append(f"renamed from {self.old.name}")
        if self.retyped:
            parts.append(f"type {describe_shape(self.old)} → {describe_shape(self.new)}")
        if self.old.type is not self.new.type and not self.retyped:
            parts.append(f"type {self.old.type.value} → {self.new.type.value}")
        if self.nullable_changed:
            parts.append("now nullable" if self.new.nullable else "now required (not null)")
        if self.unique_changed:
            parts.append("now unique" if column_unique(self.new) else "no longer unique")
        ignored = {"name", "renamed_from", "type", "nullable", "unique"}
        old, new = self.old.model_dump(exclude=ignored), self.new.model_dump(exclude=ignored)
        parts.extend(key for key in old if old[key] != new[key])
        return f"field {self.new.name}: " + ", ".join(parts) if parts else None


def column_nullable(spec: FieldSpec) -> bool:
    return spec.nullable and not spec.primary_key


def column_unique(spec: FieldSpec) -> bool:
    return spec.unique and not spec.primary_key


@dataclass(frozen=True)
class AlterPlan:
    """Everything that turns version `old` into version `new` (whose fields carry no `renamed_from`)."""

    old: TableSpec
    new: TableSpec
    added: list[FieldSpec] = field(default_factory=list)
    dropped: list[FieldSpec] = field(default_factory=list)
    kept: list[FieldChange] = field(default_factory=list)
    added_indexes: list[IndexSpec] = field(default_factory=list)
    dropped_indexes: list[IndexSpec] = field(default_factory=list)
    #: Indexes kept (old, new) over a field that is renamed or retyped: dropped before the column changes and
    #: created again after, the same way on every database (SQLite copies the table for the change).
    rebuilt_indexes: list[tuple[IndexSpec, IndexSpec]] = field(default_factory=list)

    @property
    def renamed_table(self) -> bool:
        return self.old.table_name != self.new.table_name

    @property
    def table_comment_changed(self) -> bool:
        return self.old.description != self.new.description

    @property
    def needs_ddl(self) -> bool:
        return (
            self.renamed_table
            or self.table_comment_changed
            or bool(self.added or self.dropped or self.added_indexes or self.dropped_indexes)
            or any(change.needs_ddl for change in self.kept)
        )

    @property
    def indexes_to_drop(self) -> list[IndexSpec]:
        """Before the column changes, by their names in the current version."""
        return self.dropped_indexes + [old for old, _ in self.rebuilt_indexes]

    @property
    def indexes_to_create(self) -> list[IndexSpec]:
        """After the column changes, over the new field names."""
        return self.added_indexes + [new for _, new in self.rebuilt_indexes]

    def old_name(self, field_name: str) -> str | None:
        """The name a field of the new version has in the current one (None: it is added)."""
        return next((change.old.name for change in self.kept if change.new.name == field_name), None)

    def changes(self) -> list[str]:
        """One sentence per change, for the version history."""
        lines: list[str] = []
        if self.renamed_table:
            lines.append(f"table renamed from {self.old.table_name} to {self.new.table_name}")
        for key in ("display_name", "description"):
            if getattr(self.old, key) != getattr(self.new, key):
                lines.append(f"table {key.replace('_', ' ')} changed")
        lines.extend(f"field {spec.name} dropped" for spec in self.dropped)
        lines.extend(f"field {spec.name} added ({describe_shape(spec)})" for spec in self.added)
        lines.extend(line for change in self.kept if (line := change.describe()) is not None)
        lines.extend(f"index {index.name} dropped" for index in self.dropped_indexes)
        lines.extend(f"index {index.name} added ({describe_index(index)})" for index in self.added_indexes)
        if self.old.rules != self.new.rules:
            lines.append("consistency rules changed: " + ("; ".join(r.describe() for r in self.new.rules) or "none"))
        if not lines and self.new != self.old:
            lines.append("fields reordered")
        return lines


def without_renames(spec: TableSpec) -> TableSpec:
    """The spec as a version stores it: `renamed_from` only means something within one change."""
    if all(field.renamed_from is None for field in spec.fields):
        return spec
    fields = [field.model_copy(update={"renamed_from": None}) for field in spec.fields]
    return spec.model_copy(update={"fields": fields})


def plan_alter(old: TableSpec, requested: TableSpec) -> AlterPlan:
    """The plan from version `old` to the `requested` spec; SpecError (naming the field and the rule) when
    the change is contradictory, unsupported or changes nothing."""
    old_fields = {spec.name: spec for spec in old.fields}
    sources: dict[str, str] = {}  # old name → new name
    for spec in requested.fields:
        source = spec.renamed_from
        if source is None or source == spec.name:
            continue
        if source not in old_fields:
            raise SpecError(
                spec.name, "renamed_from", f"there is no field {source!r} to rename (in the current version)"
            )
        if source in sources:
            raise SpecError(spec.name, "renamed_from", f"field {source!r} is renamed twice")
        sources[source] = spec.name
    for spec in requested.fields:
        if spec.name in old_fields and spec.name in sources and sources[spec.name] != spec.name:
            raise SpecError(
                spec.name,
                "renamed_from",
                f"{spec.name!r} is both a new name and renamed away in the same change; rename in two steps",
            )
    new = without_renames(requested)
    added: list[FieldSpec] = []
    kept: list[FieldChange] = []
    matched: set[str] = set()
    for spec, asked in zip(new.fields, requested.fields, strict=True):
        source = asked.renamed_from if asked.renamed_from in sources else spec.name
        if source in old_fields:  # a kept name is never also renamed away (refused above)
            before = old_fields[source]
            matched.add(source)
            kept.append(FieldChange(before, spec, conversion(before, spec)))
        else:
            added.append(spec)
    dropped = [spec for spec in old.fields if spec.name not in matched]
    added_indexes, dropped_indexes, rebuilt = _plan_indexes(old, new, kept)
    plan = AlterPlan(
        old=old,
        new=new,
        added=added,
        dropped=dropped,
        kept=kept,
        added_indexes=added_indexes,
        dropped_indexes=dropped_indexes,
        rebuilt_indexes=rebuilt,
    )
    _check_keys(plan)
    if plan.new == old:
        raise SpecError(None, "unchanged", "the definition is the same as the current version; nothing to change")
    return plan


def _check_keys(plan: AlterPlan) -> None:
    """Primary keys stay as they were: the generator and the chunk ledger rely on them."""
    for spec in plan.added:
        if spec.primary_key:
            raise SpecError(spec.name, "primary_key", "a new field cannot be part of the primary key")
    for spec in plan.dropped:
        if spec.primary_key:
            raise SpecError(spec.name, "primary_key", "a primary key field cannot be dropped")
    for change in plan.kept:
        if change.old.primary_key != change.new.primary_key:
            raise SpecError(
                change.new.name, "primary_key", "changing which fields form the primary key is not supported"
            )


def creation_changes(spec: TableSpec) -> list[str]:
    """What creating the table does, one line per field and index (the migration log's words)."""
    lines = [f"table {spec.table_name} created"]
    for column in spec.fields:
        target = column.references
        marks = [describe_shape(column) if target is None else f"references {target.table}.{target.field}"]
        marks += [mark for mark, on in (("primary key", column.primary_key), ("unique", column.unique)) if on]
        marks.append("can be empty" if column.nullable else "required")
        lines.append(f"field {column.name} added ({', '.join(marks)})")
    lines.extend(
        f"index {index.name or ''} added ({describe_index(index)})".replace("  ", " ") for index in spec.indexes
    )
    return lines


def describe_index(index: IndexSpec) -> str:
    return ("unique: " if index.unique else "") + ", ".join(index.fields)


def _plan_indexes(
    old: TableSpec, new: TableSpec, kept: list[FieldChange]
) -> tuple[list[IndexSpec], list[IndexSpec], list[tuple[IndexSpec, IndexSpec]]]:
    """(added, dropped, rebuilt): an index of the same name over the same fields (after renames) with the same
    uniqueness is kept; otherwise the old one is dropped and the new one added."""
    renamed = {change.old.name: change.new.name for change in kept}
    moved = {change.old.name for change in kept if change.renamed or change.retyped}
    old_indexes = {index.name: index for index in old.indexes}
    added: list[IndexSpec] = []
    rebuilt: list[tuple[IndexSpec, IndexSpec]] = []
    kept_names: set[str | None] = set()
    for index in new.indexes:
        before = old_indexes.get(index.name)
        if (
            before is not None
            and before.unique == index.unique
            and [renamed.get(name) for name in before.fields] == index.fields
        ):
            kept_names.add(index.name)
            if moved.intersection(before.fields):
                rebuilt.append((before, index))
        else:
            added.append(index)
    dropped = [index for index in old.indexes if index.name not in kept_names]
    return added, dropped, rebuilt
