"""The difference between two table definitions, field by field: what a person compares when reading a
table's history. Pure; the schema service's migration plan (which also knows renames and what needs DDL)
is a different thing and stays in that service.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from dmb_contracts.fields import FieldSpec, TableSpec

#: Attributes that only steer an alter; they are not part of what a version is.
_TRANSIENT = frozenset({"renamed_from"})


class ValueChange(BaseModel):
    before: Any
    after: Any


class FieldDiff(BaseModel):
    name: str
    changes: dict[str, ValueChange] = Field(description="Each attribute that differs, with both values.")


class SpecDiff(BaseModel):
    """`before` → `after`: fields added, removed and changed (by name), and table-level attributes changed."""

    added: list[FieldSpec] = Field(default_factory=list)
    removed: list[FieldSpec] = Field(default_factory=list)
    changed: list[FieldDiff] = Field(default_factory=list)
    table: dict[str, ValueChange] = Field(
        default_factory=dict, description="table_name, display_name, description, indexes, field order"
    )

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.table)


def _attributes(field: FieldSpec) -> dict[str, Any]:
    return {key: value for key, value in field.model_dump(mode="json").items() if key not in _TRANSIENT}


def _differences(before: dict[str, Any], after: dict[str, Any]) -> dict[str, ValueChange]:
    keys = [*before, *(key for key in after if key not in before)]
    return {
        key: ValueChange(before=before.get(key), after=after.get(key))
        for key in keys
        if before.get(key) != after.get(key)
    }


def diff_specs(before: TableSpec, after: TableSpec) -> SpecDiff:
    """What differs between two definitions. Fields are matched by name, so a renamed field shows as one
    removed and one added (the version's `changes` say it was a rename)."""
    old = {field.name: field for field in before.fields}
    new = {field.name: field for field in after.fields}
    diff = SpecDiff(
        added=[field for name, field in new.items() if name not in old],
        removed=[field for name, field in old.items() if name not in new],
        changed=[
            FieldDiff(name=name, changes=changes)
            for name, field in new.items()
            if name in old and (changes := _differences(_attributes(old[name]), _attributes(field)))
        ],
    )
    table_before = before.model_dump(mode="json", include={"table_name", "display_name", "description", "indexes"})
    table_after = after.model_dump(mode="json", include={"table_name", "display_name", "description", "indexes"})
    diff.table = _differences(table_before, table_after)
    kept_before = [name for name in old if name in new]
    kept_after = [name for name in new if name in old]
    if kept_before != kept_after:
        diff.table["field_order"] = ValueChange(before=kept_before, after=kept_after)
    return diff
