"""Appending to a table that already has rows: sequences continue after the largest value already there, so a
second job on a table whose key is a sequence adds new keys instead of repeating 1, 2, 3 ... (pure)."""

from __future__ import annotations

from collections.abc import Mapping

from dmb_contracts.fields import SequenceGenerator, StorageType, TableSpec
from dmb_contracts.generator_defaults import effective_generator

_WHOLE = (StorageType.INTEGER, StorageType.BIG_INTEGER)


def sequence_fields(spec: TableSpec) -> list[str]:
    """Whole-number fields whose values come from a rising sequence (their own, or the one inferred for a key)."""
    names = []
    for field in spec.fields:
        generator = effective_generator(field, has_pool=False)
        if field.type in _WHOLE and isinstance(generator, SequenceGenerator) and generator.step > 0:
            names.append(field.name)
    return names


def continue_sequences(spec: TableSpec, maxima: Mapping[str, int | None]) -> tuple[TableSpec, list[str]]:
    """`spec` with each sequence starting after the table's largest value where it would start at or below
    it, and a note per field so moved."""
    fields, notes = [], []
    for field in spec.fields:
        largest = maxima.get(field.name)
        generator = effective_generator(field, has_pool=False)
        if largest is None or not isinstance(generator, SequenceGenerator) or generator.start > largest:
            fields.append(field)
            continue
        start = largest + generator.step
        fields.append(field.model_copy(update={"generator": generator.model_copy(update={"start": start})}))
        notes.append(
            f"field {field.name!r}: the table already held values up to {largest}; the sequence continued at {start}"
        )
    if not notes:
        return spec, []
    return spec.model_copy(update={"fields": fields}), notes
