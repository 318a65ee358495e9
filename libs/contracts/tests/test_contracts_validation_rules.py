"""Names and constraints are refused before any database sees them, with a message naming the field and the
rule: reserved words of each dialect, lengths, hostile text, and defaults or choices that contradict the
field's other constraints."""

from __future__ import annotations

from typing import Any

import pytest
from dmb_contracts.fields import SpecError, TableSpec
from dmb_contracts.identifiers import (
    DIALECT_IDENTIFIER_LIMITS,
    MAX_IDENTIFIER_LENGTH,
    MYSQL_RESERVED,
    POSTGRESQL_RESERVED,
    RESERVED_WORDS,
    SQLITE_KEYWORDS,
    identifier_problem,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

SQL_WORDS = sorted(RESERVED_WORDS)
hostile_names = st.one_of(
    st.sampled_from(SQL_WORDS),
    st.sampled_from(SQL_WORDS).map(str.upper),
    st.text(min_size=1, max_size=80).filter(lambda name: identifier_problem(name) is not None),
    st.builds(lambda word, tail: f"{word}{tail}", st.sampled_from(["a", "x_"]), st.sampled_from(['"', "'", ";", "`"])),
    st.builds(lambda n: "a" * n, st.integers(MAX_IDENTIFIER_LENGTH + 1, 10_000)),
    st.sampled_from(
        [
            "robert'); drop table users; --",
            'a"b',
            "naïve",
            "\uff53\uff45\uff4c\uff45\uff43\uff54",
            "a b",
            "a\x00b",
            "dmb_x",
            "1a",
        ]
    ),
)


def table(table_name: str = "orders", field_name: str = "amount", index_name: str = "ix_amount") -> dict[str, Any]:
    return {
        "table_name": table_name,
        "fields": [{"name": "id", "type": "integer", "primary_key": True}, {"name": field_name, "type": "integer"}],
        "indexes": [{"name": index_name, "fields": [field_name]}],
    }


@settings(max_examples=150, deadline=None)
@given(hostile_names, st.sampled_from(["table", "field", "index"]))
def test_hostile_names_are_refused_wherever_they_are_used(name: str, where: str) -> None:
    with pytest.raises(ValidationError) as raised:
        TableSpec.model_validate(table(**{f"{where}_name": name}))
    assert identifier_problem(name) in str(raised.value) or "is not a field of the table" in str(raised.value)


@pytest.mark.parametrize(
    ("word", "dialects"),
    [
        ("current_schema", "PostgreSQL"),
        ("concurrently", "PostgreSQL"),
        ("first", "SQLite"),
        ("indexed", "SQLite"),
        ("rank", "MySQL/MariaDB"),
        ("row_number", "MySQL/MariaDB"),
        ("select", "PostgreSQL, SQLite, MySQL/MariaDB"),
    ],
)
def test_reserved_words_are_refused_naming_the_dialects_that_reserve_them(word: str, dialects: str) -> None:
    problem = identifier_problem(word)
    assert problem is not None
    assert f"reserved SQL word (in {dialects})" in problem


def test_the_reserved_lists_hold_each_dialects_keywords() -> None:
    assert len(SQLITE_KEYWORDS) == 147  # https://sqlite.org/lang_keywords.html
    assert {"analyse", "asymmetric", "current_catalog", "system_user", "tablesample"} <= POSTGRESQL_RESERVED
    assert {"rank", "lateral", "json_table", "qualify", "cume_dist", "dual"} <= MYSQL_RESERVED
    assert "admin" not in MYSQL_RESERVED  # non-reserved since MySQL 8.0.12
    assert RESERVED_WORDS == POSTGRESQL_RESERVED | SQLITE_KEYWORDS | MYSQL_RESERVED


@pytest.mark.parametrize("word", SQL_WORDS)
def test_the_suggested_alternative_to_a_reserved_word_is_itself_a_valid_name(word: str) -> None:
    problem = identifier_problem(word)
    assert problem is not None
    suggestion = problem.rsplit("(e.g. ", 1)[1].rstrip(")")
    assert identifier_problem(suggestion) is None


def test_the_length_limit_is_postgresqls_63_everywhere() -> None:
    limits = [limit for limit in DIALECT_IDENTIFIER_LIMITS.values() if limit is not None]
    assert MAX_IDENTIFIER_LENGTH == min(limits) == 63
    assert identifier_problem("a" * 63) is None
    problem = identifier_problem("a" * 64)
    assert problem is not None
    assert "at most 63 characters (this one has 64)" in problem


@pytest.mark.parametrize(
    ("field", "rule", "words"),
    [
        ({"type": "integer", "min": 1, "max": 10, "default": 11}, "default", "default 11 is above max 10"),
        ({"type": "date", "min": "2024-01-01", "default": "2023-12-31"}, "default", "is below min 2024-01-01"),
        ({"type": "integer", "default": "ten"}, "default", "is not a number"),
        ({"type": "integer", "default": 1.5}, "default", "is not a whole number"),
        ({"type": "boolean", "default": "yes"}, "default", "is not true or false"),
        ({"type": "date", "default": "someday"}, "default", "is not a date value"),
        ({"type": "string", "max_length": 3, "default": "abcd"}, "default", "is longer than max_length 3"),
        ({"type": "string", "min_length": 3, "default": "ab"}, "default", "is shorter than min_length 3"),
        ({"type": "string", "pattern": "[A-Z]+", "default": "abc"}, "default", "does not match the pattern"),
        ({"type": "string", "choices": ["a", "b"], "default": "c"}, "default", "is not one of the choices"),
        ({"type": "string", "default": 5}, "default", "is not text"),
        ({"type": "integer", "min": 0, "max": 5, "choices": [1, 9]}, "choices", "choice 9 is above max 5"),
        ({"type": "integer", "min": 5, "max": 1}, "range", "min 5 is greater than max 1"),
        ({"type": "decimal", "precision": 3, "scale": 5}, "precision", "scale 5 is greater than precision 3"),
        ({"type": "boolean", "unique": True}, "unique", "cannot be unique"),
        ({"type": "string", "max_length": 2, "choices": ["abc"]}, "choices", "longer than max_length 2"),
    ],
)
def test_contradictory_constraints_name_the_field_and_the_rule(field: dict[str, Any], rule: str, words: str) -> None:
    spec = {"table_name": "orders", "fields": [{"name": "amount", **field}]}
    with pytest.raises(ValidationError) as raised:
        TableSpec.model_validate(spec)
    (error,) = raised.value.errors()
    cause = error["ctx"]["error"]
    assert isinstance(cause, SpecError)
    assert (cause.field, cause.rule) == ("amount", rule)
    assert words in cause.message


@pytest.mark.parametrize(
    "field",
    [
        {"type": "integer", "min": 1, "max": 10, "default": 10},
        {"type": "string", "pattern": "[a-z]+", "choices": ["ab", "cd"], "default": "cd"},
        {"type": "date", "min": "2024-01-01", "default": "2024-06-01"},
        {"type": "boolean", "default": False},
        {"type": "decimal", "default": 2.5},
    ],
)
def test_consistent_defaults_are_accepted(field: dict[str, Any]) -> None:
    TableSpec.model_validate({"table_name": "orders", "fields": [{"name": "amount", **field}]})


@pytest.mark.parametrize("names", [("Amount", "amount"), ("amount", "amount")])
def test_field_names_that_differ_only_by_case_are_duplicates(names: tuple[str, str]) -> None:
    fields = [{"name": name, "type": "integer"} for name in names]
    with pytest.raises(ValidationError):
        TableSpec.model_validate({"table_name": "orders", "fields": fields})
