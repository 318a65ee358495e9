"""One chunk of rows: every column generated as a whole, then zipped into tuples.

The values of a chunk depend only on its arguments and GENERATOR_VERSION: each column draws from its own
stream keyed by (seed, chunk_index, field name), and unique values are functions of the global row index.
Range distributions, templates and bundles draw per global row index (seeding.row_uniforms), so their values
do not depend on the chunking at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from dmb_contracts.compositions import Composition
from dmb_contracts.fields import ChoicesGenerator, ConstantGenerator, FieldSpec, GeneratorSpec, JsonScalar, TableSpec
from dmb_contracts.generator_defaults import effective_generator, row_generators

from dmb_generator.domain.bundles import BundleDraws
from dmb_generator.domain.coherence import generation_order
from dmb_generator.domain.columns import raw_values
from dmb_generator.domain.composite import plan_unique_indexes
from dmb_generator.domain.conform import check_fixed_values, conform
from dmb_generator.domain.context import ColumnContext, ParentKeys
from dmb_generator.domain.date_order import apply_date_order
from dmb_generator.domain.faker_catalogue import check_locale
from dmb_generator.domain.key_pairs import key_pairs, unique_alone
from dmb_generator.domain.references import hierarchical_references
from dmb_generator.domain.temporal import default_now
from dmb_generator.domain.uniqueness import unique_values


def _with_nulls(field: FieldSpec, values: list[Any], ctx: ColumnContext) -> list[Any]:
    if not field.nullable or field.null_percentage <= 0:
        return values
    mask = (ctx.null_rng.random(ctx.rows) < field.null_percentage / 100).tolist()
    return [None if empty else value for value, empty in zip(values, mask, strict=True)]


def generate_column(
    field: FieldSpec,
    ctx: ColumnContext,
    generator: GeneratorSpec | None = None,
    *,
    carrier: bool = False,
    enumerated: list[Any] | None = None,
    unique: bool | None = None,
) -> list[Any]:
    """The field's values for the chunk; `generator` is what row_generators chose (else the field's own).

    `carrier`: the field keeps a unique index unique, so it takes unique values; `enumerated`: the field's
    part of a unique index's combinations (see composite.py, key_pairs.py), used instead of drawn values;
    `unique`: the field is unique on its own (default: unique, or a primary key).
    """
    if unique is None:
        unique = field.unique or field.primary_key
    generator = generator or effective_generator(field, has_pool=bool(ctx.pool))
    if isinstance(generator, ChoicesGenerator):
        check_fixed_values(field, list(generator.values))
    elif isinstance(generator, ConstantGenerator):
        check_fixed_values(field, [generator.value])
    if enumerated is not None and not unique:
        return _with_nulls(field, enumerated, ctx)
    values = conform(field, raw_values(generator, ctx))
    if unique or carrier:
        values = unique_values(field, generator, values, ctx)
    return _with_nulls(field, values, ctx)


def generate_chunk(
    spec: TableSpec,
    *,
    seed: int,
    chunk_index: int,
    first_row: int,
    rows: int,
    locale: str = "en_US",
    ai_pools: Mapping[str, Sequence[JsonScalar]] | None = None,
    now: dt.datetime | None = None,
    parents: Mapping[str, ParentKeys] | None = None,
    ai_compositions: Mapping[str, Composition] | None = None,
    held_pairs: Mapping[str, Sequence[int]] | None = None,
) -> list[tuple[object, ...]]:
    """`rows` rows for the global rows first_row..first_row+rows-1, values in spec.fields order.

    `now` anchors relative dates ("-2y", ages); pass the job's start so every chunk agrees. Unset, it is
    today's midnight UTC, so the output is stable within a day. `parents` holds each foreign key's parent
    keys (by field name), read at job start; a self-reference also draws from the chunk's earlier rows
    (references.py). `ai_compositions` give unique AI fields distinct values past their pools. `held_pairs`:
    per junction index (key_pairs.py), the slots of the combinations the table held at job start (appending).
    """
    if rows < 0 or first_row < 0 or chunk_index < 0:
        raise ValueError("rows, first_row and chunk_index must not be negative")
    if rows == 0:
        return []
    check_locale(locale)
    anchor = default_now() if now is None else now.replace(tzinfo=None)
    pools = ai_pools or {}
    # Templates read other columns of the row, so those come first; bundle fields share the chunk's draws.
    bundles = BundleDraws(seed, first_row, rows, locale)
    generators = row_generators(spec.fields, has_pool=lambda name: bool(pools.get(name)))
    # Planned without the AI pools, like check_capacity, so the plan (and what it refused) never depends on them.
    plan = plan_unique_indexes(spec, row_generators(spec.fields, has_pool=lambda name: False), anchor)
    if plan.problems:
        raise ValueError(plan.problems[0])
    enumerated = plan.enumerated_columns(seed, range(first_row, first_row + rows))
    for pair in key_pairs(spec):
        if parents and all(name in parents and parents[name].keys for name in pair.fields):
            held = (held_pairs or {}).get(pair.name, ())
            enumerated.update(pair.columns(seed, range(first_row, first_row + rows), parents, held))
    alone = unique_alone(spec)
    # A self-reference may point at earlier rows of the chunk, so its key column comes first.
    hierarchy = hierarchical_references(spec)
    columns: dict[str, list[Any]] = {}
    for field in generation_order(spec.fields, generators, hierarchy):
        ctx = ColumnContext(
            field,
            seed,
            chunk_index,
            first_row,
            rows,
            locale,
            anchor,
            pools.get(field.name),
            columns=columns,
            bundles=bundles,
        )
        if parents and field.name in parents:
            ctx = dataclasses.replace(ctx, parent=parents[field.name])
        if ai_compositions and field.name in ai_compositions:
            ctx = dataclasses.replace(ctx, composition=ai_compositions[field.name])
        if field.name in hierarchy and field.name not in plan.carriers:
            ctx = dataclasses.replace(ctx, chunk_keys=columns[hierarchy[field.name]])
        columns[field.name] = generate_column(
            field,
            ctx,
            generators[field.name],
            carrier=field.name in plan.carriers,
            enumerated=enumerated.get(field.name),
            unique=field.name in alone,
        )
    apply_date_order(spec, columns, generators, anchor)
    return list(zip(*(columns[field.name] for field in spec.fields), strict=True))
