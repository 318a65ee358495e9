"""Defaults that agree across the row: an email left without a generator is made from the row's names."""

from __future__ import annotations

import re
from typing import Any

from dmb_contracts.fields import TableSpec
from dmb_generator.domain import generate_chunk
from dmb_generator.domain.derived import transliterate


def rows_of(*fields: dict[str, Any], rows: int = 300, locale: str = "en_US") -> list[dict[str, Any]]:
    spec = TableSpec.model_validate({"table_name": "t", "fields": list(fields)})
    out = generate_chunk(spec, seed=8, chunk_index=0, first_row=0, rows=rows, locale=locale)
    return [dict(zip([field.name for field in spec.fields], row, strict=True)) for row in out]


def local_part(first: str, last: str) -> str:
    text = f"{transliterate(first).lower()}.{transliterate(last).lower()}"
    return re.sub(r"\.{2,}", ".", re.sub(r"[^a-z0-9._+-]", "", text)).strip(".")


def test_an_email_without_generator_is_made_from_the_first_and_last_name() -> None:
    rows = rows_of(
        {"name": "email", "type": "email"},
        {"name": "first_name", "type": "string"},
        {"name": "surname", "type": "string"},
        locale="es_ES",
    )
    for row in rows:
        assert row["email"] == f"{local_part(row['first_name'], row['surname'])}@example.com"


def test_a_unique_email_made_from_names_stays_unique() -> None:
    rows = rows_of(
        {"name": "first_name", "type": "string", "generator": {"kind": "choices", "values": ["Ann", "Bob"]}},
        {"name": "given_name", "type": "string"},
        {"name": "last_name", "type": "string"},
        {"name": "email", "type": "email", "unique": True},
        rows=2000,
    )
    emails = [row["email"] for row in rows]
    assert len(set(emails)) == len(emails)
    # The first name-like field by its generator (given_name: inferred first_name) is the one used.
    assert all(row["email"].startswith(local_part(row["given_name"], row["last_name"]) + ".") for row in rows)


def test_bundle_names_count_as_the_rows_names() -> None:
    rows = rows_of(
        {"name": "a", "type": "string", "generator": {"kind": "bundle", "bundle": "person", "part": "first_name"}},
        {"name": "b", "type": "string", "generator": {"kind": "bundle", "bundle": "person", "part": "last_name"}},
        {"name": "mail", "type": "string"},
    )
    assert all(row["mail"] == f"{local_part(row['a'], row['b'])}@example.com" for row in rows)


def test_an_email_the_user_chose_a_generator_for_is_left_alone() -> None:
    rows = rows_of(
        {"name": "first_name", "type": "string"},
        {"name": "last_name", "type": "string"},
        {"name": "email", "type": "email", "generator": {"kind": "faker", "provider": "email"}},
    )
    unrelated = [row for row in rows if local_part(row["first_name"], row["last_name"]) not in row["email"]]
    assert len(unrelated) > 250


def test_without_both_names_the_email_stays_a_random_address() -> None:
    rows = rows_of({"name": "first_name", "type": "string"}, {"name": "email", "type": "email"})
    assert sum(row["first_name"].lower() not in row["email"] for row in rows) > 250
