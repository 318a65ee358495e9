"""Column vocabularies against scripted models: real values with weights pass, placeholders and values the field
cannot hold are dropped, too few usable values are asked for again, garbage fails with the reason."""

from __future__ import annotations

from typing import Any

import pytest
from dmb_ai.assistant import AssistantFailed
from dmb_ai.vocabularies import suggest_vocabulary
from dmb_contracts.ai_assist import vocabulary_problem
from dmb_contracts.fields import TableSpec

GENRES = TableSpec.model_validate(
    {
        "table_name": "genres",
        "description": "Music genres of a streaming catalogue",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            {"name": "name", "type": "string", "max_length": 20},
            {"name": "plays", "type": "integer"},
        ],
    }
)


def _items(*pairs: tuple[str, float]) -> dict[str, Any]:
    return {"values": [{"value": value, "weight": weight} for value, weight in pairs]}


async def test_values_come_back_with_weights_that_sum_to_one(scripted_model: Any) -> None:
    model = scripted_model(_items(("Rock", 5), ("Pop", 3), ("Jazz", 2)))

    answer = await suggest_vocabulary(model, GENRES, GENRES.field("name"), "en_US", "", timeout_seconds=5)

    assert answer.result.values == ["Rock", "Pop", "Jazz"]
    assert answer.result.weights == [0.5, 0.3, 0.2]
    assert answer.result.notes == []


async def test_placeholders_repeats_and_too_long_values_are_dropped_and_noted(scripted_model: Any) -> None:
    reply = _items(
        ("Rock", 1),
        ("rock", 1),
        ("Genre 1", 1),
        ("Genre 2", 1),
        ("Genre 3", 1),
        ("Value 7", 1),
        ("Progressive Psychedelic Rock", 1),
        ("Salsa", 0),
    )

    answer = await suggest_vocabulary(
        scripted_model(reply), GENRES, GENRES.field("name"), "en_US", "", timeout_seconds=5
    )

    assert answer.result.values == ["Rock", "Salsa"]
    assert answer.result.weights == [0.5, 0.5]
    notes = "\n".join(answer.result.notes)
    assert "'rock' (repeated)" in notes
    assert "'Genre 2' (one of several values that only count up" in notes
    assert "'Value 7' (is a numbered placeholder (like 'Product 2'), not a realistic value)" in notes
    assert "longer than the field's 20 characters" in notes


async def test_too_few_usable_values_are_asked_for_again(scripted_model: Any) -> None:
    model = scripted_model(_items(("Item 1", 1), ("Item 2", 1)), _items(("Blues", 1), ("Soul", 1)))

    answer = await suggest_vocabulary(model, GENRES, GENRES.field("name"), "en_US", "", timeout_seconds=5)

    assert answer.attempts == 2
    assert answer.result.values == ["Blues", "Soul"]
    assert "fewer than 2 usable values" in model.sent[1][-1].content


async def test_garbage_fails_with_the_last_problem(scripted_model: Any) -> None:
    model = scripted_model("no idea", "still no idea", {"values": 3})

    with pytest.raises(AssistantFailed) as failure:
        await suggest_vocabulary(model, GENRES, GENRES.field("name"), "en_US", "", timeout_seconds=5)

    assert "no usable vocabulary in 3 attempts" in str(failure.value)
    assert "did not match the form" in str(failure.value)


def test_only_plain_text_fields_take_a_vocabulary() -> None:
    assert vocabulary_problem(GENRES.field("name")) is None
    assert vocabulary_problem(GENRES.field("plays")) == "vocabularies are for text fields; 'plays' is integer"
    assert "is a key" in str(vocabulary_problem(GENRES.field("id")))
