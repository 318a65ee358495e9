"""Values made from a pattern whose field implies a check digit (ISBN, EAN, IBAN, Luhn) carry a correct one,
reproducibly, and unique fields stay unique: every value passes python-stdnum's validation."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from dmb_contracts.fields import FieldSpec, TableSpec
from dmb_generator.domain import check_capacity, generate_chunk
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import ean, iban, isbn, luhn

#: (field name, pattern, the validator a value must pass)
CHECKED_FIELDS: list[tuple[str, str, Callable[[str], bool]]] = [
    ("isbn", r"^97[89][0-9]{10}$", isbn.is_valid),
    ("isbn13", r"^979[0-9]{10}$", isbn.is_valid),
    ("isbn10", r"^[0-9]{10}$", isbn.is_valid),
    ("isbn_10", r"^[0-9]{9}[0-9X]$", isbn.is_valid),
    ("ean", r"^[0-9]{13}$", ean.is_valid),
    ("barcode", r"^400[0-9]{10}$", ean.is_valid),
    ("gtin", r"^[0-9]{8}$", ean.is_valid),
    ("iban", r"^DE[0-9]{20}$", iban.is_valid),
    ("iban", r"^GB[0-9]{2}NWBK[0-9]{14}$", iban.is_valid),
    ("card_number", r"^4[0-9]{15}$", luhn.is_valid),
    ("credit_card", r"^5[1-5][0-9]{14}$", luhn.is_valid),
]


def column(name: str, pattern: str, *, unique: bool, seed: int, rows: int, chunk: int = 0) -> list[str]:
    field = FieldSpec.model_validate({"name": name, "type": "string", "pattern": pattern, "unique": unique})
    spec = TableSpec(table_name="t", fields=[field])
    first = chunk * rows
    return [row[0] for row in generate_chunk(spec, seed=seed, chunk_index=chunk, first_row=first, rows=rows)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    entry=st.sampled_from(CHECKED_FIELDS), unique=st.booleans(), seed=st.integers(0, 2**31), chunk=st.integers(0, 50)
)
def test_every_value_of_a_check_digit_pattern_passes_stdnum(
    entry: tuple[str, str, Any], unique: bool, seed: int, chunk: int
) -> None:
    name, pattern, valid = entry
    values = column(name, pattern, unique=unique, seed=seed, rows=200, chunk=chunk)
    assert all(re.fullmatch(pattern, value) and valid(value) for value in values), values[:5]
    if unique:
        assert len(set(values)) == len(values)


@settings(max_examples=15, deadline=None)
@given(entry=st.sampled_from(CHECKED_FIELDS), unique=st.booleans(), seed=st.integers(0, 2**31))
def test_check_digit_values_are_reproducible_for_a_seed(entry: tuple[str, str, Any], unique: bool, seed: int) -> None:
    name, pattern, _valid = entry
    assert column(name, pattern, unique=unique, seed=seed, rows=50) == column(
        name, pattern, unique=unique, seed=seed, rows=50
    )


def test_unique_isbns_stay_distinct_across_chunks() -> None:
    values = [
        value
        for chunk in range(5)
        for value in column("isbn", r"^97[89][0-9]{10}$", unique=True, seed=7, rows=2000, chunk=chunk)
    ]
    assert len(set(values)) == len(values) == 10_000
    assert all(isbn.is_valid(value) for value in values)


def test_capacity_counts_only_the_drawn_digits_of_a_checked_pattern() -> None:
    field = {"name": "card_number", "type": "string", "pattern": r"^4[0-9]{11}$", "unique": True}
    spec = TableSpec(table_name="t", fields=[FieldSpec.model_validate(field)])
    # Ten drawn digits and a computed Luhn digit: 10^10 distinct values, not 10^11.
    assert check_capacity(spec, 10**10) == []
    assert check_capacity(spec, 10**10 + 1)


def test_a_field_without_a_check_digit_name_keeps_its_drawn_digits() -> None:
    values = column("code", r"^[0-9]{13}$", unique=False, seed=3, rows=300)
    assert not all(ean.is_valid(value) for value in values)
