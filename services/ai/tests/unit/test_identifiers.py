"""Identifiers with a check digit are made by code: the check-digit algorithms on known numbers, which
identifier a field means, and seeded pools whose every value is valid, distinct and reproducible."""

from __future__ import annotations

import pytest
from dmb_ai.domain.briefs import analyze
from dmb_ai.domain.check_digits import Scheme, complete, is_valid
from dmb_ai.domain.code_pools import with_identifier_pools
from dmb_ai.domain.countries import country_of
from dmb_ai.domain.identifiers import Identifier, identifier_for, identifier_pool
from dmb_ai.domain.pools import PoolRequest, PoolResult
from dmb_contracts.fields import FieldSpec, TableSpec, value_problem
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import ean, iban, isbn, luhn


def ai_field(name: str, **extra: object) -> FieldSpec:
    return FieldSpec.model_validate({"name": name, "type": "string", "generator": {"kind": "ai"}, **extra})


def table(*fields: FieldSpec, description: str = "") -> TableSpec:
    return TableSpec(table_name="things", description=description, fields=list(fields))


def identifier(field: FieldSpec, context: str = "", locale: str = "en_US", description: str = "") -> Identifier:
    found = identifier_for(field, table(field, description=description), context, locale)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("scheme", "body", "whole"),
    [
        (Scheme.ISBN13, "978030640615", "9780306406157"),  # ISBN 978-0-306-40615-7
        (Scheme.ISBN10, "030640615", "0306406152"),
        (Scheme.ISBN10, "080442957", "080442957X"),  # a remainder of 10 is written X
        (Scheme.EAN13, "400638133393", "4006381333931"),
        (Scheme.EAN8, "9638507", "96385074"),
        (Scheme.UPCA, "03600029145", "036000291452"),
        (Scheme.GTIN14, "1001234567890", "10012345678902"),
        (Scheme.IBAN, "DE370400440532013000", "DE89370400440532013000"),
        (Scheme.IBAN, "GBNWBK60161331926819", "GB29NWBK60161331926819"),
        (Scheme.CARD, "411111111111111", "4111111111111111"),
        (Scheme.CARD, "7992739871", "79927398713"),
        (Scheme.IMEI, "49015420323751", "490154203237518"),
    ],
)
def test_the_check_digit_of_a_known_number_is_computed(scheme: Scheme, body: str, whole: str) -> None:
    assert complete(scheme, body) == whole


@pytest.mark.parametrize(
    ("scheme", "valid"),
    [
        (Scheme.ISBN13, "9780306406157"),
        (Scheme.EAN13, "4006381333931"),
        (Scheme.IBAN, "DE89370400440532013000"),
        (Scheme.CARD, "4111111111111111"),
    ],
)
def test_a_wrong_check_digit_or_a_separator_is_not_valid(scheme: Scheme, valid: str) -> None:
    assert is_valid(scheme, valid)
    assert not is_valid(scheme, valid[:-1] + str((int(valid[-1]) + 1) % 10))
    assert not is_valid(scheme, valid[:4] + " " + valid[4:])


def test_an_ean_is_not_taken_for_another_length() -> None:
    assert not is_valid(Scheme.EAN13, "96385074")  # a valid EAN-8
    assert not is_valid(Scheme.ISBN13, "4006381333931")  # a valid EAN-13, not in the 978/979 range


@pytest.mark.parametrize(
    ("field", "context", "locale", "scheme", "prefix"),
    [
        (ai_field("isbn"), "a London bookshop", "en_GB", Scheme.ISBN13, "978"),
        (ai_field("isbn"), "eine Buchhandlung in Berlin auf Deutsch", "de_DE", Scheme.ISBN13, "9783"),
        (ai_field("isbn", max_length=10), "", "en_US", Scheme.ISBN10, ""),
        (ai_field("isbn_10"), "", "en_US", Scheme.ISBN10, ""),
        (ai_field("ean", description="EAN-13 barcode"), "a French supermarket", "en_US", Scheme.EAN13, "3"),
        (ai_field("barcode", description="EAN-8"), "", "de_DE", Scheme.EAN8, "4"),
        (ai_field("gtin", description="UPC-A code"), "", "en_US", Scheme.UPCA, ""),
        (ai_field("gtin", description="GTIN-14 of the case"), "", "en_US", Scheme.GTIN14, ""),
        (ai_field("iban", description="German IBAN (DE, 22 characters)"), "", "en_US", Scheme.IBAN, "DE"),
        (ai_field("iban"), "", "es_ES", Scheme.IBAN, "ES"),
        (ai_field("iban"), "", "en_US", Scheme.IBAN, "DE"),  # no IBAN country named: German, said so
        (ai_field("card_number", description="Visa card number"), "", "en_US", Scheme.CARD, "4"),
        (ai_field("credit_card", description="American Express"), "", "en_US", Scheme.CARD, "3"),
        (ai_field("device", description="the phone's IMEI"), "", "en_US", Scheme.IMEI, ""),
        (
            ai_field("code", generator={"kind": "ai", "instructions": "an ISBN of the book"}),
            "",
            "en_US",
            Scheme.ISBN13,
            "978",
        ),
    ],
)
def test_the_identifier_comes_from_the_fields_meaning_and_the_country_from_its_context(
    field: FieldSpec, context: str, locale: str, scheme: Scheme, prefix: str
) -> None:
    found = identifier(field, context, locale)

    assert found.scheme is scheme
    assert all(candidate.startswith(prefix) for candidate in found.prefixes)


