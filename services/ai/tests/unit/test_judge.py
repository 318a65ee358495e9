"""The judge: what passes every format check yet is not realistic data, refused with a reason."""

from __future__ import annotations

import pytest
from dmb_ai.domain.briefs import FieldBrief, RequestBrief, analyze, email_domain
from dmb_ai.domain.judge import (
    CheckDigit,
    check_digit_problem,
    enumerated,
    implied_check_digit,
    placeholder_problem,
    repair_check_digit,
)
from dmb_ai.domain.language import language_problem, wanted_language
from dmb_ai.domain.screening import screen
from dmb_contracts.fields import FieldSpec, TableSpec
from hypothesis import given
from hypothesis import strategies as st
from stdnum import ean, luhn


def field(name: str, kind: str = "string", **extra: object) -> FieldSpec:
    return FieldSpec.model_validate({"name": name, "type": kind, "generator": {"kind": "ai"}, **extra})


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_an_isbn_13_passes_exactly_when_its_check_digit_is_right(digits: str) -> None:
    candidate = "978" + digits[:9]
    good = candidate + ean.calc_check_digit(candidate)  # ISBN-13 is an EAN-13 in the 978 range
    wrong = candidate + str((int(good[-1]) + 1) % 10)

    assert check_digit_problem(CheckDigit.ISBN, good) is None
    assert check_digit_problem(CheckDigit.ISBN, wrong) == "is not a valid ISBN (wrong check digit or length)"


@given(st.text(alphabet="0123456789", min_size=15, max_size=15))
def test_a_card_number_passes_exactly_when_its_luhn_digit_is_right(digits: str) -> None:
    good = digits + luhn.calc_check_digit(digits)
    wrong = digits + str((int(good[-1]) + 1) % 10)

    assert check_digit_problem(CheckDigit.LUHN, good) is None
    assert check_digit_problem(CheckDigit.LUHN, wrong) is not None


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_an_ean_13_passes_exactly_when_its_check_digit_is_right(digits: str) -> None:
    good = digits + ean.calc_check_digit(digits)
    assert check_digit_problem(CheckDigit.EAN, good) is None
    assert check_digit_problem(CheckDigit.EAN, good[:-1] + str((int(good[-1]) + 1) % 10)) is not None


def test_ibans_are_checked() -> None:
    assert check_digit_problem(CheckDigit.IBAN, "DE89370400440532013000") is None
    assert check_digit_problem(CheckDigit.IBAN, "DE89370400440532013001") is not None


@pytest.mark.parametrize(
    ("name", "description", "kind"),
    [
        ("isbn", "", CheckDigit.ISBN),
        ("isbn_13", "", CheckDigit.ISBN),
        ("code", "EAN-13 barcode of the product", CheckDigit.EAN),
        ("iban", "", CheckDigit.IBAN),
        ("credit_card_number", "", CheckDigit.LUHN),
        ("title", "the book's title", None),
    ],
)
def test_the_check_digit_scheme_comes_from_the_fields_name_or_description(
    name: str, description: str, kind: CheckDigit | None
) -> None:
    assert implied_check_digit(field(name, description=description)) == kind


@pytest.mark.parametrize(
    "value",
    ["Paciente 1", "Product 2", "item_17", "Lorem ipsum dolor", "N/A", "Sample text here", "value 3", "XXXX"],
)
def test_placeholders_are_refused(value: str) -> None:
    assert placeholder_problem(field("name"), value) is not None


@pytest.mark.parametrize("value", ["Neumonía", "Espresso machine", "Route 66 Diner", "Paracetamol 500 mg", "iPhone 15"])
def test_realistic_values_are_not_placeholders(value: str) -> None:
    assert placeholder_problem(field("name"), value) is None


@pytest.mark.parametrize("value", ["example1@companydomain.com", "test@example.com", "user12@mail.com"])
def test_placeholder_emails_are_refused(value: str) -> None:
    assert placeholder_problem(field("email", "email"), value) is not None


def test_a_real_looking_email_passes() -> None:
    assert placeholder_problem(field("email", "email"), "lucia.garcia@hospitalclinic.es") is None


