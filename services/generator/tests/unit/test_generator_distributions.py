"""Range distributions: the requested shape, always inside the bounds, the same whatever the chunking."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from decimal import Decimal
from statistics import NormalDist
from typing import Any

import pytest
from dmb_contracts.fields import FieldSpec, RangeGenerator, TableSpec
from dmb_generator.domain import generate_chunk
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

NOW = dt.datetime(2026, 1, 15)


def column(
    field: dict[str, Any], rows: int = 20_000, *, seed: int = 5, first_row: int = 0, chunk: int = 0
) -> list[Any]:
    spec = TableSpec(table_name="t", fields=[FieldSpec.model_validate({"name": "v", **field})])
    return [
        row[0] for row in generate_chunk(spec, seed=seed, chunk_index=chunk, first_row=first_row, rows=rows, now=NOW)
    ]


def ks_statistic(values: list[float], cdf: Any) -> float:
    """The largest gap between the sample's distribution function and the expected one."""
    ordered = sorted(values)
    n = len(ordered)
    return max(max((i + 1) / n - cdf(x), cdf(x) - i / n) for i, x in enumerate(ordered))


def test_normal_values_have_the_requested_mean_and_spread() -> None:
    values = column(
        {
            "type": "float",
            "min": -1000,
            "max": 1000,
            "generator": {"kind": "range", "distribution": "normal", "mean": 120, "stddev": 40},
        }
    )
    assert abs(statistics.fmean(values) - 120) < 1.5  # the standard error is 40/sqrt(20000) = 0.28
    assert abs(statistics.stdev(values) - 40) < 1.5
    # Kolmogorov-Smirnov against N(120, 40): 1.63/sqrt(n) is the 1% critical value (fixed seed: not flaky).
    assert ks_statistic(values, NormalDist(120, 40).cdf) < 1.63 / math.sqrt(len(values))


def test_exponential_values_decay_from_the_low_bound_with_the_requested_scale() -> None:
    values = column(
        {
            "type": "float",
            "min": 10,
            "max": 5000,
            "generator": {"kind": "range", "distribution": "exponential", "scale": 100},
        }
    )
    assert min(values) >= 10
    assert abs(statistics.fmean(values) - 110) < 4  # mean = low + scale (the cut at 5000 removes e^-49.9)
    assert ks_statistic(values, lambda x: 1 - math.exp(-(x - 10) / 100)) < 1.63 / math.sqrt(len(values))


def test_rate_is_the_inverse_of_scale() -> None:
    by_rate = column(
        {
            "type": "integer",
            "min": 0,
            "max": 10_000,
            "generator": {"kind": "range", "distribution": "exponential", "rate": 0.02},
        }
    )
    by_scale = column(
        {
            "type": "integer",
            "min": 0,
            "max": 10_000,
            "generator": {"kind": "range", "distribution": "exponential", "scale": 50},
        }
    )
    assert by_rate == by_scale
    assert abs(statistics.fmean(by_rate) - 50) < 2


def test_normal_defaults_centre_on_the_middle_of_the_range() -> None:
    values = column({"type": "integer", "min": 0, "max": 600, "generator": {"kind": "range", "distribution": "normal"}})
    assert abs(statistics.fmean(values) - 300) < 3
    assert abs(statistics.stdev(values) - 100) < 4  # a sixth of the range; truncation at 3 sd trims ~1.5%
    assert min(values) >= 0
    assert max(values) <= 600


def test_decimal_values_keep_the_field_scale_and_the_distribution() -> None:
    field = {"type": "decimal", "precision": 8, "scale": 2, "min": "0", "max": "500"}
    values = column({**field, "generator": {"kind": "range", "distribution": "normal", "mean": "100.5", "stddev": 10}})
    assert all(isinstance(value, Decimal) and value.as_tuple().exponent == -2 for value in values)
    assert all(Decimal(0) <= value <= Decimal(500) for value in values)
    assert abs(statistics.fmean(float(value) for value in values) - 100.5) < 0.5


def test_dates_spread_around_the_mean_date_in_days() -> None:
    values = column(
        {
            "type": "date",
            "min": "2020-01-01",
            "max": "2024-12-31",
            "generator": {"kind": "range", "distribution": "normal", "mean": "2022-07-01", "stddev": 30},
        }
    )
    ordinals = [value.toordinal() for value in values]
    assert abs(statistics.fmean(ordinals) - dt.date(2022, 7, 1).toordinal()) < 2
    assert abs(statistics.stdev(ordinals) - 30) < 1.5


def test_datetimes_take_relative_means_and_scales_in_days() -> None:
    values = column(
        {
            "type": "datetime",
            "generator": {"kind": "range", "min": "-1y", "max": "now", "distribution": "exponential", "scale": 7},
        }
    )
    ages = [(NOW - value).total_seconds() / 86_400 for value in values]
    assert all(0 <= age <= 366 for age in ages)
    assert abs(statistics.fmean(ages) - (365.24 - 7)) < 0.5  # decays from the low bound, a year ago


