"""Unique values by construction: the value of row r is a function of r that is one-to-one.

Nothing is checked against earlier chunks and nothing is retried, so uniqueness holds across any number of
chunks and workers. `capacity` says how many distinct values a field can take, so a job that asks for more
is refused before any row is written.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass
from typing import Any

from dmb_contracts.fields import (
    TEXTUAL_TYPES,
    AIGenerator,
    ChoicesGenerator,
    ConstantGenerator,
    FieldSpec,
    GeneratorSpec,
    RangeGenerator,
    SequenceGenerator,
    StorageType,
)

from dmb_generator.domain.bounds import STEPPED_TYPES, float_bounds, from_steps, step_bounds, step_limits
from dmb_generator.domain.check_digits import numbered_space
from dmb_generator.domain.conform import FILLER, conform, field_float_range, field_step_range
from dmb_generator.domain.context import ColumnContext
from dmb_generator.domain.pattern_space import UnsupportedPattern
from dmb_generator.domain.permutation import Permutation
from dmb_generator.domain.references import unique_references
from dmb_generator.domain.text_fit import base36, fit_email, fit_url, unique_text

_T = StorageType
_FLOAT_GRID = 2**40
_TAG_DIGITS_BEYOND_ANY_JOB = 13  # 36^13 > 2^63 rows


@dataclass(frozen=True)
class Capacity:
    """How many distinct values a unique field can take (None: more than any job asks) and what they are."""

    count: int | None
    description: str


def distinct_values(field: FieldSpec, generator: ChoicesGenerator | ConstantGenerator) -> list[Any]:
    """The distinct values of a choices or constant generator, as values of the field's type."""
    raw = generator.values if isinstance(generator, ChoicesGenerator) else [generator.value]
    values = conform(field.model_copy(update={"nullable": True}), list(raw))
    return list(dict.fromkeys(value for value in values if value is not None))


def _float_grid(low: float, high: float) -> int:
    if high <= low:
        return 0
    # Grid points must stay distinct doubles: keep the spacing well above the spacing of doubles there.
    resolution = 4 * math.ulp(max(abs(low), abs(high)))
    return int(min(_FLOAT_GRID, (high - low) / resolution))


