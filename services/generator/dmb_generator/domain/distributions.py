"""Range values spread by a normal or exponential distribution, always inside the field's bounds.

Values are drawn from the distribution truncated to the bounds, by inverting its distribution function on
a uniform draw between F(low) and F(high). That is neither clamping, which would pile every out-of-range
draw onto the bounds (a spike no real column has), nor rejection, whose number of draws depends on luck:
here row i of a chunk always uses the i-th uniform draw, and the shape inside the bounds is exactly the
requested distribution's. Sampling happens in the field's integer steps (bounds.py), so decimals come out
at the field's scale and dates as whole days; the final clip only absorbs floating-point rounding.
"""

from __future__ import annotations

import datetime as dt
import math
from statistics import NormalDist
from typing import Any

import numpy as np
from dmb_contracts.fields import FieldSpec, RangeGenerator, StorageType

from dmb_generator.domain.bounds import (
    STEPPED_TYPES,
    float_bounds,
    from_steps,
    precision_scale,
    range_value,
    step_bounds,
)
from dmb_generator.domain.context import ColumnContext
from dmb_generator.domain.seeding import row_uniforms
from dmb_generator.domain.temporal import EPOCH

_T = StorageType
_STANDARD = NormalDist()
NORMAL_SPREAD = 6  # default stddev: the range is six standard deviations wide (99.7% before truncation)
EXPONENTIAL_SPREAD = 5  # default scale: a fifth of the range (99.3% before truncation)
_INT64_SAFE = 2**62
FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def steps_per_unit(field: FieldSpec) -> float:
    """How many steps one unit of `stddev`/`scale` is: 1 for integers, 10^scale for decimals, days for dates."""
    if field.type is _T.DECIMAL:
        return float(10 ** precision_scale(field)[1])
    if field.type is _T.DATETIME:
        return 86_400.0
    return 1.0


def _mean_in_steps(field: FieldSpec, generator: RangeGenerator, now: dt.datetime) -> float | None:
    if generator.mean is None:
        return None
    value = range_value(field, generator.mean, now, what="mean")
    if field.type is _T.DATETIME:
        return float((value - EPOCH).total_seconds())
    if field.type is _T.DATE:
        return float(value.toordinal())
    return float(value) * steps_per_unit(field)


def truncated_normal(uniform: FloatArray, low: float, high: float, mean: float, stddev: float) -> FloatArray:
    """The normal(mean, stddev) cut to [low, high], by inverse CDF of the given uniform draws in [0, 1)."""
    if mean > (low + high) / 2:
        # Work in the lower tail, where the distribution function keeps its relative precision.
        return -truncated_normal(uniform, -high, -low, -mean, stddev)
    first = _STANDARD.cdf((low - mean) / stddev)
    last = _STANDARD.cdf((high - mean) / stddev)
    if not last > first:
        # The range lies so far in one tail that no double separates its ends: all mass is at its near end.
        return np.full(len(uniform), low if mean <= low else high)
    share = np.clip(first + (last - first) * uniform, np.nextafter(0.0, 1.0), np.nextafter(1.0, 0.0))
    inverse = _STANDARD.inv_cdf
    draws = np.fromiter((inverse(p) for p in share.tolist()), dtype=np.float64, count=len(share))
    return np.clip(mean + stddev * draws, low, high)


def truncated_exponential(uniform: FloatArray, low: float, high: float, scale: float) -> FloatArray:
    """The exponential of mean `scale` starting at `low`, cut at `high`, by inverse CDF of uniform draws."""
    mass = -math.expm1(-(high - low) / scale)  # P(X <= high - low), exact even for a tiny range
    return np.clip(low - scale * np.log1p(-uniform * mass), low, high)


def _shaped(
    generator: RangeGenerator, uniform: FloatArray, low: float, high: float, unit: float, centre: float | None
) -> FloatArray:
    span = high - low
    if span <= 0:
        return np.full(len(uniform), low)
    if generator.distribution == "normal":
        stddev = generator.stddev * unit if generator.stddev is not None else span / NORMAL_SPREAD
        return truncated_normal(uniform, low, high, (low + high) / 2 if centre is None else centre, stddev)
    if generator.scale is not None:
        scale = generator.scale * unit
    elif generator.rate is not None:
        scale = unit / generator.rate
    else:
        scale = span / EXPONENTIAL_SPREAD
    return truncated_exponential(uniform, low, high, scale)


def _whole_steps(values: FloatArray, low: int, high: int) -> list[int]:
    if low > -_INT64_SAFE and high < _INT64_SAFE:
        return np.clip(np.rint(values), low, high).astype(np.int64).tolist()  # type: ignore[no-any-return]
    # Beyond int64 (decimals of high precision): Python integers, clamped exactly.
    return [min(max(round(value), low), high) for value in values.tolist()]


def distributed_values(generator: RangeGenerator, ctx: ColumnContext) -> list[Any]:
    """`ctx.rows` values of the field inside its bounds, following the generator's distribution."""
    try:
        return _distributed(generator, ctx)
    except OverflowError as exc:  # a decimal with hundreds of digits: its range does not fit a double
        raise ValueError(
            f"field {ctx.field.name!r}: a {generator.distribution} distribution needs a range that fits a "
            "double (about 1e300 steps of the field's scale); narrow min/max or use a uniform range"
        ) from exc


def _distributed(generator: RangeGenerator, ctx: ColumnContext) -> list[Any]:
    field = ctx.field
    # Row-keyed draws: a row's value does not depend on how the job was cut into chunks.
    uniform = row_uniforms(ctx.first_row, ctx.rows, ctx.seed, field.name, "distribution")
    centre = _mean_in_steps(field, generator, ctx.now)
    if field.type in STEPPED_TYPES:
        low, high = step_bounds(field, generator, ctx.now)
        assert high is not None  # default=True always closes the range
        shaped = _shaped(generator, uniform, float(low), float(high), steps_per_unit(field), centre)
        return from_steps(field, _whole_steps(shaped, low, high))
    if field.type is _T.FLOAT:
        low_f, high_f = float_bounds(field, generator, ctx.now)
        values = _shaped(generator, uniform, low_f, high_f, 1.0, centre)
        if high_f - low_f >= 1:
            values = np.round(values, 2)  # as for uniform ranges: prices and measures read better so
        return np.clip(values, low_f, high_f).tolist()  # type: ignore[no-any-return]
    raise ValueError(f"field {field.name!r}: a range applies to numbers, dates and datetimes, not {field.type.value}")
