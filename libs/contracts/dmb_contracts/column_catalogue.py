"""A curated, data-driven catalogue of generators for columns whose meaning their table gives: a genre's name
is a genre, a track's milliseconds a song's length, an order line's quantity a small number skewed low.

The vocabularies and rules live in data/column_catalogue.json (one place to extend for a new domain). A rule
names words of the table (`tables`, or the words of any table of the same set as `domain`), the column, its
types and the generator; the first rule that matches wins, and a suggestion that would not make a valid field
(a value longer than the column, choices for a unique field) is skipped.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from dmb_contracts.fields import ChoicesGenerator, FieldSpec, GeneratorSpec

_DATA = Path(__file__).parent / "data" / "column_catalogue.json"
_GENERATOR: TypeAdapter[GeneratorSpec] = TypeAdapter(GeneratorSpec)


@cache
def _catalogue() -> tuple[dict[str, list[str]], list[dict[str, Any]]]:
    data = json.loads(_DATA.read_text())
    return data["vocabularies"], data["rules"]


def _words(name: str) -> set[str]:
    return {word for word in name.lower().split("_") if word} | {name.lower()}


def suggest_generator(
    table: str, field: FieldSpec, domain: set[str] | frozenset[str] = frozenset()
) -> GeneratorSpec | None:
    """The catalogue's generator for `field` of `table` (whose set of tables is `domain`), if a rule fits."""
    if field.references is not None or field.choices is not None or field.pattern is not None or field.primary_key:
        return None
    vocabularies, rules = _catalogue()
    table_words = _words(table)
    context = set().union(*(_words(name) for name in domain)) | table_words if domain else table_words
    for rule in rules:
        if field.name not in rule["columns"] or field.type.value not in rule["types"]:
            continue
        if rule["tables"] and not table_words & set(rule["tables"]):
            continue
        if "domain" in rule and not context & set(rule["domain"]):
            continue
        generator = _built(rule["generator"], vocabularies)
        if generator is not None and _fits(field, generator):
            return generator
    return None


def _built(raw: dict[str, Any], vocabularies: dict[str, list[str]]) -> GeneratorSpec | None:
    values = raw.get("values")
    if isinstance(values, str) and values.startswith("@"):
        raw = raw | {"values": vocabularies[values[1:]]}
    try:
        return _GENERATOR.validate_python(raw)
    except ValidationError:
        return None


def _fits(field: FieldSpec, generator: GeneratorSpec) -> bool:
    if isinstance(generator, ChoicesGenerator):
        limit = field.length_limit
        if field.unique or (limit is not None and any(len(str(value)) > limit for value in generator.values)):
            return False
    try:
        FieldSpec.model_validate(field.model_dump() | {"generator": generator.model_dump()})
    except ValidationError:
        return False
    return True
