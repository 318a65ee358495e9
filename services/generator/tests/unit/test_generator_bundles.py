"""Bundles: the fields of one person or one address in a row come from one coherent draw."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from dmb_contracts.fields import BundleGenerator, TableSpec
from dmb_generator.domain import generate_chunk
from dmb_generator.domain.derived import transliterate
from faker import Faker
from pydantic import ValidationError

LOCALES = ["en_US", "de_DE", "es_ES"]


def part(name: str, bundle: str, which: str, field_type: str = "string", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": field_type, "generator": {"kind": "bundle", "bundle": bundle, "part": which, **extra}}


def person(*extra: dict[str, Any]) -> TableSpec:
    return TableSpec.model_validate(
        {
            "table_name": "people",
            "fields": [
                part("first_name", "person", "first_name"),
                part("last_name", "person", "last_name"),
                part("full_name", "person", "full_name"),
                part("gender", "person", "gender"),
                part("email", "person", "email", "email"),
                part("username", "person", "username"),
                *extra,
            ],
        }
    )


def address() -> TableSpec:
    parts = ("street", "city", "state", "postcode", "country", "country_code")
    return TableSpec.model_validate({"table_name": "places", "fields": [part(name, "address", name) for name in parts]})


def rows_of(spec: TableSpec, rows: int = 1000, *, locale: str = "en_US", seed: int = 4) -> list[dict[str, Any]]:
    out = generate_chunk(spec, seed=seed, chunk_index=0, first_row=0, rows=rows, locale=locale)
    return [dict(zip([field.name for field in spec.fields], row, strict=True)) for row in out]


def handle(name: str, locale: str) -> str:
    replacements = getattr(Faker(locale).user_name.__self__, "replacements", ())
    for source, target in replacements:
        name = name.replace(source, target)
    return "".join(char for char in transliterate(name).lower() if char.isalnum())


@pytest.mark.parametrize("locale", LOCALES)
def test_email_username_and_full_name_are_made_from_the_rows_names(locale: str, check: Any) -> None:
    spec = person()
    rows = rows_of(spec, locale=locale)
    for field in spec.fields:
        check(field, [row[field.name] for row in rows])
    for row in rows:
        first, last = handle(row["first_name"], locale), handle(row["last_name"], locale)
        assert row["full_name"] == f"{row['first_name']} {row['last_name']}"
        local = row["email"].split("@")[0]
        assert first in local or local.startswith(first[0]), (row, local)
        assert last in local, (row, local)
        assert last in row["username"] or first in row["username"], row
        assert row["email"].split("@")[1] in {"example.com", "example.org", "example.net"}


@pytest.mark.parametrize("locale", LOCALES)
def test_first_names_follow_the_gender(locale: str) -> None:
    provider: Any = Faker(locale).first_name.__self__
    female, male = set(provider.first_names_female), set(provider.first_names_male)
    rows = rows_of(person(), locale=locale)
    shares = Counter(row["gender"] for row in rows)
    assert set(shares) == {"female", "male"}
    assert 0.45 < shares["female"] / len(rows) < 0.55
    for row in rows:
        assert row["first_name"] in (female if row["gender"] == "female" else male), row


def test_prefix_follows_the_gender() -> None:
    provider: Any = Faker("en_US").prefix.__self__
    rows = rows_of(person(part("title", "person", "prefix")))
    for row in rows:
        expected = provider.prefixes_female if row["gender"] == "female" else provider.prefixes_male
        assert row["title"] in expected


def test_us_postcodes_lie_in_the_state_and_abbreviations_match() -> None:
    spec = TableSpec.model_validate(
        {
            "table_name": "places",
            "fields": [
                part("state", "address", "state"),
                part("abbr", "address", "state_abbr"),
                part("zip", "address", "postcode"),
            ],
        }
    )
    provider: Any = Faker("en_US").state.__self__
    known = {"California": "CA", "Iowa": "IA", "Texas": "TX", "Wyoming": "WY", "Florida": "FL", "Alabama": "AL"}
    seen = set()
    for row in rows_of(spec, rows=3000):
        low, high = provider.states_postcode[row["abbr"]]
        assert re.fullmatch(r"\d{5}", row["zip"])
        assert low <= int(row["zip"]) <= high, row
        if row["state"] in known:
            assert row["abbr"] == known[row["state"]]
            seen.add(row["state"])
    assert seen == set(known)


def test_spanish_city_is_the_province_and_the_postcode_starts_with_its_code() -> None:
    codes = {"Madrid": "28", "Barcelona": "08", "Sevilla": "41", "Álava": "01", "Melilla": "52", "Ciudad Real": "13"}
    seen = set()
    for row in rows_of(address(), rows=3000, locale="es_ES"):
        assert row["city"] == row["state"]
        assert re.fullmatch(r"(0[1-9]|[1-4]\d|5[0-2])\d{3}", row["postcode"]), row
        if row["state"] in codes:
            assert row["postcode"].startswith(codes[row["state"]])
            seen.add(row["state"])
        assert (row["country"], row["country_code"]) == ("Spain", "ES")
    assert seen == set(codes)


@pytest.mark.parametrize(("locale", "country"), [("en_US", ("United States", "US")), ("de_DE", ("Germany", "DE"))])
def test_addresses_are_from_the_locale(locale: str, country: tuple[str, str], check: Any) -> None:
    spec = address()
    rows = rows_of(spec, rows=300, locale=locale)
    for field in spec.fields:
        check(field, [row[field.name] for row in rows])
    provider: Any = Faker(locale).state.__self__
    assert {row["state"] for row in rows} <= set(provider.states)
    assert all((row["country"], row["country_code"]) == country for row in rows)
    assert all(row["street"] == row["street"].strip() and row["street"] for row in rows)


def test_groups_are_independent_draws_and_one_group_shares_its_draw() -> None:
    spec = TableSpec.model_validate(
        {
            "table_name": "sales",
            "fields": [
                part("buyer_first", "person", "first_name", group="buyer"),
                part("seller_first", "person", "first_name", group="seller"),
                part("buyer_email", "person", "email", "email", group="buyer"),
            ],
        }
    )
    rows = rows_of(spec)
    assert sum(row["buyer_first"] != row["seller_first"] for row in rows) > 900
    for row in rows:  # the buyer's email is the buyer's, not the seller's
        local, first = row["buyer_email"].split("@")[0], handle(row["buyer_first"], "en_US")
        assert first in local or local.startswith(first[0]), row
    alone = rows_of(
        TableSpec.model_validate(
            {"table_name": "b", "fields": [part("buyer_first", "person", "first_name", group="buyer")]}
        )
    )
    assert [row["buyer_first"] for row in alone] == [row["buyer_first"] for row in rows]


def test_adding_a_part_leaves_the_other_parts_unchanged() -> None:
    narrow = rows_of(person())
    wide = rows_of(person(part("title", "person", "prefix"), part("city", "address", "city")))
    assert [{key: row[key] for key in narrow[0]} for row in wide] == narrow


@pytest.mark.parametrize("spec", [person(), address()], ids=["person", "address"])
def test_rows_are_the_same_whatever_the_chunking(spec: TableSpec) -> None:
    whole = generate_chunk(spec, seed=21, chunk_index=0, first_row=0, rows=10_000, locale="de_DE")
    parts = [
        row
        for chunk in range(4)
        for row in generate_chunk(spec, seed=21, chunk_index=chunk, first_row=chunk * 2500, rows=2500, locale="de_DE")
    ]
    assert whole == parts


def test_other_seeds_give_other_people() -> None:
    assert rows_of(person(), rows=50, seed=1) != rows_of(person(), rows=50, seed=2)


def test_unique_bundle_email_stays_coherent_and_unique() -> None:
    unique_email = {**part("email", "person", "email", "email"), "unique": True}
    spec = TableSpec.model_validate(
        {"table_name": "t", "fields": [part("last_name", "person", "last_name"), unique_email]}
    )
    rows = [
        row
        for chunk in range(2)
        for row in generate_chunk(spec, seed=2, chunk_index=chunk, first_row=chunk * 3000, rows=3000)
    ]
    emails = [email for _, email in rows]
    assert len(set(emails)) == len(emails)
    assert all(handle(last, "en_US") in email for last, email in rows)


def test_unknown_parts_and_non_text_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="person has no part 'age'; its parts are first_name"):
        BundleGenerator.model_validate({"bundle": "person", "part": "age"})
    with pytest.raises(ValidationError, match="'person' or 'address'"):
        BundleGenerator.model_validate({"bundle": "car", "part": "make"})
    with pytest.raises(ValidationError, match="g: a person bundle gives text, so it cannot fill a boolean field"):
        TableSpec.model_validate({"table_name": "t", "fields": [part("g", "person", "gender", "boolean")]})


def test_a_locale_without_the_data_is_a_clear_error() -> None:
    spec = TableSpec.model_validate({"table_name": "t", "fields": [part("abbr", "address", "state_abbr")]})
    with pytest.raises(
        ValueError, match="field 'abbr': address state_abbr: the locale de_DE has no state abbreviations"
    ):
        rows_of(spec, rows=5, locale="de_DE")