def _sequence_capacity(field: FieldSpec, generator: SequenceGenerator, now: dt.datetime) -> Capacity:
    if field.type in TEXTUAL_TYPES:
        limit = field.length_limit
        if limit is None or limit >= 19:
            return Capacity(None, "a sequence")
        largest = 10 ** (limit - (1 if generator.start < 0 or generator.step < 0 else 0)) - 1
        if generator.step > 0:
            count = max(0, (largest - generator.start) // generator.step + 1)
        else:
            count = max(0, (generator.start + largest) // -generator.step + 1)
        return Capacity(count, f"a sequence of at most {limit} characters")
    if field.type in STEPPED_TYPES:
        limits = field_step_range(field)
        low, high = limits.low, limits.high
    else:
        low_f, high_f = field_float_range(field)
        low, high = math.ceil(low_f), math.floor(high_f)
    start, step = generator.start, generator.step
    if not low <= start <= high:
        return Capacity(0, f"a sequence starting at {start} outside {low}..{high}")
    count = (high - start) // step + 1 if step > 0 else (start - low) // -step + 1
    return Capacity(count, f"a sequence from {start} by {step} within {low}..{high}")


def capacity(field: FieldSpec, generator: GeneratorSpec, now: dt.datetime) -> Capacity:
    if isinstance(generator, SequenceGenerator):
        return _sequence_capacity(field, generator, now)
    if isinstance(generator, ChoicesGenerator | ConstantGenerator):
        count = len(distinct_values(field, generator))
        return Capacity(count, f"{count} distinct choices")
    if field.type in TEXTUAL_TYPES and field.pattern is not None:
        try:
            space = numbered_space(field)
        except UnsupportedPattern as exc:
            return Capacity(0, f"unique values of the pattern {field.pattern!r} ({exc})")
        maximum = field.length_limit
        if not (field.min_length or 0) <= space.length <= (maximum if maximum is not None else space.length):
            return Capacity(0, f"unique values of the pattern {field.pattern!r} are {space.length} characters long")
        return Capacity(space.size, f"the pattern {field.pattern!r} has {space.size} values")
    if field.type in TEXTUAL_TYPES:
        limit = field.length_limit
        if field.type in (_T.STRING, _T.TEXT) and limit is not None and limit < _TAG_DIGITS_BEYOND_ANY_JOB:
            # A very short unique text is its base-36 tag alone: at most 36^limit rows fit.
            return Capacity(36**limit, f"unique text of at most {limit} characters")
        return Capacity(None, "a unique tag per row")
    if field.type is _T.UUID:
        return Capacity(None, "a distinct version-4 UUID per row")
    if field.type is _T.FOREIGN_KEY:
        return Capacity(None, "the parent's keys (counted when the job starts)")
    range_generator = generator if isinstance(generator, RangeGenerator) else None
    if field.type in STEPPED_TYPES:
        low, high = step_bounds(field, range_generator, now, default=False)
        high = step_limits(field)[1] if high is None else high
        bounds = from_steps(field, [low, high])
        return Capacity(high - low + 1, f"unique {field.type.value} between {bounds[0]} and {bounds[1]}")
    if field.type is _T.FLOAT:
        low_f, high_f = float_bounds(field, range_generator, now)
        return Capacity(_float_grid(low_f, high_f) + 1, f"unique float between {low_f} and {high_f}")
    return Capacity(2, f"{field.type.value} values")


def unique_values(field: FieldSpec, generator: GeneratorSpec, values: list[Any], ctx: ColumnContext) -> list[Any]:
    """Replace `values` (already conformed) by values unique across all rows of the job."""
    rows = ctx.row_indexes
    key = (ctx.seed, field.name)
    if isinstance(generator, SequenceGenerator) and field.type not in (_T.EMAIL, _T.URL):
        return _checked_sequence(field, generator, values, ctx)
    # (A number is no email or URL: those were rebuilt whole by conform, so they take the row tag below.)
    if isinstance(generator, ChoicesGenerator | ConstantGenerator):
        distinct = distinct_values(field, generator)
        permutation = Permutation.keyed(len(distinct), *key)
        return [distinct[permutation.slot(row)] for row in rows]
    if isinstance(generator, AIGenerator) and (dealt := _dealt_ai_values(field, ctx)) is not None:
        return dealt
    if field.type in TEXTUAL_TYPES:
        return _unique_text(field, values, ctx)
    if field.type is _T.UUID:
        return unique_uuids(ctx)
    if field.type is _T.FOREIGN_KEY:
        return unique_references(field, ctx)
    range_generator = generator if isinstance(generator, RangeGenerator) else None
    if field.type in STEPPED_TYPES:
        low, high = step_bounds(field, range_generator, ctx.now, default=False)
        if high is None and field.type is _T.TIME:
            high = step_limits(field)[1]  # a day is small: spread over all of it rather than count up
        if high is None:
            # An open range counts up from its low end, like an identity column.
            return from_steps(field, [_in_type(field, low + row) for row in rows])
        permutation = Permutation.keyed(high - low + 1, *key)
        return from_steps(field, [low + permutation.slot(row) for row in rows])
    if field.type is _T.FLOAT:
        low_f, high_f = float_bounds(field, range_generator, ctx.now)
        grid = _float_grid(low_f, high_f)
        permutation = Permutation.keyed(grid + 1, *key)
        width = high_f - low_f
        return [min(high_f, low_f + width * permutation.slot(row) / grid) if grid else low_f for row in rows]
    raise ValueError(f"field {field.name!r}: {field.type.value} values cannot be unique")


_UUID_RANDOM_BITS = 122
_UUID_MIXER = 0x2545F4914F6CDD1D_9E3779B97F4A7C15  # odd, from well-known 64-bit mixing constants


def unique_uuids(ctx: ColumnContext) -> list[uuid.UUID]:
    """Version-4 UUIDs whose 122 random bits are a keyed permutation of the row index: distinct by
    construction, random-looking, and fixed by (seed, field, row)."""
    permutation = Permutation.keyed(2**_UUID_RANDOM_BITS, ctx.seed, ctx.field.name)
    mask = 2**_UUID_RANDOM_BITS - 1
    out = []
    for row in ctx.row_indexes:
        # The affine permutation keeps neighbouring rows related; xor-shifts and an odd multiplier (each a
        # bijection of 122-bit numbers) mix the bits so consecutive UUIDs share no visible pattern.
        bits = permutation.slot(row)
        bits ^= bits >> 61
        bits = (bits * _UUID_MIXER) & mask
        bits ^= bits >> 59
        # Layout of RFC 9562 version 4: 48 bits, version nibble 4, 12 bits, variant 0b10, 62 bits.
        value = (bits >> 74) << 80 | 0x4 << 76 | ((bits >> 62) & 0xFFF) << 64 | 0b10 << 62 | (bits & (2**62 - 1))
        out.append(uuid.UUID(int=value))
    return out


def _dealt_ai_values(field: FieldSpec, ctx: ColumnContext) -> list[Any] | None:
    """A unique AI text field's values without suffixes, when its composition or its pool holds a distinct
    value for every row of the job so far (both dealt in a seeded order); None: tag the pooled values instead.
    E-mails, URLs and patterned fields are rebuilt by the tagging path."""
    if field.type not in TEXTUAL_TYPES or field.type in (_T.EMAIL, _T.URL) or field.pattern is not None:
        return None
    needed = ctx.first_row + ctx.rows
    composition = ctx.composition
    if composition is not None and needed <= composition.size:
        permutation = Permutation.keyed(composition.size, ctx.seed, field.name)
        return [composition.value(permutation.slot(row)) for row in ctx.row_indexes]
    pool = [
        value for value in dict.fromkeys(conform(field.model_copy(update={"nullable": True}), list(ctx.pool or ())))
    ]
    pool = [value for value in pool if value is not None]
    if needed <= len(pool):
        permutation = Permutation.keyed(len(pool), ctx.seed, field.name)
        return [pool[permutation.slot(row)] for row in ctx.row_indexes]
    return None


def _in_type(field: FieldSpec, step: int) -> int:
    if step > step_limits(field)[1]:
        raise ValueError(f"field {field.name!r}: row {step} is past the largest unique {field.type.value}")
    return step


def _checked_sequence(
    field: FieldSpec, generator: SequenceGenerator, values: list[Any], ctx: ColumnContext
) -> list[Any]:
    # Conforming folds out-of-range values back in, which could repeat one: a unique sequence must not fold.
    raw = [generator.start + generator.step * row for row in ctx.row_indexes]
    if field.type in TEXTUAL_TYPES:
        limit = field.length_limit
        fits = limit is None or all(len(str(value)) <= limit for value in raw)
    else:
        fits = all(value == expected for value, expected in zip(values, raw, strict=True))
    if not fits:
        raise ValueError(f"field {field.name!r}: the unique sequence leaves the field's range at this row count")
    return values


def _unique_text(field: FieldSpec, values: list[Any], ctx: ColumnContext) -> list[Any]:
    try:
        return _tagged_text(field, values, ctx)
    except ValueError as exc:
        raise ValueError(f"field {field.name!r}: {exc}") from exc


def _tagged_text(field: FieldSpec, values: list[Any], ctx: ColumnContext) -> list[Any]:
    minimum, maximum = field.min_length or 0, field.length_limit
    rows = ctx.row_indexes
    if field.pattern is not None:
        space = numbered_space(field)
        permutation = Permutation.keyed(space.size, ctx.seed, field.name)
        return [space.value(permutation.slot(row)) for row in rows]
    if field.type is _T.EMAIL:
        return [fit_email(value, minimum, maximum or 254, row) for value, row in zip(values, rows, strict=True)]
    if field.type is _T.URL:
        return [fit_url(value, minimum, maximum or 2048, row) for value, row in zip(values, rows, strict=True)]
    return [unique_text(value, row, minimum, maximum, FILLER) for value, row in zip(values, rows, strict=True)]


def tag_length(rows: int) -> int:
    return len(base36(max(rows - 1, 0)))
