"""The generator each field actually gets: its own, or one chosen from its constraints, name and type when
the user set none, made coherent across the row (an email next to name fields is built from those names).

Shared by the generator (what runs) and the gateway, the CLI and the export's About sheet (what the user is
shown), so what a user sees is exactly what runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dmb_contracts.field_summary import summarize_generator
from dmb_contracts.fields import (
    AIGenerator,
    BundleGenerator,
    ChoicesGenerator,
    FakerGenerator,
    FieldSpec,
    GeneratorSpec,
    JsonObjectGenerator,
    RangeGenerator,
    ReferenceGenerator,
    RegexGenerator,
    SequenceGenerator,
    StorageType,
    TableSpec,
    TemplateGenerator,
)
from dmb_contracts.rules import field_rules

_T = StorageType
_TEXT_TYPES = frozenset({_T.STRING, _T.TEXT})

#: (name words, provider, arguments) for text fields; the first rule whose words all occur in the name wins.
_TEXT_RULES: tuple[tuple[tuple[str, ...], str, dict[str, str | int]], ...] = (
    (("email",), "email", {}),
    (("mail",), "email", {}),
    (("first", "name"), "first_name", {}),
    (("firstname",), "first_name", {}),
    (("given", "name"), "first_name", {}),
    (("last", "name"), "last_name", {}),
    (("lastname",), "last_name", {}),
    (("surname",), "last_name", {}),
    (("family", "name"), "last_name", {}),
    (("user", "name"), "user_name", {}),
    (("username",), "user_name", {}),
    (("login",), "user_name", {}),
    (("company",), "company", {}),
    (("organization",), "company", {}),
    (("organisation",), "company", {}),
    (("employer",), "company", {}),
    (("job",), "job", {}),
    (("occupation",), "job", {}),
    (("position",), "job", {}),
    (("country", "code"), "country_code", {}),
    (("country",), "country", {}),
    (("city",), "city", {}),
    (("town",), "city", {}),
    (("state",), "state", {}),
    (("province",), "state", {}),
    (("region",), "state", {}),
    (("zip",), "postcode", {}),
    (("zipcode",), "postcode", {}),
    (("postcode",), "postcode", {}),
    (("postal",), "postcode", {}),
    (("street",), "street_address", {}),
    (("address",), "street_address", {}),
    (("phone",), "phone_number", {}),
    (("mobile",), "phone_number", {}),
    (("telephone",), "phone_number", {}),
    (("tel",), "phone_number", {}),
    (("fax",), "phone_number", {}),
    (("url",), "url", {}),
    (("website",), "url", {}),
    (("homepage",), "url", {}),
    (("link",), "url", {}),
    (("domain",), "domain_name", {}),
    (("host",), "hostname", {}),
    (("hostname",), "hostname", {}),
    (("ip",), "ipv4", {}),
    (("uuid",), "uuid4", {}),
    (("guid",), "uuid4", {}),
    (("currency",), "currency_code", {}),
    (("color",), "color_name", {}),
    (("colour",), "color_name", {}),
    (("language",), "language_name", {}),
    (("iban",), "iban", {}),
    (("isbn",), "isbn13", {}),
    (("slug",), "slug", {}),
    (("password",), "password", {}),
    (("title",), "sentence", {"nb_words": 4}),
    (("name",), "name", {}),
)
_LONG_TEXT_WORDS = frozenset(
    {
        "description",
        "bio",
        "biography",
        "notes",
        "note",
        "comment",
        "comments",
        "summary",
        "text",
        "body",
        "content",
        "message",
        "details",
        "about",
        "review",
    }
)

#: (name words, low, high) for numbers.
_NUMBER_RULES: tuple[tuple[tuple[str, ...], int, int], ...] = (
    (("age",), 18, 90),
    (("year",), 1950, 2030),
    (("quantity",), 1, 100),
    (("qty",), 1, 100),
    (("count",), 0, 1000),
    (("salary",), 20_000, 200_000),
    (("income",), 20_000, 200_000),
    (("price",), 1, 1000),
    (("amount",), 1, 10_000),
    (("cost",), 1, 1000),
    (("total",), 1, 10_000),
    (("balance",), 0, 100_000),
    (("rating",), 1, 5),
    (("score",), 0, 100),
    (("percent",), 0, 100),
    (("percentage",), 0, 100),
    (("rate",), 0, 100),
    (("latitude",), -90, 90),
    (("lat",), -90, 90),
    (("longitude",), -180, 180),
    (("lng",), -180, 180),
    (("lon",), -180, 180),
)


def _words(name: str) -> set[str]:
    return {word for word in name.lower().split("_") if word}


def _match(words: set[str], wanted: tuple[str, ...]) -> bool:
    return all(word in words for word in wanted)


def _text_generator(field: FieldSpec, words: set[str]) -> GeneratorSpec:
    if field.type is _T.EMAIL:
        return FakerGenerator(provider="email")
    if field.type is _T.URL:
        return FakerGenerator(provider="url")
    if words & _LONG_TEXT_WORDS:
        return FakerGenerator(provider="paragraph" if field.type is _T.TEXT else "sentence")
    for wanted, provider, args in _TEXT_RULES:
        if _match(words, wanted):
            return FakerGenerator(provider=provider, args=dict(args))
    return FakerGenerator(provider="paragraph" if field.type is _T.TEXT else "word")


def _number_generator(field: FieldSpec, words: set[str]) -> GeneratorSpec:
    if field.type in (_T.INTEGER, _T.BIG_INTEGER) and (field.primary_key or words & {"id", "number", "no"}):
        return SequenceGenerator()
    if field.min is None and field.max is None:
        for wanted, low, high in _NUMBER_RULES:
            if _match(words, wanted):
                return RangeGenerator(min=low, max=high)
    return RangeGenerator()


def _temporal_generator(field: FieldSpec, words: set[str]) -> GeneratorSpec:
    if field.min is not None or field.max is not None:
        return RangeGenerator()
    if words & {"birth", "dob", "birthday", "birthdate"}:
        return FakerGenerator(provider="date_of_birth", args={"minimum_age": 18, "maximum_age": 90})
    if field.type is _T.DATE:
        if words & {"due", "expiry", "expires", "expiration", "until", "deadline"}:
            return FakerGenerator(provider="date_between", args={"start_date": "today", "end_date": "+1y"})
        return FakerGenerator(provider="date_between", args={"start_date": "-5y", "end_date": "today"})
    return FakerGenerator(provider="date_time_between", args={"start_date": "-2y", "end_date": "now"})


def infer_generator(field: FieldSpec) -> GeneratorSpec:
    """The generator used for `field`: its own, else one inferred from its constraints, name and type."""
    if field.generator is not None and not isinstance(field.generator, AIGenerator):
        return field.generator
    if field.pattern is not None:
        return RegexGenerator(pattern=field.pattern)
    if field.choices is not None:
        return ChoicesGenerator(values=list(field.choices))
    return DEFAULT_GENERATORS[field.type](field, _words(field.name))


#: The generator a field of each storage type gets when it names none (one entry per StorageType).
DEFAULT_GENERATORS: dict[StorageType, Callable[[FieldSpec, set[str]], GeneratorSpec]] = {
    _T.STRING: _text_generator,
    _T.TEXT: _text_generator,
    _T.EMAIL: _text_generator,
    _T.URL: _text_generator,
    _T.INTEGER: _number_generator,
    _T.BIG_INTEGER: _number_generator,
    _T.DECIMAL: _number_generator,
    _T.FLOAT: _number_generator,
    _T.BOOLEAN: lambda field, words: FakerGenerator(provider="boolean"),
    _T.DATE: _temporal_generator,
    _T.DATETIME: _temporal_generator,
    _T.TIME: lambda field, words: RangeGenerator(),  # uniform over the field's min..max, else the whole day
    _T.UUID: lambda field, words: FakerGenerator(provider="uuid4"),  # Faker's seeded stream: reproducible
    _T.JSON: lambda field, words: JsonObjectGenerator(),
    _T.FOREIGN_KEY: lambda field, words: ReferenceGenerator(),
}


def effective_generator(field: FieldSpec, has_pool: bool) -> GeneratorSpec:
    """What actually produces values: the constraints a generator could break take precedence over it.

    A pattern or a choices list is a constraint, so values come from it whatever generator was named
    (a ChoicesGenerator whose values all satisfy it keeps its weights). An AI field without a pool (the AI
    step failed or was skipped) falls back to the inferred Faker generator.
    """
    generator = field.generator
    if isinstance(generator, ChoicesGenerator) and _choices_allowed(field, generator):
        return generator
    if field.choices is not None:
        return ChoicesGenerator(values=list(field.choices))
    if field.pattern is not None:
        return RegexGenerator(pattern=field.pattern)
    if isinstance(generator, AIGenerator) and has_pool:
        return generator
    return infer_generator(field)


def _choices_allowed(field: FieldSpec, generator: ChoicesGenerator) -> bool:
    values = [str(value) for value in generator.values if value is not None]
    if field.choices is not None and not set(values) <= {str(choice) for choice in field.choices}:
        return False
    compiled = re.compile(field.pattern) if field.pattern is not None else None
    return compiled is None or all(compiled.fullmatch(value) for value in values)


_FIRST_NAMES = frozenset({"first_name", "first_name_female", "first_name_male", "first_name_nonbinary"})
_LAST_NAMES = frozenset({"last_name", "last_name_female", "last_name_male", "last_name_nonbinary"})
EMAIL_DOMAIN = "example.com"  # reserved for examples (RFC 2606): no real mailbox receives test data


def _name_role(generator: GeneratorSpec) -> str | None:
    if isinstance(generator, FakerGenerator) and not generator.args:
        return "first" if generator.provider in _FIRST_NAMES else "last" if generator.provider in _LAST_NAMES else None
    if isinstance(generator, BundleGenerator) and generator.bundle == "person":
        return {"first_name": "first", "last_name": "last"}.get(generator.part)
    return None


def row_generators(fields: Sequence[FieldSpec], has_pool: Callable[[str], bool]) -> dict[str, GeneratorSpec]:
    """What produces each field's values, by field name (see effective_generator), coherent across the row."""
    generators = {field.name: effective_generator(field, has_pool=has_pool(field.name)) for field in fields}
    roles: dict[str, str] = {}
    for field in fields:
        role = _name_role(generators[field.name])
        if role is not None and role not in roles:
            roles[role] = field.name
    if {"first", "last"} <= roles.keys():
        email = TemplateGenerator(
            template=f"{{{roles['first']}|ascii|lower}}.{{{roles['last']}|ascii|lower}}@{EMAIL_DOMAIN}"
        )
        for field in fields:
            if field.generator is None and generators[field.name] == FakerGenerator(provider="email"):
                generators[field.name] = email
    return generators


