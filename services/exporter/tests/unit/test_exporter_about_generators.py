"""The About sheet describes what made every field's values: the field's own generator whatever its kind, or,
for a field without one, the generator it got and why (the same choice the generator service runs)."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import pytest
from dmb_contracts.field_summary import summarize_generator
from dmb_contracts.fields import GeneratorSpec, TableSpec
from dmb_exporter.adapters.xlsx_package import write_xlsx
from dmb_exporter.domain import ExportAbout
from openpyxl import load_workbook

#: One field per generator kind, with the description the About sheet should show for it. A kind added to
#: GeneratorSpec without an entry here fails `test_every_generator_kind_has_an_example`.
EXAMPLES: dict[str, tuple[dict[str, Any], str]] = {
    "faker": (
        {"name": "city", "type": "text", "generator": {"kind": "faker", "provider": "city"}},
        "faker city()",
    ),
    "sequence": (
        {"name": "serial", "type": "integer", "generator": {"kind": "sequence", "start": 10, "step": 5}},
        "sequence from 10, step 5",
    ),
    "range": (
        {"name": "score", "type": "integer", "generator": {"kind": "range", "min": 1, "max": 9}},
        "range 1 … 9",
    ),
    "choices": (
        {"name": "size", "type": "text", "generator": {"kind": "choices", "values": ["S", "M"], "weights": [1, 3]}},
        "choices: S, M (weighted)",
    ),
    "regex": (
        {"name": "code", "type": "text", "generator": {"kind": "regex", "pattern": "[A-Z]{3}"}},
        "regex [A-Z]{3}",
    ),
    "constant": (
        {"name": "origin", "type": "text", "generator": {"kind": "constant", "value": "import"}},
        "constant 'import'",
    ),
    "ai": (
        {"name": "blurb", "type": "text", "generator": {"kind": "ai", "instructions": "a short tagline"}},
        "AI: a short tagline (if the AI step fails: faker paragraph())",
    ),
    "template": (
        {"name": "label", "type": "text", "generator": {"kind": "template", "template": "{code|lower}-{serial}"}},
        "template {code|lower}-{serial}",
    ),
    "bundle": (
        {
            "name": "buyer_email",
            "type": "text",
            "generator": {"kind": "bundle", "bundle": "person", "part": "email", "group": "buyer"},
        },
        "person bundle: email (group buyer)",
    ),
    "json_object": (
        {"name": "attributes", "type": "json", "generator": {"kind": "json_object", "keys": ["color", "size"]}},
        "JSON objects with keys color, size",
    ),
    "reference": (
        {
            "name": "parent_id",
            "type": "foreign_key",
            "references": {"table": "parents", "field": "id"},
            "generator": {"kind": "reference", "children_per_parent": {"min": 1, "max": 4}},
        },
        "parent keys, 1 … 4 rows per parent",
    ),
}


def _generator_kinds() -> list[str]:
    union = typing.get_args(GeneratorSpec)[0]  # Annotated[Union[...], discriminator] -> Union[...]
    return [member.model_fields["kind"].default for member in typing.get_args(union)]


def test_every_generator_kind_has_an_example() -> None:
    assert sorted(_generator_kinds()) == sorted(EXAMPLES)


def about_generators(spec: TableSpec, path: Path) -> dict[str, str]:
    """Field name -> the Generator column of the About sheet of an xlsx export of `spec` (no rows)."""
    write_xlsx([], spec, ExportAbout.for_spec(spec), path)
    workbook = load_workbook(path, read_only=True)
    try:
        rows = list(workbook["About"].iter_rows(values_only=True))
    finally:
        workbook.close()
    header = next(at for at, row in enumerate(rows) if row[:4] == ("Field", "Type", "Constraints", "Generator"))
    return {str(row[0]): str(row[3]) for row in rows[header + 1 :] if row and row[0]}


@pytest.fixture(scope="module")
def about_sheet_generators(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The Generator column of an export of one field per generator kind."""
    spec = TableSpec.model_validate(
        {"table_name": "every_generator", "fields": [field for field, _ in EXAMPLES.values()]}
    )
    return about_generators(spec, tmp_path_factory.mktemp("about") / "every_generator.xlsx")


@pytest.mark.parametrize("kind", _generator_kinds())
def test_every_generator_kind_is_described_on_the_about_sheet(
    kind: str, about_sheet_generators: dict[str, str]
) -> None:
    field, description = EXAMPLES[kind]
    assert about_sheet_generators[field["name"]] == description


def test_a_field_without_a_generator_shows_the_one_it_got_and_why(tmp_path: Path) -> None:
    spec = TableSpec.model_validate(
        {
            "table_name": "customers",
            "fields": [
                {"name": "id", "type": "integer", "primary_key": True},
                {"name": "first_name", "type": "string"},
                {"name": "last_name", "type": "string"},
                {"name": "email", "type": "email"},
                {"name": "city", "type": "string"},
                {"name": "price", "type": "decimal"},
                {
                    "name": "size",
                    "type": "string",
                    "choices": ["S", "M"],
                    "generator": {"kind": "faker", "provider": "word"},
                },
                {"name": "code", "type": "string", "pattern": "[A-Z]{2}[0-9]{3}"},
            ],
        }
    )

    shown = about_generators(spec, tmp_path / "customers.xlsx")

    assert shown == {
        "id": "sequence from 1, step 1 (inferred from its name and type)",
        "first_name": "faker first_name() (inferred from its name and type)",
        "last_name": "faker last_name() (inferred from its name and type)",
        "email": "template {first_name|ascii|lower}.{last_name|ascii|lower}@example.com "
        "(built from first_name and last_name)",
        "city": "faker city() (inferred from its name and type)",
        "price": "range 1 … 1000 (inferred from its name and type)",
        "size": "choices: S, M (from its choices, not your generator)",
        "code": "regex [A-Z]{2}[0-9]{3} (from its pattern)",
    }
    assert "default for the type" not in shown.values()


def test_a_shaped_range_names_its_distribution() -> None:
    spec = TableSpec.model_validate(
        {
            "table_name": "shaped",
            "fields": [
                {
                    "name": "wait",
                    "type": "float",
                    "generator": {"kind": "range", "min": 0, "max": 60, "distribution": "exponential"},
                }
            ],
        }
    )
    assert summarize_generator(spec.fields[0].generator) == "range 0 … 60, exponential"
