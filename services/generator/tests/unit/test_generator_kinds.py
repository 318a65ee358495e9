"""Each generator kind produces what it promises, as values of the field's type."""

from __future__ import annotations

import datetime as dt
import re
import typing
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from dmb_contracts.fields import FieldSpec, GeneratorSpec, TableSpec
from dmb_generator.domain import columns, generate_chunk
from faker import Faker

NOW = dt.datetime(2026, 1, 15, 12, 0, 0)


def column(field: dict[str, Any], rows: int = 500, **kwargs: Any) -> list[Any]:
    spec = TableSpec(table_name="t", fields=[FieldSpec.model_validate(field)])
    out = generate_chunk(spec, seed=7, chunk_index=0, first_row=0, rows=rows, now=NOW, **kwargs)
    return [row[0] for row in out]


def test_faker_provider_with_arguments_gives_values_in_its_range(check: Any) -> None:
    values = column(
        {
            "name": "n",
            "type": "integer",
            "generator": {"kind": "faker", "provider": "random_int", "args": {"min": 5, "max": 9}},
        }
    )
    assert set(values) <= set(range(5, 10))
    assert len(set(values)) > 1


def test_faker_names_are_real_names_from_the_locale() -> None:
    firsts = column({"name": "f", "type": "string", "generator": {"kind": "faker", "provider": "first_name"}})
    german = column(
        {"name": "f", "type": "string", "generator": {"kind": "faker", "provider": "last_name"}}, locale="de_DE"
    )
    english: Any = Faker("en_US").first_name
    deutsch: Any = Faker("de_DE").last_name
    assert set(firsts) <= set(english.__self__.first_names)
    assert set(german) <= set(deutsch.__self__.last_names)


def test_faker_email_and_url_are_valid(check: Any) -> None:
    email = FieldSpec(name="e", type="email", generator={"kind": "faker", "provider": "email"})
    url = FieldSpec(name="u", type="url", generator={"kind": "faker", "provider": "url"})
    rows = generate_chunk(TableSpec(table_name="t", fields=[email, url]), seed=1, chunk_index=0, first_row=0, rows=300)
    check(email, [row[0] for row in rows])
    check(url, [row[1] for row in rows])


def test_relative_dates_count_from_the_pinned_now() -> None:
    values = column(
        {
            "name": "d",
            "type": "datetime",
            "generator": {
                "kind": "faker",
                "provider": "date_time_between",
                "args": {"start_date": "-2y", "end_date": "now"},
            },
        }
    )
    assert all(NOW - dt.timedelta(days=731) <= value <= NOW for value in values)
    births = column(
        {
            "name": "b",
            "type": "date",
            "generator": {"kind": "faker", "provider": "date_of_birth", "args": {"minimum_age": 18, "maximum_age": 20}},
        }
    )
    assert all(dt.date(2005, 1, 15) < value <= dt.date(2008, 1, 15) for value in births)


def test_slow_path_faker_provider_is_called_per_value() -> None:
    values = column({"name": "c", "type": "string", "generator": {"kind": "faker", "provider": "city"}}, rows=50)
    assert all(isinstance(value, str) and value for value in values)


def test_unknown_faker_provider_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"field 'x': unknown faker provider 'seed_instance'"):
        column({"name": "x", "type": "string", "generator": {"kind": "faker", "provider": "seed_instance"}})
    with pytest.raises(ValueError, match="unknown faker provider 'no_such_thing'"):
        column({"name": "x", "type": "string", "generator": {"kind": "faker", "provider": "no_such_thing"}})


def test_bad_faker_arguments_are_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"field 'x': faker provider 'city' does not accept"):
        column({"name": "x", "type": "string", "generator": {"kind": "faker", "provider": "city", "args": {"size": 3}}})
    with pytest.raises(ValueError, match="above"):
        column(
            {
                "name": "x",
                "type": "text",
                "generator": {"kind": "faker", "provider": "text", "args": {"max_nb_chars": 10**9}},
            }
        )


