"""The order a row's fields are generated in: every field after the fields it reads (templates, and a
self-reference's key). Which generator each field gets is dmb_contracts.generator_defaults.row_generators,
shared with the gateway and the exporter, which show it to the user."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dmb_contracts.fields import FieldSpec, GeneratorSpec, TemplateGenerator


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
