"""Field and table specs refuse what no database should see, with a message naming the field and rule."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from dmb_contracts.commands import CreateTable, GenerateRows
from dmb_contracts.fields import FieldSpec, StorageType, TableSpec
from dmb_contracts.identifiers import MAX_IDENTIFIER_LENGTH, RESERVED_WORDS, identifier_problem
from dmb_contracts.registry import MESSAGE_TYPES, parse_message
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

REFERENCE = Path(__file__).resolve().parents[2] / "testing" / "dmb_testing" / "data" / "reference_table.json"


def test_the_reference_table_is_a_valid_spec() -> None:
    spec = TableSpec.model_validate_json(REFERENCE.read_text())
    assert spec.primary_key == ["id"]
    assert [f.type for f in spec.fields][:4] == [
        StorageType.INTEGER,
        StorageType.STRING,
        StorageType.STRING,
        StorageType.EMAIL,
    ]


@given(st.text(max_size=200))
def test_any_accepted_name_is_plain_lowercase_ascii(name: str) -> None:
    if identifier_problem(name) is None:
        assert name.isascii()
        assert name == name.lower()
        assert len(name) <= MAX_IDENTIFIER_LENGTH
        assert not set(name) - set("abcdefghijklmnopqrstuvwxyz0123456789_")
        assert name not in RESERVED_WORDS


@pytest.mark.parametrize(
    "name",
    [
        'a"b',
        "x; drop table users",
        "robert'); --",
        "naïve",
        "\uff21\uff22\uff23",  # fullwidth ABC
        "a" * 10_000,
        "",
        "1abc",
        "Select",
        "select",
        "dmb_outbox",
        "a b",
        "a\x00b",
    ],
)
def test_hostile_names_are_refused(name: str) -> None:
    assert identifier_problem(name) is not None
    with pytest.raises(ValidationError):
        FieldSpec(name=name, type=StorageType.STRING)


@pytest.mark.parametrize(
    ("field", "words"),
    [
        ({"type": "integer", "min": 10, "max": 1}, "min 10 is greater than max 1"),
        ({"type": "string", "min_length": 9, "max_length": 3}, "min_length 9 is greater than max_length 3"),
        ({"type": "decimal", "precision": 4, "scale": 6}, "scale 6 is greater than precision 4"),
        ({"type": "boolean", "unique": True}, "cannot be unique"),
        ({"type": "string", "choices": ["ab", "abcdef"], "max_length": 3}, "longer than max_length 3"),
        ({"type": "string", "pattern": "[A-Z]{2}", "choices": ["AB", "x1"]}, "does not match the pattern"),
        ({"type": "string", "pattern": "([a-z"}, "invalid regular expression"),
        ({"type": "integer", "max": 2**40}, "outside the integer range"),
        ({"type": "integer", "max_length": 5}, "apply to text fields"),
        ({"type": "date", "min": "2020-13-45"}, "month must be"),
        ({"type": "integer", "nullable": False, "null_percentage": 10}, "needs nullable"),
        ({"type": "integer", "primary_key": True, "nullable": True}, "cannot be nullable"),
    ],
)
def test_contradictory_constraints_are_refused_naming_the_field(field: dict[str, object], words: str) -> None:
    with pytest.raises(ValidationError) as raised:
        FieldSpec.model_validate({"name": "amount", **field})
    assert words in str(raised.value)
    assert "amount" in str(raised.value)


def test_field_names_must_differ_case_insensitively() -> None:
    with pytest.raises(ValidationError, match="used twice"):
        TableSpec(
            table_name="t",
            fields=[FieldSpec(name="a", type=StorageType.TEXT), FieldSpec(name="a", type=StorageType.TEXT)],
        )


def test_every_message_round_trips_through_the_union() -> None:
    spec = TableSpec.model_validate_json(REFERENCE.read_text())
    message = GenerateRows(job_id=uuid.uuid4(), table_id=uuid.uuid4(), table_version=1, spec=spec, rows=10, seed=1)
    parsed = parse_message(message.to_json())
    assert parsed == message
    assert {m.model_fields["type"].default for m in MESSAGE_TYPES} >= {
        "schema.table.create",
        "exporter.export.completed",
    }


def test_follow_carries_correlation_and_owner() -> None:
    owner = uuid.uuid4()
    cause = CreateTable(
        table_id=uuid.uuid4(), spec=TableSpec.model_validate_json(REFERENCE.read_text()), owner_id=owner
    )
    effect = CreateTable(table_id=cause.table_id, spec=cause.spec).follow(cause)
    assert effect.causation_id == cause.message_id
    assert effect.correlation_id == cause.message_id
    assert effect.owner_id == owner


def test_unknown_message_types_are_refused() -> None:
    with pytest.raises(ValidationError):
        parse_message(json.dumps({"type": "schema.table.explode"}))


def test_a_sequence_that_never_moves_is_refused() -> None:
    with pytest.raises(ValidationError, match="step cannot be 0"):
        FieldSpec.model_validate({"name": "n", "type": "integer", "generator": {"kind": "sequence", "step": 0}})
