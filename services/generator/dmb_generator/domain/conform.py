"""Turning raw generator output into values of the field's type that satisfy its constraints.

Generators (Faker, user choices, AI pools) can return any scalar; here each value becomes the column's
Python type and is brought inside min/max and precision by folding (wrapping around the range, which keeps
the spread, unlike clamping, which would pile values on the bounds) and inside length limits by fitting.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from dmb_contracts.fields import TEXTUAL_TYPES, FieldSpec, StorageType

from dmb_generator.domain.bounds import (
    EXACT,
    FLOAT_LIMIT,
    from_steps,
    precision_scale,
    step_limits,
    to_steps,
)
from dmb_generator.domain.temporal import EPOCH
from dmb_generator.domain.text_fit import fit_email, fit_text, fit_url

_T = StorageType
FILLER = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor"
_TRUE = frozenset({"true", "t", "yes", "y", "1", "on"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "off", ""})


@dataclass(frozen=True)
class StepRange:
    low: int
    high: int

    def fold(self, step: int) -> int:
        if self.low <= step <= self.high:
            return step
        return self.low + (step - self.low) % (self.high - self.low + 1)


def field_step_range(field: FieldSpec) -> StepRange:
    """The field's min/max (else the type's limits) in steps, rounded inwards."""
    floor, ceiling = step_limits(field)
    low_value, high_value = field.bounds()
    low = floor if low_value is None else max(floor, to_steps(field, low_value, round_up=True))
    high = ceiling if high_value is None else min(ceiling, to_steps(field, high_value, round_up=False))
    if low > high:
        raise ValueError(
            f"field {field.name!r}: no {field.type.value} value lies between {field.min} and {field.max}"
            + (" at this precision and scale" if field.type is _T.DECIMAL else "")
        )
    return StepRange(low, high)


def field_float_range(field: FieldSpec) -> tuple[float, float]:
    low_value, high_value = field.bounds()
    low = -FLOAT_LIMIT if low_value is None else float(low_value)
    high = FLOAT_LIMIT if high_value is None else float(high_value)
    return low, high


def _fail(field: FieldSpec, value: object, reason: str) -> ValueError:
    return ValueError(f"field {field.name!r}: generated value {value!r} {reason}")


def _integer_steps(field: FieldSpec, value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
        return int(number.to_integral_value(ROUND_HALF_EVEN))
    except (InvalidOperation, ValueError, OverflowError) as exc:
        raise _fail(field, value, "is not an integer") from exc


def _decimal_steps(field: FieldSpec, value: object) -> int:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        # EXACT: the default context keeps 28 digits and would round a 29+ digit value off its step
        return int(number.scaleb(precision_scale(field)[1], EXACT).to_integral_value(ROUND_HALF_EVEN))
    except (InvalidOperation, ValueError, OverflowError) as exc:
        raise _fail(field, value, "is not a number") from exc


def _as_date(field: FieldSpec, value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.datetime.fromisoformat(str(value)).date()
    except ValueError as exc:
        raise _fail(field, value, "is not a date") from exc


def _as_datetime(field: FieldSpec, value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise _fail(field, value, "is not a datetime") from exc
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _as_bool(field: FieldSpec, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise _fail(field, value, "is not a boolean")


def _stepped(field: FieldSpec, to_step: Callable[[FieldSpec, object], int]) -> Callable[[list[Any]], list[Any]]:
    limits = field_step_range(field)

    def convert(values: list[Any]) -> list[Any]:
        steps = [limits.fold(to_step(field, value)) for value in values]
        return from_steps(field, steps)

    return convert


def _date_steps(field: FieldSpec, value: object) -> int:
    return _as_date(field, value).toordinal()


def _datetime_converter(field: FieldSpec) -> Callable[[list[Any]], list[Any]]:
    limits = field_step_range(field)
    low, high = from_steps(field, [limits.low, limits.high])

    def convert(values: list[Any]) -> list[Any]:
        out = []
        for value in values:
            moment = _as_datetime(field, value)
            if not low <= moment <= high:
                seconds = limits.fold(math.floor((moment - EPOCH).total_seconds()))
                moment = EPOCH + dt.timedelta(seconds=seconds)
            out.append(moment)
        return out

    return convert


def _float_converter(field: FieldSpec) -> Callable[[list[Any]], list[Any]]:
    low, high = field_float_range(field)

    def convert(values: list[Any]) -> list[Any]:
        out = []
        for value in values:
            try:
                number = float(value)
            except (TypeError, ValueError) as exc:
                raise _fail(field, value, "is not a number") from exc
            if not math.isfinite(number):
                number = low
            if not low <= number <= high:
                number = low + math.fmod(number - low, high - low) % (high - low) if high > low else low
                number = min(max(number, low), high)
            out.append(number)
        return out

    return convert


def _text_converter(field: FieldSpec) -> Callable[[list[Any]], list[Any]]:
    minimum, maximum = field.min_length or 0, field.length_limit
    if field.pattern is not None or field.choices is not None:
        # Values then come from the pattern or the choices, already checked against the limits: refitting
        # them (say, into an email shape) would break the very constraint they were drawn from.
        return lambda values: [_text(value) for value in values]
    if field.type is _T.EMAIL:
        return lambda values: [fit_email(_text(value), minimum, maximum or 254, None) for value in values]
    if field.type is _T.URL:

        def convert_url(values: list[Any]) -> list[Any]:
            out = []
            for value in values:
                text = _text(value)
                fits = minimum <= len(text) <= (maximum or len(text)) and "://" in text
                out.append(text if fits else fit_url(text, minimum, maximum or 2048, None))
            return out

        return convert_url

    def convert(values: list[Any]) -> list[Any]:
        out = []
        for value in values:
            text = _text(value)
            if len(text) < minimum or (maximum is not None and len(text) > maximum):
                text = fit_text(text, minimum, maximum, FILLER)
            out.append(text)
        return out

    return convert


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _time_steps(field: FieldSpec, value: object) -> int:
    if isinstance(value, dt.datetime):
        clock = value.time()
    elif isinstance(value, dt.time):
        clock = value
    else:
        try:
            clock = dt.time.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise _fail(field, value, "is not a time of day") from exc
    return clock.hour * 3600 + clock.minute * 60 + clock.second


def _as_uuid(field: FieldSpec, value: object) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        if isinstance(value, bytes) and len(value) == 16:
            return uuid.UUID(bytes=value)
        if isinstance(value, int) and not isinstance(value, bool):
            return uuid.UUID(int=value)
        return uuid.UUID(str(value).strip())
    except ValueError as exc:
        raise _fail(field, value, "is not a UUID") from exc


def as_json(field: FieldSpec, value: object) -> Any:
    """A JSON document: objects, arrays and scalars as they are; text holding an object or array (a choice, a
    constant, an AI value) is that object or array; dates, decimals and UUIDs become text."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("{", "["):
            try:
                return json.loads(text)
            except ValueError:
                return value
        return value
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _fail(field, value, "is not a finite number (JSON has no NaN or Infinity)")
        return value
    if isinstance(value, dict):
        return {str(key): as_json(field, item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(field, item) for item in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _key_converter(field: FieldSpec) -> Callable[[list[Any]], list[Any]]:
    # A foreign key's values are the parent's keys, turned into the key's Python type (a stored snapshot
    # holds UUIDs as text); the parent's constraints already hold for them.
    if field.references is None or field.references.key_type is None:
        raise ValueError(f"field {field.name!r}: the foreign key is not resolved (create the table first)")
    return converter(field.references.key_field(field.name))


Converter = Callable[[list[Any]], list[Any]]

#: How raw values become values of each storage type (one entry per StorageType; a test checks that).
CONVERTERS: dict[StorageType, Callable[[FieldSpec], Converter]] = {
    _T.STRING: lambda field: _text_converter(field),
    _T.TEXT: lambda field: _text_converter(field),
    _T.EMAIL: lambda field: _text_converter(field),
    _T.URL: lambda field: _text_converter(field),
    _T.INTEGER: lambda field: _stepped(field, _integer_steps),
    _T.BIG_INTEGER: lambda field: _stepped(field, _integer_steps),
    _T.DECIMAL: lambda field: _stepped(field, _decimal_steps),
    _T.FLOAT: lambda field: _float_converter(field),
    _T.BOOLEAN: lambda field: lambda values: [_as_bool(field, value) for value in values],
    _T.DATE: lambda field: _stepped(field, _date_steps),
    _T.DATETIME: lambda field: _datetime_converter(field),
    _T.TIME: lambda field: _stepped(field, _time_steps),
    _T.UUID: lambda field: lambda values: [_as_uuid(field, value) for value in values],
    _T.JSON: lambda field: lambda values: [as_json(field, value) for value in values],
    _T.FOREIGN_KEY: _key_converter,
}


def converter(field: FieldSpec) -> Callable[[list[Any]], list[Any]]:
    """A function taking raw non-null values to valid values of the field."""
    return CONVERTERS[field.type](field)


def check_fixed_values(field: FieldSpec, values: list[Any]) -> None:
    """Refuse user-listed values (choices, a constant) that break min/max instead of silently moving them."""
    present = [value for value in values if value is not None]
    if field.choices is not None and field.type in TEXTUAL_TYPES:
        # Field choices are used verbatim (see _text_converter), so each must already fit the lengths.
        limit = field.length_limit
        for value in present:
            if len(_text(value)) < (field.min_length or 0) or (limit is not None and len(_text(value)) > limit):
                raise ValueError(f"field {field.name!r}: choice {value!r} does not fit the length limits")
    if (field.min is None and field.max is None) or not present:
        return
    unbounded = field.model_copy(update={"min": None, "max": None})
    for value, bounded, plain in zip(present, conform(field, present), conform(unbounded, present), strict=True):
        if bounded != plain:
            raise ValueError(f"field {field.name!r}: value {value!r} is outside the range {field.min}..{field.max}")


def conform(field: FieldSpec, values: list[Any]) -> list[Any]:
    """Valid values of the field for every raw value; None stays None only where the field allows it."""
    present = [value for value in values if value is not None]
    if len(present) != len(values) and not field.nullable:
        raise ValueError(f"field {field.name!r}: the generator produced null but the field is not nullable")
    try:
        converted = iter(converter(field)(present))
    except ValueError as exc:
        if f"field {field.name!r}" in str(exc):
            raise
        raise ValueError(f"field {field.name!r}: {exc}") from exc
    return [None if value is None else next(converted) for value in values]
