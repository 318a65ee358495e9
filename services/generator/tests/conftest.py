"""Shared fixtures: the reference table and a checker of every constraint a field declares."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import pytest
from dmb_contracts.fields import INTEGER_LIMITS, NUMERIC_TYPES, FieldSpec, StorageType, TableSpec
from dmb_testing.flow import REFERENCE_TABLE

EMAIL = re.compile(r"[a-z0-9._+-]+@[a-z0-9-]+(\.[a-z0-9-]+)+")
URL = re.compile(r"https?://[^\s/]+\.[a-z]+/\S*")
Checker = Callable[[FieldSpec, Sequence[object]], None]


@pytest.fixture
def reference_spec() -> TableSpec:
    return TableSpec.model_validate_json(REFERENCE_TABLE.read_text())


def _check_value(field: FieldSpec, value: Any) -> None:
    low, high = field.bounds()
    kind = field.type
    if kind in INTEGER_LIMITS:
        assert type(value) is int
        floor, ceiling = INTEGER_LIMITS[kind]
        assert floor <= value <= ceiling
    elif kind is StorageType.DECIMAL:
        assert isinstance(value, Decimal)
        precision, scale = field.precision or 18, field.scale if field.scale is not None else 2
        assert value.as_tuple().exponent == -scale
        assert len(value.as_tuple().digits) <= precision
    elif kind is StorageType.FLOAT:
        assert isinstance(value, float)
    elif kind is StorageType.BOOLEAN:
        assert isinstance(value, bool)
    elif kind is StorageType.DATE:
        assert type(value) is dt.date
    elif kind is StorageType.DATETIME:
        assert isinstance(value, dt.datetime)
        assert value.tzinfo is None
    else:
        assert isinstance(value, str)
        limit = field.length_limit
        assert len(value) >= (field.min_length or 0)
        assert limit is None or len(value) <= limit
        if field.pattern is not None:
            assert re.fullmatch(field.pattern, value), (field.pattern, value)
        elif field.choices is not None:
            pass  # the user's own choices are used verbatim
        elif kind is StorageType.EMAIL:
            assert EMAIL.fullmatch(value), value
        elif kind is StorageType.URL:
            assert URL.fullmatch(value), value
    if low is not None:
        assert value >= low
    if high is not None:
        assert value <= high
    if field.choices is not None and kind in NUMERIC_TYPES:
        assert Decimal(str(value)) in {Decimal(str(choice)) for choice in field.choices}
    elif field.choices is not None:
        assert str(value) in {str(choice) for choice in field.choices}


def check_column(field: FieldSpec, values: Sequence[object]) -> None:
    present = [value for value in values if value is not None]
    if not field.nullable:
        assert len(present) == len(values), f"{field.name}: nulls in a non-nullable field"
    for value in present:
        try:
            _check_value(field, value)
        except AssertionError as exc:
            raise AssertionError(f"{field.name}: {value!r} breaks a constraint ({exc})") from exc
    if field.unique or field.primary_key:
        assert len(set(present)) == len(present), f"{field.name}: duplicates"


@pytest.fixture
def check() -> Checker:
    return check_column
