"""Derived fields: a template builds a value from other fields of the same row, safely and in order."""

from __future__ import annotations

import re
from typing import Any

import pytest
from dmb_contracts.fields import TableSpec, TemplateGenerator
from dmb_contracts.templates import FILTERS, Reference, parse_template
from dmb_generator.domain import generate_chunk
from dmb_generator.domain.derived import FILTER_FUNCTIONS, transliterate
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError


def table(*fields: dict[str, Any]) -> TableSpec:
    return TableSpec.model_validate({"table_name": "t", "fields": list(fields)})


def rows_of(spec: TableSpec, rows: int = 200, **kwargs: Any) -> list[dict[str, Any]]:
    out = generate_chunk(spec, seed=3, chunk_index=0, first_row=0, rows=rows, **kwargs)
    return [dict(zip([field.name for field in spec.fields], row, strict=True)) for row in out]


def names(*extra: dict[str, Any]) -> TableSpec:
    return table(
        {"name": "first_name", "type": "string", "generator": {"kind": "faker", "provider": "first_name"}},
        {"name": "last_name", "type": "string", "generator": {"kind": "faker", "provider": "last_name"}},
        *extra,
    )


def test_email_is_built_from_the_names_of_its_own_row() -> None:
    template = "{first_name|ascii|lower}.{last_name|ascii|lower}@example.com"
    spec = names({"name": "email", "type": "email", "generator": {"kind": "template", "template": template}})
    for row in rows_of(spec, locale="de_DE"):
        expected = f"{transliterate(row['first_name']).lower()}.{transliterate(row['last_name']).lower()}@example.com"
        # Fitted as any email: spaces dropped, and a run of dots ("Hans D." + ".") made one dot.
        assert row["email"] == re.sub(r"\.{2,}", ".", re.sub(r"[^a-z0-9._+@-]", "", expected))


def test_a_template_before_the_fields_it_reads_still_reads_their_final_values() -> None:
    spec = table(
        {"name": "label", "type": "string", "generator": {"kind": "template", "template": "#{code|upper} ({n})"}},
        {"name": "code", "type": "string", "generator": {"kind": "regex", "pattern": "[a-z]{4}"}},
        {"name": "n", "type": "integer", "generator": {"kind": "sequence", "start": 100}},
    )
    for index, row in enumerate(rows_of(spec)):
        assert row["label"] == f"#{row['code'].upper()} ({100 + index})"


def test_templates_can_read_other_templates() -> None:
    spec = names(
        {"name": "handle", "type": "string", "generator": {"kind": "template", "template": "{login}-{{x}}"}},
        {
            "name": "login",
            "type": "string",
            "generator": {"kind": "template", "template": "{first_name|initial}{last_name|slug}"},
        },
    )
    for row in rows_of(spec, locale="es_ES"):
        assert row["login"] == row["first_name"][0] + FILTER_FUNCTIONS["slug"](row["last_name"], None)
        assert row["handle"] == row["login"] + "-{x}"


def test_a_null_reference_reads_as_empty_text() -> None:
    spec = table(
        {
            "name": "nick",
            "type": "string",
            "nullable": True,
            "null_percentage": 50,
            "generator": {"kind": "constant", "value": "ace"},
        },
        {"name": "shown", "type": "string", "generator": {"kind": "template", "template": "[{nick}]"}},
    )
    shown = {row["shown"] for row in rows_of(spec)}
    assert shown == {"[]", "[ace]"}


def test_filters_transform_as_documented() -> None:
    def apply(name: str, text: str, argument: int | None = None) -> str:
        return FILTER_FUNCTIONS[name](text, argument)

    assert set(FILTER_FUNCTIONS) == set(FILTERS)
    assert apply("lower", "Anna") == "anna"
    assert apply("upper", "Anna") == "ANNA"
    assert apply("title", "anna maría") == "Anna María"
    assert apply("trim", "  a b ") == "a b"
    assert apply("ascii", "Müller Straße José Łódź Ærø") == "Muller Strasse Jose Lodz AEro"
    assert apply("slug", "  Anna-María  O'Neil ") == "anna-maria-o-neil"
    assert apply("alnum", "O'Neil-Smith 3") == "ONeilSmith3"
    assert apply("initial", "Élodie") == "É"
    assert apply("initial", "") == ""
    assert apply("truncate", "Anna", 3) == "Ann"