def test_unknown_locale_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown locale"):
        column({"name": "x", "type": "string"}, locale="xx_YY")


def test_sequence_counts_from_the_global_row_index() -> None:
    spec = TableSpec(
        table_name="t",
        fields=[FieldSpec(name="n", type="integer", generator={"kind": "sequence", "start": 10, "step": 5})],
    )
    rows = generate_chunk(spec, seed=1, chunk_index=3, first_row=300, rows=3)
    assert [row[0] for row in rows] == [1510, 1515, 1520]


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [
        ({"name": "n", "type": "integer", "min": -5, "max": 5}, -5, 5),
        ({"name": "n", "type": "big_integer", "min": 2**40, "max": 2**40 + 3}, 2**40, 2**40 + 3),
        (
            {"name": "n", "type": "decimal", "precision": 5, "scale": 2, "min": "1.5", "max": "2.5"},
            Decimal("1.5"),
            Decimal("2.5"),
        ),
        ({"name": "n", "type": "float", "min": 0.5, "max": 0.75}, 0.5, 0.75),
        (
            {"name": "n", "type": "date", "min": "2020-01-01", "max": "2020-01-31"},
            dt.date(2020, 1, 1),
            dt.date(2020, 1, 31),
        ),
        (
            {"name": "n", "type": "datetime", "min": "2020-01-01T00:00:00", "max": "2020-01-01T01:00:00"},
            dt.datetime(2020, 1, 1),
            dt.datetime(2020, 1, 1, 1),
        ),
    ],
)
def test_range_stays_within_the_field_bounds(field: dict[str, object], low: object, high: object) -> None:
    values = column({**field, "generator": {"kind": "range"}})
    assert all(low <= value <= high for value in values)
    assert len(set(values)) > 2


def test_range_generator_bounds_narrow_the_field_bounds() -> None:
    values = column(
        {"name": "n", "type": "integer", "min": 0, "max": 100, "generator": {"kind": "range", "min": 50, "max": 1000}}
    )
    assert all(50 <= value <= 100 for value in values)


def test_choices_follow_their_weights() -> None:
    values = column(
        {"name": "c", "type": "string", "generator": {"kind": "choices", "values": ["a", "b"], "weights": [9, 1]}},
        rows=5000,
    )
    counts = Counter(values)
    assert set(counts) == {"a", "b"}
    assert 0.85 < counts["a"] / 5000 < 0.95


def test_field_choices_without_generator_pick_from_the_choices() -> None:
    values = column({"name": "c", "type": "integer", "choices": [1, 2, 3]})
    assert set(values) == {1, 2, 3}


def test_regex_generator_matches_its_pattern() -> None:
    values = column({"name": "r", "type": "string", "generator": {"kind": "regex", "pattern": r"[A-Z]{2}-\d{3}"}})
    assert all(re.fullmatch(r"[A-Z]{2}-\d{3}", value) for value in values)


def test_field_pattern_wins_over_another_generator() -> None:
    values = column(
        {"name": "r", "type": "string", "pattern": r"\d{4}", "generator": {"kind": "faker", "provider": "city"}}
    )
    assert all(re.fullmatch(r"\d{4}", value) for value in values)


def test_constant_gives_the_constant() -> None:
    assert set(column({"name": "c", "type": "decimal", "generator": {"kind": "constant", "value": 3.5}})) == {
        Decimal("3.50")
    }


def test_ai_values_come_from_the_pool_and_fall_back_to_faker_without_one() -> None:
    field = {"name": "product_name", "type": "string", "generator": {"kind": "ai", "instructions": "products"}}
    pooled = column(field, ai_pools={"product_name": ["Lamp", "Desk"]})
    assert set(pooled) == {"Lamp", "Desk"}
    fallback = column(field)
    assert all(isinstance(value, str) and value for value in fallback)


