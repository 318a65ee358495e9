"""A field without a generator gets a sensible one, and the UI can show which."""

from __future__ import annotations

from typing import Any

import pytest
from dmb_contracts.fields import FieldSpec
from dmb_contracts.generator_defaults import infer_generator


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ({"name": "email", "type": "email"}, ("faker", "email")),
        ({"name": "contact", "type": "email"}, ("faker", "email")),
        ({"name": "first_name", "type": "string"}, ("faker", "first_name")),
        ({"name": "last_name", "type": "string"}, ("faker", "last_name")),
        ({"name": "full_name", "type": "string"}, ("faker", "name")),
        ({"name": "city", "type": "string"}, ("faker", "city")),
        ({"name": "country", "type": "string"}, ("faker", "country")),
        ({"name": "phone", "type": "string"}, ("faker", "phone_number")),
        ({"name": "home_address", "type": "string"}, ("faker", "street_address")),
        ({"name": "company", "type": "string"}, ("faker", "company")),
        ({"name": "website", "type": "string"}, ("faker", "url")),
        ({"name": "username", "type": "string"}, ("faker", "user_name")),
        ({"name": "description", "type": "text"}, ("faker", "paragraph")),
        ({"name": "description", "type": "string"}, ("faker", "sentence")),
        ({"name": "price", "type": "decimal"}, ("range", None)),
        ({"name": "created_at", "type": "datetime"}, ("faker", "date_time_between")),
        ({"name": "birth_date", "type": "date"}, ("faker", "date_of_birth")),
        ({"name": "dob", "type": "date"}, ("faker", "date_of_birth")),
        ({"name": "active", "type": "boolean"}, ("faker", "boolean")),
        ({"name": "id", "type": "integer", "primary_key": True}, ("sequence", None)),
        ({"name": "status", "type": "string", "choices": ["a", "b"]}, ("choices", None)),
        ({"name": "code", "type": "string", "pattern": "[A-Z]{3}"}, ("regex", None)),
        ({"name": "whatever", "type": "string"}, ("faker", "word")),
        ({"name": "whatever", "type": "float"}, ("range", None)),
    ],
)
def test_inferred_generator(field: dict[str, Any], expected: tuple[str, str | None]) -> None:
    generator = infer_generator(FieldSpec.model_validate(field))
    assert (generator.kind, getattr(generator, "provider", None)) == expected


def test_salary_range_is_realistic() -> None:
    generator = infer_generator(FieldSpec(name="salary", type="decimal"))
    assert generator.kind == "range"
    assert (generator.min, generator.max) == (20_000, 200_000)


def test_an_explicit_generator_is_kept() -> None:
    field = FieldSpec(name="email", type="string", generator={"kind": "faker", "provider": "city"})
    assert infer_generator(field) == field.generator