def test_fields_without_a_check_digit_or_too_short_for_one_are_left_to_the_model() -> None:
    title = ai_field("title", description="the book's title")
    short = ai_field("iban", max_length=12)
    assert identifier_for(title, table(title), "", "en_US") is None
    assert identifier_for(short, table(short), "", "de_DE") is None


def test_the_country_is_named_by_the_field_first_then_the_context_then_the_locale() -> None:
    codes = frozenset({"DE", "FR", "ES"})
    assert country_of(["iban", "IBAN (FR)"], ["a German bank"], "es_ES", codes) == "FR"
    assert country_of(["iban", ""], ["a German bank"], "es_ES", codes) == "DE"
    assert country_of(["iban", ""], [""], "es_ES", codes) == "ES"
    assert country_of(["iban", ""], [""], "en", codes) is None


_INDEPENDENT_CHECKS = {
    Scheme.ISBN13: lambda value: len(value) == 13 and isbn.is_valid(value),
    Scheme.ISBN10: lambda value: len(value) == 10 and isbn.is_valid(value),
    Scheme.EAN13: lambda value: len(value) == 13 and ean.is_valid(value),
    Scheme.EAN8: lambda value: len(value) == 8 and ean.is_valid(value),
    Scheme.UPCA: lambda value: len(value) == 12 and ean.is_valid(value),
    Scheme.GTIN14: lambda value: len(value) == 14 and ean.is_valid(value),
    Scheme.IBAN: iban.is_valid,
    Scheme.CARD: luhn.is_valid,
    Scheme.IMEI: lambda value: len(value) == 15 and luhn.is_valid(value),
}
FIELDS = [
    (ai_field("isbn", unique=True), "de_DE"),
    (ai_field("isbn10", max_length=10), "fr_FR"),
    (ai_field("ean", description="EAN-13", max_length=13), "it_IT"),
    (ai_field("ean8", description="EAN-8"), "nl_NL"),
    (ai_field("upc"), "en_US"),
    (ai_field("gtin14", description="GTIN-14"), "en_US"),
    (ai_field("iban", max_length=22), "de_DE"),
    (ai_field("iban"), "en_GB"),
    (ai_field("iban"), "es_ES"),  # a national check digit too: most draws fail it
    (ai_field("iban"), "fr_FR"),
    (ai_field("card_number", description="Mastercard"), "en_US"),
    (ai_field("imei"), "en_US"),
]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(FIELDS), st.integers(min_value=0, max_value=2**63 - 1), st.integers(min_value=1, max_value=60))
def test_every_value_made_is_valid_distinct_and_the_same_for_the_same_seed(
    case: tuple[FieldSpec, str], seed: int, size: int
) -> None:
    field, locale = case
    made = identifier(field, locale=locale)

    pool = identifier_pool(field, made, size, seed)

    assert len(pool) == size
    assert len(set(pool)) == size
    assert all(_INDEPENDENT_CHECKS[made.scheme](value) for value in pool), pool
    assert all(value_problem(field, value) is None for value in pool)
    assert identifier_pool(field, made, size, seed) == pool
    assert identifier_pool(field, made, size, seed + 1) != pool


def test_a_request_leaves_identifiers_to_code_and_says_so_in_plain_words() -> None:
    isbn_field, title = ai_field("isbn", max_length=13, unique=True), ai_field("title", max_length=80)
    books = table(isbn_field, title, description="A bookshop in London")
    request = PoolRequest(table=books, fields=[isbn_field, title], count=20, rows=500, seed=7, locale="en_GB")
    brief = analyze(books, request.fields, "", "en_GB")

    assert [field.field.name for field in brief.fields] == ["title"]
    assert list(brief.identifiers) == ["isbn"]
    assert brief.code_made["isbn"] == (
        "ISBN-13s made by code, not by the AI model: random digits drawn with the job's seed and the check digit "
        "computed, so every value is valid and different"
    )

    model_failed = PoolResult(notes=["field isbn: " + brief.code_made["isbn"]], failure="the model timed out")
    result = with_identifier_pools(model_failed, brief, request)

    assert result.failure is None  # the identifiers are made anyway: the title falls back to Faker
    assert len(result.pools["isbn"]) == 500  # unique: one for every row of the job
    assert result.notes[-1] == "AI values unavailable for title, Faker used instead: the model timed out"
    assert with_identifier_pools(model_failed, brief, request).pools == result.pools


def test_a_unique_field_with_more_rows_than_code_makes_is_told_about_the_suffix() -> None:
    isbn_field = ai_field("isbn", unique=True)
    books = table(isbn_field)
    request = PoolRequest(table=books, fields=[isbn_field], count=200, rows=20_000, seed=1)
    brief = analyze(books, request.fields, "", "en_US")

    result = with_identifier_pools(PoolResult(), brief, request)

    assert len(result.pools["isbn"]) == 10_000
    assert result.notes == [
        "field isbn: 10000 distinct ISBN-13s made for 20000 rows (at most 10000 are made); the values past them "
        "carry a distinguishing suffix"
    ]