GeneratorSource = Literal["set", "constraint", "inferred", "coherent"]


class FieldGenerator(BaseModel):
    """What makes one field's values, as the user is shown it (web UI, CLI, the export's About sheet)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="The field's name.")
    generator: GeneratorSpec = Field(description="The generator that runs (see `source`).")
    summary: str = Field(description="The generator in one readable line, e.g. `faker city()`.")
    source: GeneratorSource = Field(
        description="Why this generator: `set` (the field's own, used as is), `constraint` (its pattern or choices "
        "decided), `inferred` (from its name and type, none set), `coherent` (built from other fields of the row, "
        "e.g. an email from the name fields)."
    )
    source_text: str = Field(description="`source` in words, e.g. `inferred from its name and type`.")
    fallback: GeneratorSpec | None = Field(
        default=None, description="AI fields: what makes the values when the AI step fails or is skipped."
    )
    fallback_summary: str | None = Field(default=None, description="`fallback` in one readable line.")
    rules: list[str] = Field(
        default_factory=list,
        description="The table's consistency rules that set or move this field's values, in words "
        "(e.g. `shipped_at >= ordered_at`, `total = Σ order_lines.amount (by order_id)`).",
    )
    explanation: str = Field(
        description="The summary with its source (and an AI field's fallback, and the rules on it) in words: the "
        "line the UIs show."
    )


def field_generators(spec: TableSpec) -> list[FieldGenerator]:
    """What makes each field's values, in field order: exactly what row_generators gives the generator service
    when the AI step worked, with each AI field's fallback from the run where it did not."""
    with_ai = row_generators(spec.fields, has_pool=lambda name: True)
    without_ai = row_generators(spec.fields, has_pool=lambda name: False)
    shown: list[FieldGenerator] = []
    for field in spec.fields:
        generator = with_ai[field.name]
        source, source_text = _source(field, generator)
        fallback = without_ai[field.name] if isinstance(generator, AIGenerator) else None
        summary = summarize_generator(generator)
        fallback_summary = None if fallback is None else summarize_generator(fallback)
        because = (
            source_text if fallback_summary is None else f"{source_text}; if the AI step fails: {fallback_summary}"
        )
        rules = field_rules(spec, field)
        if rules:
            because += "; kept to: " + "; ".join(rules)
        shown.append(
            FieldGenerator(
                name=field.name,
                generator=generator,
                summary=summary,
                source=source,
                source_text=source_text,
                fallback=fallback,
                fallback_summary=fallback_summary,
                rules=rules,
                explanation=f"{summary} ({because})",
            )
        )
    return shown


def _source(field: FieldSpec, generator: GeneratorSpec) -> tuple[GeneratorSource, str]:
    """Why `generator` (row_generators' choice for `field`) makes its values, as a source and in words."""
    if generator != effective_generator(field, has_pool=True):
        # Only the row's coherence replaces a field's own effective generator: by a template of the row.
        names = generator.references if isinstance(generator, TemplateGenerator) else ()
        return "coherent", ("built from " + " and ".join(names)) if names else "built from other fields of the row"
    if field.generator is not None and generator == field.generator:
        return "set", "your generator"
    overridden = ", not your generator" if field.generator is not None else ""
    if field.choices is not None and generator == ChoicesGenerator(values=list(field.choices)):
        return "constraint", f"from its choices{overridden}"
    if field.pattern is not None and generator == RegexGenerator(pattern=field.pattern):
        return "constraint", f"from its pattern{overridden}"
    return "inferred", "inferred from its name and type"
