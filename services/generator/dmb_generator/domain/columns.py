"""Raw values for one column of one chunk, one function per generator kind."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import rstr
from dmb_contracts.fields import (
    INTEGER_LIMITS,
    TEXTUAL_TYPES,
    AIGenerator,
    BundleGenerator,
    ChoicesGenerator,
    ConstantGenerator,
    FakerGenerator,
    GeneratorSpec,
    JsonObjectGenerator,
    RangeGenerator,
    ReferenceGenerator,
    RegexGenerator,
    SequenceGenerator,
    StorageType,
    TemplateGenerator,
)

from dmb_generator.domain.bounds import STEPPED_TYPES, float_bounds, from_steps, step_bounds, uniform_ints
from dmb_generator.domain.bundles import bundle_values
from dmb_generator.domain.check_digits import checked_shape, complete
from dmb_generator.domain.context import ColumnContext
from dmb_generator.domain.derived import template_values
from dmb_generator.domain.distributions import distributed_values
from dmb_generator.domain.faker_catalogue import faker_method
from dmb_generator.domain.fast_providers import FAST_PROVIDERS, FastContext
from dmb_generator.domain.json_documents import json_objects
from dmb_generator.domain.references import reference_values
from dmb_generator.domain.seeding import numpy_rng

_REGEX_ATTEMPTS = 50
_T = StorageType


def faker_values(generator: FakerGenerator, ctx: ColumnContext) -> list[Any]:
    fast = FAST_PROVIDERS.get(generator.provider)
    if fast is not None:
        try:
            values = fast(FastContext(ctx.fake, ctx.locale, ctx.rng, ctx.now), ctx.rows, generator.args)
        except ValueError as exc:
            raise ValueError(f"field {ctx.field.name!r}: faker provider {generator.provider!r}: {exc}") from exc
        if values is not None:
            return values
    call = faker_method(ctx.fake, ctx.locale, ctx.field.name, generator.provider, generator.args)
    return [call() for _ in range(ctx.rows)]


def sequence_values(generator: SequenceGenerator, ctx: ColumnContext) -> list[Any]:
    if ctx.field.type not in INTEGER_LIMITS and ctx.field.type not in TEXTUAL_TYPES | {_T.DECIMAL, _T.FLOAT}:
        raise ValueError(
            f"field {ctx.field.name!r}: a sequence applies to numbers and text, not {ctx.field.type.value}"
        )
    return [generator.start + generator.step * row for row in ctx.row_indexes]


def range_values(generator: RangeGenerator, ctx: ColumnContext) -> list[Any]:
    field = ctx.field
    if generator.distribution != "uniform":
        return distributed_values(generator, ctx)
    if field.type in STEPPED_TYPES:
        low, high = step_bounds(field, generator, ctx.now)
        assert high is not None  # default=True always closes the range
        return from_steps(field, uniform_ints(ctx.rng, low, high, ctx.rows))
    if field.type is _T.FLOAT:
        low_f, high_f = float_bounds(field, generator, ctx.now)
        draws = ctx.rng.random(ctx.rows)
        values = low_f * (1 - draws) + high_f * draws
        if high_f - low_f >= 1:
            values = np.round(values, 2)  # prices and measures read better with two decimals
        return np.clip(values, low_f, high_f).tolist()  # type: ignore[no-any-return]
    raise ValueError(f"field {field.name!r}: a range applies to numbers, dates and datetimes, not {field.type.value}")


def choices_values(generator: ChoicesGenerator, ctx: ColumnContext) -> list[Any]:
    weights = None
    if generator.weights is not None:
        total = float(sum(generator.weights))
        weights = [weight / total for weight in generator.weights]
    picks = ctx.rng.choice(len(generator.values), size=ctx.rows, p=weights).tolist()
    return [generator.values[pick] for pick in picks]


def regex_values(generator: RegexGenerator, ctx: ColumnContext) -> list[Any]:
    field = ctx.field
    minimum, maximum = field.min_length or 0, field.length_limit
    xeger = rstr.Rstr(ctx.regex_rng)
    compiled = re.compile(generator.pattern)
    # An ISBN, EAN, IBAN or card-number pattern: the check digits are computed, not drawn.
    checked = checked_shape(field.model_copy(update={"pattern": generator.pattern}))
    out = []
    for _ in range(ctx.rows):
        # A pattern cannot be cut to a length limit without breaking it, so draw again instead. rstr cannot
        # honour lookarounds, so each value is also checked against the pattern itself.
        for _attempt in range(_REGEX_ATTEMPTS):
            value = xeger.xeger(generator.pattern)
            if checked is not None and len(value) == checked.length:
                value = complete(checked.kind, checked.positions, value)
            if minimum <= len(value) <= (maximum if maximum is not None else len(value)) and compiled.fullmatch(value):
                break
        else:
            raise ValueError(
                f"field {field.name!r}: the pattern {generator.pattern!r} rarely yields matching values of length "
                f"{minimum}..{maximum}; constrain the repeats in the pattern (lookarounds are not supported)"
            )
        out.append(value)
    return out


def constant_values(generator: ConstantGenerator, ctx: ColumnContext) -> list[Any]:
    return [generator.value] * ctx.rows


def ai_values(generator: AIGenerator, ctx: ColumnContext) -> list[Any]:
    """Values drawn from the field's AI pool. The AI service writes the AI fields of a table together, one row
    at a time, so pools of the same length line up (index i is one row: a diagnosis with its department); the
    draw depends on the pool's length, not on the field, so those fields pick the same index in every row."""
    pool = list(ctx.pool or ())
    if not pool:
        raise ValueError(f"field {ctx.field.name!r}: the AI value pool is empty")
    picks = numpy_rng(ctx.seed, ctx.chunk_index, "ai rows", len(pool)).integers(0, len(pool), ctx.rows).tolist()
    return [pool[pick] for pick in picks]


_PRODUCERS: dict[type[Any], Callable[[Any, ColumnContext], list[Any]]] = {
    FakerGenerator: faker_values,
    SequenceGenerator: sequence_values,
    RangeGenerator: range_values,
    ChoicesGenerator: choices_values,
    RegexGenerator: regex_values,
    ConstantGenerator: constant_values,
    AIGenerator: ai_values,
    JsonObjectGenerator: json_objects,
    ReferenceGenerator: reference_values,
    TemplateGenerator: template_values,
    BundleGenerator: bundle_values,
}


def raw_values(generator: GeneratorSpec, ctx: ColumnContext) -> list[Any]:
    return _PRODUCERS[type(generator)](generator, ctx)
