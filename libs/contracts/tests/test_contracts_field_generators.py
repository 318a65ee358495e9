"""What a user is shown about each field's values (field_generators): the generator that runs and why, for
fields with and without a generator of their own, for every storage type."""

from __future__ import annotations

from typing import Any

import pytest
from dmb_contracts.fields import (
    AIGenerator,
    ChoicesGenerator,
    FakerGenerator,
    RangeGenerator,
    RegexGenerator,
    SequenceGenerator,
    StorageType,
    TableSpec,
    TemplateGenerator,
)
from dmb_contracts.generator_defaults import FieldGenerator, field_generators, infer_generator, row_generators


def shown(*fields: dict[str, Any]) -> dict[str, FieldGenerator]:
    spec = TableSpec.model_validate({"table_name": "t", "fields": list(fields)})
    return {each.name: each for each in field_generators(spec)}


def test_the_requirements_examples_are_inferred_and_say_so() -> None:
    fields = shown(
        {"name": "email", "type": "email"},
        {"name": "city", "type": "string"},
        {"name": "price", "type": "decimal"},
    )

    assert fields["email"].generator == FakerGenerator(provider="email")
    assert fields["city"].generator == FakerGenerator(provider="city")
    assert fields["price"].generator == RangeGenerator(min=1, max=1000)
    assert [(f.source, f.summary) for f in fields.values()] == [
        ("inferred", "faker email()"),
        ("inferred", "faker city()"),
        ("inferred", "range 1 … 1000"),
    ]
    assert fields["city"].source_text == "inferred from its name and type"
    assert fields["city"].explanation == "faker city() (inferred from its name and type)"
    assert all(f.fallback is None and f.fallback_summary is None for f in fields.values())


def test_the_fields_come_in_the_definitions_order() -> None:
    spec = TableSpec.model_validate(
        {"table_name": "t", "fields": [{"name": name, "type": "string"} for name in ("zeta", "alpha", "mid")]}
    )

    assert [each.name for each in field_generators(spec)] == ["zeta", "alpha", "mid"]


def test_a_generator_of_the_users_own_is_used_as_is() -> None:
    [city] = shown({"name": "city", "type": "string", "generator": {"kind": "faker", "provider": "country"}}).values()

    assert (city.source, city.source_text) == ("set", "your generator")
    assert city.generator == FakerGenerator(provider="country")
    assert city.explanation == "faker country() (your generator)"


@pytest.mark.parametrize(
    ("field", "generator", "words"),
    [
        ({"pattern": "[A-Z]{3}"}, RegexGenerator(pattern="[A-Z]{3}"), "from its pattern"),
        ({"choices": ["S", "M", "L"]}, ChoicesGenerator(values=["S", "M", "L"]), "from its choices"),
        (
            {"choices": ["S", "M"], "generator": {"kind": "faker", "provider": "word"}},
            ChoicesGenerator(values=["S", "M"]),
            "from its choices, not your generator",
        ),
        (
            {"pattern": "[0-9]{4}", "generator": {"kind": "ai", "instructions": "a code"}},
            RegexGenerator(pattern="[0-9]{4}"),
            "from its pattern, not your generator",
        ),
    ],
)
def test_a_pattern_or_choices_decide_whatever_generator_is_named(
    field: dict[str, Any], generator: RegexGenerator | ChoicesGenerator, words: str
) -> None:
    [size] = shown({"name": "size", "type": "string"} | field).values()

    assert (size.source, size.generator, size.source_text) == ("constraint", generator, words)
    assert size.fallback is None


def test_weighted_choices_within_the_fields_choices_stay_the_users_own() -> None:
    weighted = {"kind": "choices", "values": ["S", "M"], "weights": [1, 3]}
    [size] = shown({"name": "size", "type": "string", "choices": ["S", "M", "L"], "generator": weighted}).values()

    assert size.source == "set"
    assert size.summary == "choices: S, M (weighted)"


def test_an_inferred_email_next_to_name_fields_is_built_from_them() -> None:
    fields = shown(
        {"name": "first_name", "type": "string"},
        {"name": "surname", "type": "string"},
        {"name": "email", "type": "email"},
        {"name": "backup_email", "type": "email", "generator": {"kind": "faker", "provider": "email"}},
    )

    email = fields["email"]
    assert email.source == "coherent"
    assert email.generator == TemplateGenerator(template="{first_name|ascii|lower}.{surname|ascii|lower}@example.com")
    assert email.source_text == "built from first_name and surname"
    assert email.summary == "template {first_name|ascii|lower}.{surname|ascii|lower}@example.com"
    # A generator the user set is theirs, even where a built one would fit.
    assert (fields["backup_email"].source, fields["backup_email"].summary) == ("set", "faker email()")
    assert fields["first_name"].source == fields["surname"].source == "inferred"


