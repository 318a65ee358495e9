"""Shared fixtures: the benchmark's reference table and deterministic rows for it, as the database returns them."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from dmb_contracts.fields import TableSpec
from dmb_exporter.domain import ExportAbout

# The same ten columns as /work/shared/bench/reference_table.json, inlined so the tests stand alone.
REFERENCE_SPEC = {
    "table_name": "reference_people",
    "display_name": "Reference people",
    "description": "The benchmark table: ten columns, a typical mix of Faker providers and types.",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence", "start": 1}},
        {"name": "first_name", "type": "string", "max_length": 100},
        {"name": "last_name", "type": "string", "max_length": 100},
        {"name": "email", "type": "email", "unique": True},
        {"name": "birth_date", "type": "date"},
        {
            "name": "salary",
            "type": "decimal",
            "precision": 10,
            "scale": 2,
            "min": 0,
            "max": 999999.99,
            "generator": {"kind": "range"},
        },
        {"name": "active", "type": "boolean"},
        {"name": "company", "type": "string", "max_length": 200},
        {"name": "website", "type": "url"},
        {"name": "created_at", "type": "datetime"},
    ],
}

Row = tuple[object, ...]
RowMaker = Callable[[int], Iterator[Row]]


@pytest.fixture
def reference_spec() -> TableSpec:
    return TableSpec.model_validate(REFERENCE_SPEC)


def reference_rows(count: int, seed: int = 7) -> Iterator[Row]:
    """Rows of the reference table with the Python types SQLAlchemy returns for its columns."""
    rng = random.Random(seed)
    names = ["Ana", "Bo", "Chloé", "Dmitri", "Eve", "Fatima", "Günther", "Hiroshi"]
    base = dt.datetime(2024, 1, 1)
    for i in range(1, count + 1):
        first, last = rng.choice(names), rng.choice(names) + "son"
        yield (
            i,
            first,
            last,
            f"{first.lower()}.{i}@example.com",
            dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(25_000)),
            Decimal(rng.randrange(0, 99_999_999)) / 100,
            rng.random() < 0.5,
            f"{last} & Partners <{i % 97}>",
            f"https://www.example{i % 500}.com/{first.lower()}",
            base + dt.timedelta(seconds=rng.randrange(60_000_000)),
        )


@pytest.fixture
def make_reference_rows() -> RowMaker:
    return reference_rows


@pytest.fixture
def reference_about(reference_spec: TableSpec) -> ExportAbout:
    return ExportAbout.for_spec(
        reference_spec,
        definition_version=3,
        seed=2**62 + 1,
        locale="de_DE",
        row_count=5,
        generator_version="1.4.0",
        created_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        timings={"generation": 1.25},
        constraint_report=["email: 5 unique values", "salary: all within 0 … 999999.99"],
    )