def test_counting_values_are_an_enumeration() -> None:
    reviews = [f"https://shop.example.com/review{n}" for n in range(1, 18)]
    isbns = [str(9781234567890 + n) for n in range(5)]
    patients = ["Paciente 3", "Paciente 9", "Paciente 14"]
    real = ["Calle de Alcalá", "Gran Vía 28", "Avenida de América"]

    caught = enumerated(reviews + isbns + patients + real)

    assert caught == set(reviews) | set(isbns) | set(patients)


@given(st.lists(st.integers(min_value=0, max_value=10**12), unique=True, max_size=2))
def test_two_values_are_never_an_enumeration(numbers: list[int]) -> None:
    assert enumerated([f"Room {n}" for n in numbers]) == set()


def test_the_wanted_language_comes_from_the_context_else_from_the_locale() -> None:
    assert wanted_language("patients of a Spanish hospital", "en_US") == "es"
    assert wanted_language("ein Online-Shop auf Deutsch", "en_US") == "de"
    assert wanted_language("", "fr_FR") == "fr"
    assert wanted_language("a bookshop", "en_US") == "en"


def test_english_values_are_refused_when_another_language_is_wanted() -> None:
    assert language_problem("Wireless noise cancelling headphones", "de") is not None
    assert language_problem("Kabellose Kopfhörer mit Geräuschunterdrückung", "de") is None
    assert language_problem("Insuficiencia cardíaca congestiva", "es") is None
    assert language_problem("Neumonía", "es") is None  # one word: too short to tell
    assert language_problem("Пневмония легких", "es") is not None  # another script


def model_written(table: TableSpec) -> RequestBrief:
    """A brief in which the model writes every field, check-digit ones too: code makes those itself when it
    can (test_identifiers.py), so this is what the judge sees when it cannot (a layout code does not make)."""
    fields = [FieldBrief(field=spec, meaning=spec.name, check_digit=implied_check_digit(spec)) for spec in table.fields]
    return RequestBrief(
        table=table.table_name,
        table_description="",
        context="",
        locale="en_GB",
        language="en",
        fields=fields,
        other_fields=[],
        code_made={},
    )


def test_screening_applies_the_fields_own_rules_first() -> None:
    table = TableSpec.model_validate(
        {
            "table_name": "books",
            "fields": [
                {"name": "isbn", "type": "string", "max_length": 17, "unique": True, "generator": {"kind": "ai"}},
                {"name": "title", "type": "string", "min_length": 3, "max_length": 30, "generator": {"kind": "ai"}},
            ],
        }
    )
    brief = model_written(table)
    answer = [
        {"isbn": "978-0-306-40615-7", "title": "The Silent River"},
        {"isbn": "97803064061", "title": "Eleven Digits"},
        {"isbn": "978-0-306-40615-7", "title": "Same ISBN Again"},
        {"isbn": "978-1-86197-876-9", "title": "A title far too long to fit in thirty"},
        {"isbn": "978-1-86197-876-9", "title": "No"},
    ]

    screening = screen(brief, answer, [])

    assert screening.kept == [{"isbn": "978-0-306-40615-7", "title": "The Silent River"}]
    assert [line.split("}: ", 1)[1] for line in screening.refused] == [
        "isbn is not a valid ISBN (wrong check digit or length)",
        "isbn repeats a value already given (it must be unique)",
        "title is longer than max_length 30",
        "title is shorter than min_length 3",
    ]


@given(st.sampled_from(["978", "979"]), st.text(alphabet="0123456789", min_size=10, max_size=10), st.booleans())
def test_code_puts_right_the_check_digit_of_an_isbn_13_the_model_wrote(prefix: str, digits: str, dashed: bool) -> None:
    written = prefix + digits
    if dashed:
        written = f"{written[:3]}-{written[3]}-{written[4:7]}-{written[7:12]}-{written[12]}"

    repaired = repair_check_digit(CheckDigit.ISBN, written)

    assert check_digit_problem(CheckDigit.ISBN, repaired) is None
    assert repaired[:-1] == written[:-1]  # only the check digit changed; separators kept


@given(st.text(alphabet="0123456789", min_size=13, max_size=13))
def test_code_puts_right_ean_and_card_check_digits(digits: str) -> None:
    assert check_digit_problem(CheckDigit.EAN, repair_check_digit(CheckDigit.EAN, digits)) is None
    card = "4" + digits + "12"
    assert check_digit_problem(CheckDigit.LUHN, repair_check_digit(CheckDigit.LUHN, card)) is None


