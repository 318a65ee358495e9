"""Generators chosen for the whole row, so defaults agree with each other.

A field the user left without a generator gets one inferred from its own name and type (inference.py).
One default looks across the row: an email field next to first- and last-name fields is built from those
names (`anna.smith@example.com`) instead of being an unrelated random address.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from dmb_contracts.fields import BundleGenerator, FakerGenerator, FieldSpec, GeneratorSpec, TemplateGenerator

from dmb_generator.domain.inference import effective_generator

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


def fields_read(name: str, generators: Mapping[str, GeneratorSpec], after: Mapping[str, str] | None = None) -> set[str]:
    """The fields that must be generated before the field `name`: those its template reads and the one `after`
    names for it (see generation_order), directly or through those fields in turn."""
    extra = after or {}
    seen: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        generator = generators.get(current)
        needed = set(generator.references) if isinstance(generator, TemplateGenerator) else set()
        if current in extra:
            needed.add(extra[current])
        fresh = needed - seen
        seen |= fresh
        pending.extend(fresh)
    return seen


def generation_order(
    fields: Sequence[FieldSpec],
    generators: Mapping[str, GeneratorSpec],
    after: Mapping[str, str] | None = None,
) -> list[FieldSpec]:
    """Every field after the fields its template reads, and after the field `after` names for it (a
    self-reference after its key); the spec's order otherwise.

    TableSpec refuses unknown references and cycles among the user's templates, and inferred templates read
    only name fields, so the walk always ends. The caller keeps `after` free of cycles with the templates
    (see references.hierarchical_references).
    """
    by_name = {field.name: field for field in fields}
    extra = after or {}
    ordered: list[FieldSpec] = []
    placed: set[str] = set()

    def place(field: FieldSpec) -> None:
        if field.name in placed:
            return
        placed.add(field.name)
        generator = generators[field.name]
        if isinstance(generator, TemplateGenerator):
            for name in generator.references:
                place(by_name[name])
        if field.name in extra:
            place(by_name[extra[field.name]])
        ordered.append(field)

    for field in fields:
        place(field)
    return ordered