def test_ai_pools_of_the_same_length_stay_rows_together() -> None:
    spec = TableSpec.model_validate(
        {
            "table_name": "admissions",
            "fields": [
                {"name": "diagnosis", "type": "string", "generator": {"kind": "ai"}},
                {"name": "department", "type": "string", "generator": {"kind": "ai"}},
            ],
        }
    )
    pools = {
        "diagnosis": ["Neumonía", "Fractura de cadera", "Infarto agudo de miocardio"],
        "department": ["Neumología", "Traumatología", "Cardiología"],
    }
    rows = generate_chunk(spec, seed=7, chunk_index=0, first_row=0, rows=300, ai_pools=pools)
    pairs = set(zip(pools["diagnosis"], pools["department"], strict=True))
    assert set(rows) == pairs


def test_a_unique_ai_field_with_a_composition_gets_distinct_composed_values_in_every_chunk() -> None:
    from dmb_contracts.compositions import Composition

    spec = TableSpec.model_validate(
        {
            "table_name": "products",
            "fields": [{"name": "name", "type": "string", "unique": True, "generator": {"kind": "ai"}}],
        }
    )
    composition = Composition(
        template="{0} {1} {2}",
        parts=[[f"Head{i}" for i in range(30)], [f"Mid{i}" for i in range(30)], [f"Tail{i}" for i in range(30)]],
    )
    pools = {"name": ["Lamp", "Desk"]}
    chunks = [
        generate_chunk(
            spec,
            seed=3,
            chunk_index=k,
            first_row=k * 9000,
            rows=9000,
            ai_pools=pools,
            ai_compositions={"name": composition},
        )
        for k in range(3)
    ]
    values = [row[0] for chunk in chunks for row in chunk]

    assert len(set(values)) == 27_000
    assert all(re.fullmatch(r"Head\d+ Mid\d+ Tail\d+", value) for value in values)
    again = generate_chunk(
        spec, seed=3, chunk_index=1, first_row=9000, rows=9000, ai_pools=pools, ai_compositions={"name": composition}
    )
    assert again == chunks[1]


def test_a_unique_ai_field_deals_out_a_pool_large_enough_without_suffixes() -> None:
    spec = TableSpec.model_validate(
        {
            "table_name": "genres",
            "fields": [{"name": "name", "type": "string", "unique": True, "generator": {"kind": "ai"}}],
        }
    )
    pool = ["Jazz", "Blues", "Flamenco", "Bossa nova", "Reggae", "Cumbia", "Tango", "Fado"]

    rows = generate_chunk(spec, seed=11, chunk_index=0, first_row=0, rows=6, ai_pools={"name": pool})
    more = generate_chunk(spec, seed=11, chunk_index=0, first_row=0, rows=9, ai_pools={"name": pool})

    assert len({row[0] for row in rows}) == 6
    assert {row[0] for row in rows} <= set(pool)
    assert len({row[0] for row in more}) == 9  # one row more than the pool: made distinct otherwise
    assert not {row[0] for row in more} <= set(pool)


def test_null_percentage_gives_about_that_share_of_nulls() -> None:
    values = column({"name": "n", "type": "string", "nullable": True, "null_percentage": 30}, rows=5000)
    assert 0.27 < values.count(None) / 5000 < 0.33


def test_every_generator_kind_of_the_contract_has_a_producer() -> None:
    union = typing.get_args(GeneratorSpec)[0]  # Annotated[Union[...], discriminator] -> Union[...]
    kinds = typing.get_args(union)
    missing = [kind.__name__ for kind in kinds if kind not in columns._PRODUCERS]
    assert len(kinds) >= 11
    assert missing == []


@pytest.mark.parametrize(
    "value", ["123456789012345678901234567891", "-99999999999999999999999999999", "0.1234567890123456789012345678901"]
)
def test_decimals_beyond_28_digits_are_kept_exactly(value: str) -> None:
    # Python's default decimal context keeps 28 digits: conforming must not round a wider value off its step.
    scale = len(value.partition(".")[2])
    field = {
        "name": "d",
        "type": "decimal",
        "precision": 31,
        "scale": scale,
        "generator": {"kind": "constant", "value": value},
    }
    assert set(column(field, rows=5)) == {Decimal(value)}