def test_a_long_template_value_is_fitted_to_the_field_length() -> None:
    spec = names(
        {
            "name": "tag",
            "type": "string",
            "max_length": 5,
            "generator": {"kind": "template", "template": "{first_name}{last_name}"},
        }
    )
    assert all(1 <= len(row["tag"]) <= 5 for row in rows_of(spec))


def test_a_unique_template_field_is_unique_by_its_row_tag() -> None:
    # Two distinct rows with the same names would collide; the tag every unique text field carries keeps
    # them apart across any number of chunks.
    spec = table(
        {"name": "first_name", "type": "string", "generator": {"kind": "choices", "values": ["Ann", "Bob"]}},
        {
            "name": "email",
            "type": "email",
            "unique": True,
            "generator": {"kind": "template", "template": "{first_name|lower}@example.com"},
        },
    )
    values = [
        row[1]
        for chunk in range(3)
        for row in generate_chunk(spec, seed=1, chunk_index=chunk, first_row=chunk * 500, rows=500)
    ]
    assert len(set(values)) == 1500
    assert all(re.fullmatch(r"(ann|bob)\.[0-9a-z]+@example\.com", value) for value in values)


def test_rows_are_the_same_whatever_the_chunking() -> None:
    spec = table(
        {"name": "n", "type": "integer", "generator": {"kind": "sequence"}},
        {"name": "code", "type": "string", "generator": {"kind": "template", "template": "C-{n}"}},
    )
    whole = generate_chunk(spec, seed=9, chunk_index=0, first_row=0, rows=10_000)
    parts = [
        row
        for chunk in range(4)
        for row in generate_chunk(spec, seed=9, chunk_index=chunk, first_row=chunk * 2500, rows=2500)
    ]
    assert whole == parts


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            [{"name": "a", "type": "string", "generator": {"kind": "template", "template": "{b}"}}],
            r"a: the template refers to 'b', which is not a field",
        ),
        (
            [{"name": "a", "type": "string", "generator": {"kind": "template", "template": "x{a}"}}],
            r"a: the template depends on itself \(a -> a\)",
        ),
        (
            [
                {"name": "a", "type": "string", "generator": {"kind": "template", "template": "{b}"}},
                {"name": "b", "type": "string", "generator": {"kind": "template", "template": "{c}"}},
                {"name": "c", "type": "string", "generator": {"kind": "template", "template": "{a}"}},
            ],
            r"the template depends on itself \(a -> b -> c -> a\)",
        ),
        (
            [{"name": "a", "type": "integer", "generator": {"kind": "template", "template": "{a}"}}],
            "a: a template gives text, so it cannot fill a integer field",
        ),
        (
            [{"name": "a", "type": "string", "pattern": "[a-z]+", "generator": {"kind": "template", "template": "x"}}],
            "a template must reference at least one field",
        ),
        (
            [
                {"name": "b", "type": "string"},
                {"name": "a", "type": "string", "choices": ["x"], "generator": {"kind": "template", "template": "{b}"}},
            ],
            "a: a template builds its own values: remove the pattern/choices",
        ),
    ],
)
def test_bad_templates_are_refused_at_spec_validation_naming_the_field(
    fields: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        table(*fields)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{first_name|shout}", "unknown filter 'shout'"),
        ("{first_name|truncate}", "the filter 'truncate' needs a number"),
        ("{first_name|lower:3}", "the filter 'lower' takes no argument"),
        ("{first_name|truncate:0}", "takes a number from 1 to"),
        ("{first_name.__class__}", "is not a field reference"),
        ("{0}", "is not a field reference"),
        ("{first_name", "is not a field reference"),
        ("a}b{first_name}", "unmatched '}'"),
        ("plain text", "must reference at least one field"),
    ],
)
def test_malformed_templates_say_what_is_wrong(template: str, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        TemplateGenerator(template=template)


def test_literal_braces_are_written_doubled() -> None:
    assert parse_template("{{{a|upper}}}") == ("{", Reference("a", (("upper", None),)), "}")


@given(st.text(alphabet=st.sampled_from("ab{}|:_lower9 "), max_size=30))
def test_any_text_either_parses_or_is_refused_with_a_value_error(text: str) -> None:
    try:
        parts = parse_template(text)
    except ValueError:
        return
    assert any(isinstance(part, Reference) for part in parts)
    assert all(name in FILTERS for part in parts if isinstance(part, Reference) for name, _ in part.filters)
