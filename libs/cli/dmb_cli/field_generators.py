"""What makes each field's values, as `dmb tables generators` prints it: an aligned table of the field, why
it gets its generator, and the values (the web UI shows the same under each field, see
gateway/dmb_gateway/web/static/field_generators.js)."""

from __future__ import annotations

from typing import Any

from dmb_contracts.generator_defaults import FieldGenerator

HEADERS = ("field", "source", "values")


def values_text(generator: FieldGenerator) -> str:
    """The generator's summary, with an AI field's fallback."""
    if generator.fallback_summary is None:
        return generator.summary
    return f"{generator.summary}; if the AI step fails: {generator.fallback_summary}"


def generators_table(generators: list[dict[str, Any]]) -> list[str]:
    """The API's `generators` as aligned lines: a header, then one line per field in field order."""
    parsed = [FieldGenerator.model_validate(entry) for entry in generators]
    cells = [HEADERS] + [(each.name, each.source_text, values_text(each)) for each in parsed]
    widths = [max(len(row[column]) for row in cells) for column in range(len(HEADERS))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in cells]