def test_an_email_without_both_name_fields_stays_a_faker_email() -> None:
    fields = shown({"name": "first_name", "type": "string"}, {"name": "email", "type": "email"})

    assert (fields["email"].source, fields["email"].generator) == ("inferred", FakerGenerator(provider="email"))


def test_an_ai_field_shows_ai_and_what_stands_in_when_the_ai_step_fails() -> None:
    fields = shown(
        {"name": "id", "type": "integer", "primary_key": True},
        {"name": "city", "type": "string", "generator": {"kind": "ai", "instructions": "French cities"}},
        {"name": "notes", "type": "text", "generator": {"kind": "ai"}},
    )

    city = fields["city"]
    assert (city.source, city.generator) == ("set", AIGenerator(instructions="French cities"))
    assert (city.fallback, city.fallback_summary) == (FakerGenerator(provider="city"), "faker city()")
    assert city.explanation == "AI: French cities (your generator; if the AI step fails: faker city())"
    assert fields["notes"].fallback == FakerGenerator(provider="paragraph")
    assert (fields["id"].source, fields["id"].generator) == ("inferred", SequenceGenerator())


def test_an_ai_name_field_falling_back_makes_the_email_coherent_in_the_fallback_run() -> None:
    """Without the AI, the name fields fall back to Faker names, so the row's email is then built from them."""
    fields = (
        {"name": "first_name", "type": "string", "generator": {"kind": "ai"}},
        {"name": "last_name", "type": "string"},
        {"name": "email", "type": "email", "generator": {"kind": "ai"}},
    )
    spec = TableSpec.model_validate({"table_name": "t", "fields": list(fields)})
    shown_fields = {each.name: each for each in field_generators(spec)}

    without_ai = row_generators(spec.fields, has_pool=lambda name: False)
    assert shown_fields["first_name"].fallback == without_ai["first_name"] == FakerGenerator(provider="first_name")
    # The AI email is the user's own: only an email without a generator becomes a template.
    assert shown_fields["email"].fallback == FakerGenerator(provider="email")


#: One field per storage type without a generator, and what it is shown to get.
BY_TYPE: dict[StorageType, tuple[dict[str, Any], str]] = {
    StorageType.STRING: ({"name": "nickname"}, "faker word()"),
    StorageType.TEXT: ({"name": "bio"}, "faker paragraph()"),
    StorageType.INTEGER: ({"name": "age"}, "range 18 … 90"),
    StorageType.BIG_INTEGER: ({"name": "order_id"}, "sequence from 1, step 1"),
    StorageType.DECIMAL: ({"name": "price"}, "range 1 … 1000"),
    StorageType.FLOAT: ({"name": "latitude"}, "range -90 … 90"),
    StorageType.BOOLEAN: ({"name": "active"}, "faker boolean()"),
    StorageType.DATE: ({"name": "birth_date"}, "faker date_of_birth(minimum_age=18, maximum_age=90)"),
    StorageType.DATETIME: ({"name": "created_at"}, "faker date_time_between(start_date='-2y', end_date='now')"),
    StorageType.EMAIL: ({"name": "contact"}, "faker email()"),
    StorageType.URL: ({"name": "site"}, "faker url()"),
    StorageType.UUID: ({"name": "token"}, "faker uuid4()"),
    StorageType.JSON: ({"name": "attributes"}, "JSON objects"),
    StorageType.TIME: ({"name": "opens_at", "min": "08:00", "max": "18:00"}, "range (field bounds)"),
    StorageType.FOREIGN_KEY: (
        {"name": "parent_id", "references": {"table": "parents", "field": "id"}},
        "parent keys, drawn uniformly",
    ),
}


def test_every_storage_type_has_an_example() -> None:
    assert set(BY_TYPE) == set(StorageType)


@pytest.mark.parametrize("kind", list(StorageType))
def test_a_field_of_every_type_without_a_generator_is_shown_what_it_gets(kind: StorageType) -> None:
    field, summary = BY_TYPE[kind]
    [each] = shown(field | {"type": kind.value}).values()

    assert (each.source, each.summary) == ("inferred", summary)
    assert each.generator == infer_generator(
        TableSpec.model_validate({"table_name": "t", "fields": [field | {"type": kind.value}]}).fields[0]
    )
    assert each.explanation == f"{summary} (inferred from its name and type)"


def test_the_model_round_trips_through_json() -> None:
    [city] = shown({"name": "city", "type": "string", "generator": {"kind": "ai"}}).values()

    assert FieldGenerator.model_validate_json(city.model_dump_json()) == city