def test_code_puts_right_the_check_digits_of_an_iban_and_keeps_its_layout() -> None:
    assert repair_check_digit(CheckDigit.IBAN, "DE00370400440532013000") == "DE89370400440532013000"
    assert repair_check_digit(CheckDigit.IBAN, "DE00 3704 0044 0532 0130 00") == "DE89 3704 0044 0532 0130 00"


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (CheckDigit.ISBN, "97803064061"),  # eleven digits: no ISBN layout
        (CheckDigit.ISBN, "9770306406157"),  # not 978/979
        (CheckDigit.EAN, "12345"),
        (CheckDigit.LUHN, "4111 abcd 1111 1111"),
        (CheckDigit.IBAN, "not an iban"),
    ],
)
def test_a_value_without_the_schemes_layout_is_left_for_the_judge(kind: CheckDigit, value: str) -> None:
    assert repair_check_digit(kind, value) == value


def test_screening_repairs_check_digits_but_still_refuses_digit_runs() -> None:
    table = TableSpec.model_validate(
        {
            "table_name": "books",
            "fields": [{"name": "isbn", "type": "string", "unique": True, "generator": {"kind": "ai"}}],
        }
    )
    brief = model_written(table)

    screening = screen(brief, [{"isbn": "9780306406150"}, {"isbn": "9781234567890"}], [])

    assert screening.kept == [{"isbn": "9780306406157"}]
    assert "artificial digit run" in screening.refused[0]


@pytest.mark.parametrize(
    ("texts", "domain"),
    [
        (("Work e-mails use the domain acmebank.co.uk.",), "acmebank.co.uk"),
        (("Staff of ACME", "mail at @Acme-Corp.de"), "acme-corp.de"),
        (("Built with Node.js, e.g. on servers",), None),
        (("shop.example.com or other.org",), None),  # two domains: no single answer
        (("",), None),
    ],
)
def test_the_mail_domain_comes_from_the_users_texts(texts: tuple[str, ...], domain: str | None) -> None:
    assert email_domain(*texts) == domain


def test_work_emails_are_moved_to_the_domain_the_context_names() -> None:
    table = TableSpec.model_validate(
        {
            "table_name": "staff",
            "fields": [{"name": "mail", "type": "email", "unique": True, "generator": {"kind": "ai"}}],
        }
    )
    brief = analyze(table, table.fields, "Work e-mails use the domain acmebank.co.uk.", "en_GB")

    screening = screen(brief, [{"mail": "olivia.hughes@gmail.com"}, {"mail": "j.patel@acmebank.co.uk"}], [])

    assert "@acmebank.co.uk" in brief.fields[0].meaning
    assert screening.kept == [{"mail": "olivia.hughes@acmebank.co.uk"}, {"mail": "j.patel@acmebank.co.uk"}]


def test_one_word_values_are_judged_together_for_their_language() -> None:
    table = TableSpec.model_validate(
        {
            "table_name": "products",
            "fields": [{"name": "name", "type": "string", "max_length": 60, "generator": {"kind": "ai"}}],
        }
    )
    brief = analyze(table, table.fields, "a German DIY store", "en_US")
    fruit = ["Apple", "Banana", "Cherry", "Date", "Elderberry", "Fig", "Grapefruit", "Honeydew"]
    english = screen(brief, [{"name": word} for word in fruit], [])
    assert english.kept == []
    assert "is English, like the other one-word values of this answer, not de" in english.refused[0]
    tools = ["Bohrmaschine", "Schraubenzieher", "Hammer", "Zange", "Säge", "Dübel", "Schleifpapier"]
    assert len(screen(brief, [{"name": word} for word in tools], []).kept) == len(tools)
    # Loanwords German shares with English pass; too few words say nothing.
    genres = ["Rock", "Jazz", "Pop", "Blues", "Metal", "Reggae", "Soul", "Funk"]
    assert len(screen(brief, [{"name": word} for word in genres], []).kept) == len(genres)
    assert len(screen(brief, [{"name": word} for word in fruit[:3]], []).kept) == 3
