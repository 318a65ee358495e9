"""The table designer against scripted models: valid answers pass, invalid ones are repaired or retried with the
problem told to the model, garbage ends with a reason a user can read."""

from __future__ import annotations

from typing import Any

import pytest
from dmb_ai.assistant import AssistantFailed
from dmb_ai.designer import design_tables
from dmb_ai.domain.design import DesignDraft, repair_design
from dmb_contracts.fields import FakerGenerator, StorageType

HOSPITAL: dict[str, Any] = {
    "tables": [
        {
            "table_name": "admissions",
            "fields": [
                {"name": "id", "type": "integer", "primary_key": True},
                {"name": "patient_id", "type": "foreign_key", "references": "patients.id"},
                {"name": "ward", "type": "string", "choices": ["Urgencias", "Cardiología", "Pediatría"]},
                {"name": "admitted_on", "type": "date", "min": "2020-01-01", "max": "2025-12-31"},
            ],
        },
        {
            "table_name": "patients",
            "fields": [
                {"name": "id", "type": "integer", "primary_key": True},
                {"name": "first_name", "type": "string", "faker": "first_name"},
                {"name": "city", "type": "string", "faker": "city"},
            ],
        },
    ]
}


async def test_valid_design_comes_back_parents_first_with_its_generators_and_keys(scripted_model: Any) -> None:
    answer = await design_tables(scripted_model(HOSPITAL), "patients and admissions", "es_ES", timeout_seconds=5)

    tables = answer.result.tables
    assert [table.table_name for table in tables] == ["patients", "admissions"]
    assert answer.attempts == 1
    assert answer.result.notes == []
    patients, admissions = tables
    assert patients.field("first_name").generator == FakerGenerator(provider="first_name")
    reference = admissions.field("patient_id").references
    assert reference is not None
    assert (reference.table, reference.field) == ("patients", "id")
    assert admissions.field("ward").choices == ["Urgencias", "Cardiología", "Pediatría"]


def test_repair_fixes_names_types_keys_and_drops_what_cannot_be_fixed() -> None:
    draft = DesignDraft.model_validate(
        {
            "tables": [
                {
                    "table_name": "Hospital Patients",
                    "fields": [
                        {"name": "Full Name", "type": "VARCHAR(120)", "max_length": 120},
                        {"name": "order", "type": "int"},
                        {"name": "photo", "type": "blob"},
                        {"name": "born", "type": "date", "min": "long ago"},
                        {"name": "doctor_id", "type": "foreign_key", "references": "doctors.id"},
                        {"name": "hobby", "type": "string", "faker": "no_such_provider"},
                    ],
                }
            ]
        }
    )

    repaired = repair_design(draft)

    (table,) = repaired.tables
    assert table.table_name == "hospital_patients"
    assert [f.name for f in table.fields] == ["id", "full_name", "order_value", "born", "hobby"]
    assert table.field("id").primary_key
    assert table.field("full_name").type is StorageType.STRING
    assert table.field("order_value").type is StorageType.INTEGER
    assert table.field("born").min is None
    assert table.field("hobby").generator is None
    notes = "\n".join(repaired.notes)
    assert "unknown type 'blob'" in notes
    assert "doctor_id: dropped (no table of this design to reference" in notes
    assert "born: dropped min" in notes


def test_repair_breaks_a_circle_of_references_instead_of_proposing_tables_no_batch_could_fill() -> None:
    draft = DesignDraft.model_validate(
        {
            "tables": [
                {
                    "table_name": "a_items",
                    "fields": [{"name": "b_item_id", "type": "foreign_key", "references": "b_items.id"}],
                },
                {
                    "table_name": "b_items",
                    "fields": [{"name": "a_item_id", "type": "foreign_key", "references": "a_items.id"}],
                },
            ]
        }
    )

    repaired = repair_design(draft)

    first, second = repaired.tables
    assert (first.table_name, second.table_name) == ("a_items", "b_items")
    assert [f.name for f in first.fields] == ["id"]
    assert second.field("a_item_id").references is not None
    assert "a_items.b_item_id: dropped (closes a circle of references)" in repaired.notes


async def test_invalid_answer_is_retried_with_the_problem_told_to_the_model(scripted_model: Any) -> None:
    useless = {"tables": [{"table_name": "???", "fields": [{"name": "x", "type": "integer"}]}]}
    model = scripted_model(useless, HOSPITAL)

    answer = await design_tables(model, "patients and admissions", "es_ES", timeout_seconds=5)

    assert answer.attempts == 2
    assert [t.table_name for t in answer.result.tables] == ["patients", "admissions"]
    feedback = model.sent[1][-1].content
    assert "could not be used" in feedback
    assert "unusable name" in feedback


async def test_garbage_ends_in_a_failure_that_says_why(scripted_model: Any) -> None:
    model = scripted_model("I cannot help", {"tables": "none"}, "Sure! Here are your tables.")

    with pytest.raises(AssistantFailed) as failure:
        await design_tables(model, "patients", "en_US", timeout_seconds=5)

    reason = str(failure.value)
    assert reason.startswith("the model gave no usable table design in 3 attempts")
    assert "no tool call in the answer" in reason
