"""Two versions of a definition compared field by field, as the history shows them."""

from __future__ import annotations

from typing import Any

from dmb_contracts.fields import TableSpec
from dmb_contracts.spec_diff import diff_specs

BASE: dict[str, Any] = {
    "table_name": "customers",
    "description": "People",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True},
        {"name": "name", "type": "string", "max_length": 60},
        {"name": "city", "type": "string"},
    ],
}


def spec(**changes: Any) -> TableSpec:
    return TableSpec.model_validate(BASE | changes)


def test_identical_definitions_have_no_difference() -> None:
    assert diff_specs(spec(), spec()).empty


def test_added_removed_and_changed_fields_are_named_with_both_values() -> None:
    after = spec(
        description="Customers",
        fields=[
            {"name": "id", "type": "integer", "primary_key": True},
            {"name": "name", "type": "string", "max_length": 200, "nullable": True},
            {"name": "email", "type": "email"},
        ],
    )
    diff = diff_specs(spec(), after)

    assert [f.name for f in diff.added] == ["email"]
    assert [f.name for f in diff.removed] == ["city"]
    (name,) = diff.changed
    assert name.name == "name"
    assert {key: (c.before, c.after) for key, c in name.changes.items()} == {
        "max_length": (60, 200),
        "nullable": (False, True),
    }
    assert (diff.table["description"].before, diff.table["description"].after) == ("People", "Customers")
    assert not diff.empty


def test_a_reordering_of_kept_fields_is_a_table_change() -> None:
    fields = BASE["fields"]
    diff = diff_specs(spec(), spec(fields=[fields[0], fields[2], fields[1]]))
    assert (diff.added, diff.removed, diff.changed) == ([], [], [])
    assert diff.table["field_order"].after == ["id", "city", "name"]


def test_renamed_from_is_not_part_of_a_version() -> None:
    fields = [*BASE["fields"][:2], {"name": "city", "type": "string", "renamed_from": "city"}]
    assert diff_specs(spec(), spec(fields=fields)).empty
