"""Where a field's values may lie, and the integer "steps" that cover that space exactly.

Every numeric and temporal value is handled as an integer number of steps (1 for integers, 10^-scale for
decimals, a day for dates, a second for datetimes): sampling, folding into range and building unique values
then work on plain integers and stay exact at any precision.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal
from typing import Any

import numpy as np
from dmb_contracts.fields import INTEGER_LIMITS, FieldSpec, JsonScalar, RangeGenerator, StorageType, parse_bound

from dmb_generator.domain.temporal import EPOCH, resolve_datetime

_T = StorageType
STEPPED_TYPES = frozenset({_T.INTEGER, _T.BIG_INTEGER, _T.DECIMAL, _T.DATE, _T.DATETIME, _T.TIME})
_LAST_SECOND_OF_DAY = 86_399
_DEFAULT_SPAN = 10_000
_DEFAULT_YEARS = 10
_MAX_DATE_STEPS = dt.date.max.toordinal()
_MIN_DATETIME_STEPS = int((dt.datetime(1, 1, 1) - EPOCH).total_seconds())
_MAX_DATETIME_STEPS = int((dt.datetime(9999, 12, 31, 23, 59, 59) - EPOCH).total_seconds())
#: Decimal arithmetic without rounding for any precision a field may have (the default context keeps 28 digits).
EXACT = Context(prec=1100)
FLOAT_LIMIT = 1e300  # well inside the double range, so low + (high - low) never overflows


def precision_scale(field: FieldSpec) -> tuple[int, int]:
    return field.precision or 18, field.scale if field.scale is not None else 2


def step_limits(field: FieldSpec) -> tuple[int, int]:
    """The whole value space of the column type, in steps."""
    if field.type in INTEGER_LIMITS:
        return INTEGER_LIMITS[field.type]
    if field.type is _T.DECIMAL:
        largest = int(10 ** precision_scale(field)[0]) - 1  # in steps of 10^-scale: precision digits in all
        return -largest, largest
    if field.type is _T.DATE:
        return 1, _MAX_DATE_STEPS
    if field.type is _T.DATETIME:
        return _MIN_DATETIME_STEPS, _MAX_DATETIME_STEPS
    if field.type is _T.TIME:
        return 0, _LAST_SECOND_OF_DAY  # a second per step, like datetimes
    raise ValueError(f"{field.type.value} values are not stepped")


def to_steps(field: FieldSpec, value: Any, *, round_up: bool) -> int:
    """A bound as steps, rounded inwards (up for a low bound, down for a high one)."""
    rounding = ROUND_CEILING if round_up else ROUND_FLOOR
    if field.type in INTEGER_LIMITS:
        return int(Decimal(value).to_integral_value(rounding))
    if field.type is _T.DECIMAL:
        return int((Decimal(value).scaleb(precision_scale(field)[1], EXACT)).to_integral_value(rounding))
    if field.type is _T.DATE:
        day = value.date() if isinstance(value, dt.datetime) else value
        if isinstance(value, dt.datetime) and round_up and value.time() != dt.time():
            return int(day.toordinal()) + 1
        return int(day.toordinal())
    if field.type is _T.DATETIME:
        moment = value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
        seconds = (moment - EPOCH) / dt.timedelta(seconds=1)
        return int(math.ceil(seconds) if round_up else math.floor(seconds))
    if field.type is _T.TIME:
        clock = value.time() if isinstance(value, dt.datetime) else value
        whole = clock.hour * 3600 + clock.minute * 60 + clock.second
        return whole + 1 if round_up and clock.microsecond else whole
    raise ValueError(f"{field.type.value} values are not stepped")


def from_steps(field: FieldSpec, steps: list[int]) -> list[Any]:
    if field.type in INTEGER_LIMITS:
        return steps
    if field.type is _T.DECIMAL:
        exponent = -precision_scale(field)[1]
        return [Decimal(step).scaleb(exponent, EXACT) for step in steps]
    if field.type is _T.DATE:
        return [dt.date.fromordinal(step) for step in steps]
    if field.type is _T.DATETIME:
        return [EPOCH + dt.timedelta(seconds=step) for step in steps]
    if field.type is _T.TIME:
        return [dt.time(step // 3600, step // 60 % 60, step % 60) for step in steps]
    raise ValueError(f"{field.type.value} values are not stepped")


def _parse(field: FieldSpec, value: JsonScalar, now: dt.datetime) -> Any:
    return range_value(field, value, now, what="range bound")


def range_value(field: FieldSpec, value: JsonScalar, now: dt.datetime, *, what: str) -> Any:
    """A range generator's value (a bound, a mean) as a value of the field's type; dates may be relative."""
    if value is None or isinstance(value, bool):
        raise ValueError(f"field {field.name!r}: {what} {value!r} is not a {field.type.value}")
    if field.type in (_T.DATE, _T.DATETIME):
        moment = resolve_datetime(value, now, what=f"field {field.name!r} {what}")
        return moment.date() if field.type is _T.DATE else moment
    try:
        return parse_bound(field.type, value)
    except ValueError as exc:
        raise ValueError(f"field {field.name!r}: {what} {value!r}: {exc}") from exc


def step_bounds(
    field: FieldSpec, generator: RangeGenerator | None, now: dt.datetime, *, default: bool = True
) -> tuple[int, int | None]:
    """The field's value range in steps: the generator's bounds within the field's, then type defaults.

    With default=False an unset maximum stays None (an open range: unique values then count up from the low).
    """
    floor, ceiling = step_limits(field)
    field_low, field_high = field.bounds()
    low = floor if field_low is None else max(floor, to_steps(field, field_low, round_up=True))
    high = ceiling if field_high is None else min(ceiling, to_steps(field, field_high, round_up=False))
    if generator is not None and generator.min is not None:
        low = max(low, to_steps(field, _parse(field, generator.min, now), round_up=True))
    if generator is not None and generator.max is not None:
        high = min(high, to_steps(field, _parse(field, generator.max, now), round_up=False))
    low_set = field_low is not None or (generator is not None and generator.min is not None)
    high_set = field_high is not None or (generator is not None and generator.max is not None)
    if not low_set:
        low = max(floor, _default_low(field, now, high if high_set else None))
    if not high_set:
        if not default:
            return low, None
        high = min(ceiling, low + _default_span(field, now))
    if low > high:
        raise ValueError(f"field {field.name!r}: the range {field.min}..{field.max} holds no {field.type.value} value")
    return low, high


def _default_span(field: FieldSpec, now: dt.datetime) -> int:
    if field.type is _T.DECIMAL:
        return int(_DEFAULT_SPAN * 10 ** precision_scale(field)[1])
    if field.type is _T.DATE:
        return 365 * _DEFAULT_YEARS
    if field.type is _T.DATETIME:
        return 365 * _DEFAULT_YEARS * 86_400
    if field.type is _T.TIME:
        return _LAST_SECOND_OF_DAY  # the whole day
    return _DEFAULT_SPAN


def _default_low(field: FieldSpec, now: dt.datetime, high: int | None) -> int:
    if high is not None:
        return high - _default_span(field, now)
    if field.type is _T.DATE:
        return now.date().toordinal() - _default_span(field, now)
    if field.type is _T.DATETIME:
        return to_steps(field, now, round_up=False) - _default_span(field, now)
    return 0


def float_bounds(field: FieldSpec, generator: RangeGenerator | None, now: dt.datetime) -> tuple[float, float]:
    low_value, high_value = field.bounds()
    low = -FLOAT_LIMIT if low_value is None else max(-FLOAT_LIMIT, float(low_value))
    high = FLOAT_LIMIT if high_value is None else min(FLOAT_LIMIT, float(high_value))
    if generator is not None and generator.min is not None:
        low = max(low, float(_parse(field, generator.min, now)))
    if generator is not None and generator.max is not None:
        high = min(high, float(_parse(field, generator.max, now)))
    low_set = low_value is not None or (generator is not None and generator.min is not None)
    high_set = high_value is not None or (generator is not None and generator.max is not None)
    if not low_set:
        low = max(-FLOAT_LIMIT, high - _DEFAULT_SPAN) if high_set else 0.0
    if not high_set:
        high = min(FLOAT_LIMIT, low + _DEFAULT_SPAN)
    if low > high:
        raise ValueError(f"field {field.name!r}: the range {field.min}..{field.max} holds no float value")
    return low, high


def uniform_ints(rng: np.random.Generator, low: int, high: int, n: int) -> list[int]:
    """n integers uniform in [low, high], for spans beyond int64 too."""
    span = high - low
    if span < 2**62 and -(2**62) < low < 2**62:
        return (rng.integers(0, span, n, endpoint=True, dtype=np.int64) + low).tolist()  # type: ignore[no-any-return]
    # Wide spans (decimals of high precision): draw enough 62-bit limbs; the modulo bias is below 2^-62.
    limbs = span.bit_length() // 62 + 2
    draws = rng.integers(0, 2**62, (n, limbs), dtype=np.int64).tolist()
    out = []
    for row in draws:
        value = 0
        for limb in row:
            value = (value << 62) | limb
        out.append(low + value % (span + 1))
    return out