def test_a_mean_far_outside_the_range_keeps_every_value_inside() -> None:
    values = column(
        {
            "type": "integer",
            "min": 0,
            "max": 10,
            "generator": {"kind": "range", "distribution": "normal", "mean": 10**6, "stddev": 1},
        },
        rows=500,
    )
    assert set(values) == {10}
    values = column(
        {
            "type": "float",
            "min": 0,
            "max": 10,
            "generator": {"kind": "range", "distribution": "normal", "mean": -30, "stddev": 10},
        },
        rows=2000,
    )
    assert all(0 <= value <= 10 for value in values)
    assert statistics.fmean(values) < 3  # piled towards the near bound, as the cut normal is


def test_rows_are_the_same_whatever_the_chunking() -> None:
    field = {
        "type": "decimal",
        "scale": 3,
        "min": "-50",
        "max": "50",
        "generator": {"kind": "range", "distribution": "normal", "stddev": 9},
    }
    whole = column(field, rows=10_000)
    parts = [value for chunk in range(4) for value in column(field, rows=2500, first_row=chunk * 2500, chunk=chunk)]
    assert whole == parts


def test_unique_field_with_a_distribution_stays_unique_and_in_range() -> None:
    values = column(
        {
            "type": "integer",
            "unique": True,
            "min": 0,
            "max": 5000,
            "generator": {"kind": "range", "distribution": "normal"},
        },
        rows=3000,
    )
    assert len(set(values)) == 3000
    assert all(0 <= value <= 5000 for value in values)


@pytest.mark.parametrize(
    ("generator", "message"),
    [
        ({"distribution": "uniform", "mean": 3}, "mean do not apply to a uniform distribution"),
        (
            {"distribution": "normal", "scale": 3},
            r"scale do not apply to a normal distribution \(it takes mean and stddev\)",
        ),
        ({"distribution": "exponential", "stddev": 3}, "stddev do not apply to a exponential distribution"),
        ({"distribution": "exponential", "scale": 3, "rate": 0.5}, "give scale or rate"),
        ({"distribution": "normal", "stddev": 0}, "greater than 0"),
        ({"distribution": "poisson"}, "'uniform', 'normal' or 'exponential'"),
    ],
)
def test_parameters_that_do_not_fit_the_distribution_are_refused(generator: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RangeGenerator.model_validate({"kind": "range", **generator})


def test_a_mean_that_is_not_a_value_of_the_field_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"field 'v' mean: 'soon' is not 'now', 'today'"):
        column({"type": "date", "generator": {"kind": "range", "distribution": "normal", "mean": "soon"}}, rows=10)


_TYPES = st.sampled_from(["integer", "big_integer", "decimal", "float", "date", "datetime"])


@st.composite
def distributed_fields(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(_TYPES)
    temporal = kind in ("date", "datetime")
    low = draw(st.integers(-(10**6), 10**6)) if not temporal else draw(st.integers(-3650, 3650))
    high = low + draw(st.integers(0, 10**5))
    field: dict[str, Any] = {"type": kind}
    if temporal:
        field["min"], field["max"] = (str(dt.date(2020, 1, 1) + dt.timedelta(days=day)) for day in (low, high))
    else:
        field["min"], field["max"] = low, high
    if kind == "decimal":
        field.update(precision=12, scale=draw(st.integers(0, 4)))
    distribution = draw(st.sampled_from(["normal", "exponential"]))
    generator: dict[str, Any] = {"kind": "range", "distribution": distribution}
    spread = draw(st.one_of(st.none(), st.floats(1e-3, 1e6)))
    if distribution == "normal":
        generator["stddev"] = spread
        if not temporal:
            generator["mean"] = draw(st.one_of(st.none(), st.integers(low - 10**6, high + 10**6)))
    else:
        generator[draw(st.sampled_from(["scale", "rate"]))] = spread
    field["generator"] = generator
    return field


@settings(max_examples=150, deadline=None)
@given(field=distributed_fields(), seed=st.integers(-(2**63), 2**63), chunk=st.integers(0, 50))
def test_distributed_values_always_satisfy_the_field(field: dict[str, Any], seed: int, chunk: int) -> None:
    spec = FieldSpec.model_validate({"name": "v", **field})
    values = column(field, rows=200, seed=seed, first_row=chunk * 200, chunk=chunk)
    low, high = spec.bounds()
    for value in values:
        assert low <= value <= high
        if spec.type.value == "decimal":
            assert value.as_tuple().exponent == -(spec.scale or 0)


def test_a_range_too_wide_for_a_distribution_is_a_clear_error() -> None:
    field = {
        "type": "decimal",
        "precision": 1000,
        "scale": 500,
        "generator": {"kind": "range", "distribution": "normal"},
    }
    with pytest.raises(ValueError, match=r"field 'v': a normal distribution needs a range that fits a double"):
        column(field, rows=5)
