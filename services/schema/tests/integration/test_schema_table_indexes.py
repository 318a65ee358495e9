"""Composite primary keys, indexes and composite unique constraints on real databases (PostgreSQL and
SQLite): created with the table, added and dropped by alter, refused when the rows break them."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from dmb_contracts.events import TableAltered, TableRejected

ORDERS: dict[str, Any] = {
    "table_name": "orders",
    "fields": [
        {"name": "shop", "type": "integer", "primary_key": True},
        {"name": "number", "type": "integer", "primary_key": True},
        {"name": "customer", "type": "string", "max_length": 50},
        {"name": "day", "type": "date"},
        {"name": "note", "type": "text", "nullable": True},
    ],
    "indexes": [{"fields": ["customer", "day"], "unique": True}, {"name": "orders_by_day", "fields": ["day"]}],
}
ROWS = [
    {"shop": 1, "number": 1, "customer": "ann", "day": dt.date(2024, 1, 1), "note": "x"},
    {"shop": 1, "number": 2, "customer": "bob", "day": dt.date(2024, 1, 1), "note": "x"},
    {"shop": 2, "number": 1, "customer": "ann", "day": dt.date(2024, 1, 2), "note": "y"},
]


def indexes(rig: Any, table: str) -> dict[str, tuple[list[str], bool]]:
    with rig.engine.connect() as conn:
        found = sa.inspect(conn).get_indexes(table, schema=rig.schema)
    return {index["name"]: (list(index["column_names"]), bool(index["unique"])) for index in found}


async def orders(rig: Any) -> Any:
    table_id = await rig.create(ORDERS)
    rig.insert("orders", ROWS)
    return table_id


def with_indexes(*indexes: dict[str, Any], **changes: Any) -> dict[str, Any]:
    spec = copy.deepcopy(ORDERS) | changes
    spec["indexes"] = list(indexes)
    return spec


async def test_the_table_has_its_composite_key_and_indexes_and_refuses_repeated_combinations(rig: Any) -> None:
    await orders(rig)
    with rig.engine.connect() as conn:
        assert sa.inspect(conn).get_pk_constraint("orders", schema=rig.schema)["constrained_columns"] == [
            "shop",
            "number",
        ]
    assert (
        indexes(rig, "orders").items()
        >= {
            "uq_orders_customer_day": (["customer", "day"], True),
            "orders_by_day": (["day"], False),
        }.items()
    )
    # The same number in another shop is fine; the same (shop, number) is not.
    rig.insert("orders", [{"shop": 3, "number": 1, "customer": "cy", "day": dt.date(2024, 1, 3)}])
    with pytest.raises(sa.exc.IntegrityError):
        rig.insert("orders", [{"shop": 3, "number": 1, "customer": "dee", "day": dt.date(2024, 1, 3)}])
    # A customer may order on two days, not twice on one.
    with pytest.raises(sa.exc.IntegrityError):
        rig.insert("orders", [{"shop": 9, "number": 9, "customer": "ann", "day": dt.date(2024, 1, 1)}])


async def test_alter_adds_and_drops_indexes(rig: Any) -> None:
    table_id = await orders(rig)
    spec = with_indexes({"name": "orders_by_day", "fields": ["day"]}, {"fields": ["number", "day"], "unique": True})

    event = await rig.alter(table_id, 1, spec)

    assert isinstance(event, TableAltered), event
    assert "index uq_orders_customer_day dropped" in event.changes
    assert "index uq_orders_number_day added (unique: number, day)" in event.changes
    found = indexes(rig, "orders")
    assert "uq_orders_customer_day" not in found
    assert found["uq_orders_number_day"] == (["number", "day"], True)
    assert found["orders_by_day"] == (["day"], False)
    assert len(rig.rows("orders", order_by="number")) == len(ROWS)
    rig.insert("orders", [{"shop": 5, "number": 5, "customer": "ann", "day": dt.date(2024, 1, 1)}])
    with pytest.raises(sa.exc.IntegrityError):
        rig.insert("orders", [{"shop": 5, "number": 1, "customer": "cy", "day": dt.date(2024, 1, 1)}])


async def test_a_unique_index_the_rows_break_is_refused_and_changes_nothing(rig: Any, snapshot: Any) -> None:
    table_id = await orders(rig)
    before = snapshot(rig.engine, rig.schema)
    spec = with_indexes(*ORDERS["indexes"], {"name": "one_a_day", "fields": ["day", "note"], "unique": True})

    event = await rig.alter(table_id, 1, spec | {"table_name": "renamed_orders"})

    assert isinstance(event, TableRejected), event
    assert (event.problems[0].field, event.problems[0].rule) == ("one_a_day", "unique")
    assert "1 combinations of (day, note) appear more than once" in event.reason
    assert snapshot(rig.engine, rig.schema) == before


async def test_renaming_or_retyping_an_indexed_field_keeps_the_index(rig: Any) -> None:
    table_id = await orders(rig)
    spec = copy.deepcopy(ORDERS)
    spec["table_name"] = "purchases"
    spec["fields"][2] = {"name": "client", "renamed_from": "customer", "type": "string", "max_length": 80}
    spec["indexes"] = [
        {"name": "uq_orders_customer_day", "fields": ["client", "day"], "unique": True},
        {"name": "orders_by_day", "fields": ["day"]},
    ]

    event = await rig.alter(table_id, 1, spec)

    assert isinstance(event, TableAltered), event
    assert (
        indexes(rig, "purchases").items()
        >= {
            "uq_orders_customer_day": (["client", "day"], True),
            "orders_by_day": (["day"], False),
        }.items()
    )
    assert sorted((row["shop"], row["number"], row["client"]) for row in rig.rows("purchases", order_by="day")) == [
        (row["shop"], row["number"], row["customer"]) for row in ROWS
    ]
    with pytest.raises(sa.exc.IntegrityError):
        rig.insert("purchases", [{"shop": 9, "number": 9, "client": "ann", "day": dt.date(2024, 1, 1)}])


async def test_dropping_an_indexed_field_with_its_index(rig: Any) -> None:
    table_id = await orders(rig)
    spec = copy.deepcopy(ORDERS)
    spec["fields"] = [f for f in spec["fields"] if f["name"] != "customer"]
    spec["indexes"] = [{"name": "orders_by_day", "fields": ["day"]}]

    event = await rig.alter(table_id, 1, spec)

    assert isinstance(event, TableAltered), event
    assert set(indexes(rig, "orders")) >= {"orders_by_day"}
    assert "uq_orders_customer_day" not in indexes(rig, "orders")
    assert {tuple(sorted(row)) for row in rig.rows("orders", order_by="number")} == {("day", "note", "number", "shop")}


async def test_a_redelivered_index_change_is_adopted(rig: Any) -> None:
    from dmb_contracts.fields import TableSpec
    from dmb_schema.domain.diff import plan_alter

    table_id = await orders(rig)
    spec = with_indexes(*ORDERS["indexes"], {"fields": ["note"]})
    rig.ddl.alter_table(plan_alter(TableSpec.model_validate(ORDERS), TableSpec.model_validate(spec)), None)

    event = await rig.alter(table_id, 1, spec)

    assert isinstance(event, TableAltered), event
    assert "ix_orders_note" in indexes(rig, "orders")


async def test_a_renamed_table_frees_its_name_for_a_new_table(rig: Any) -> None:
    from dmb_contracts.events import TableCreated

    table_id = await orders(rig)
    assert isinstance(await rig.alter(table_id, 1, ORDERS | {"table_name": "purchases"}), TableAltered)
    again = copy.deepcopy(ORDERS)
    again["fields"][2] = {"name": "customer", "type": "string", "max_length": 50, "unique": True}
    again["indexes"] = [{"name": "orders_by_note", "fields": ["note"]}]

    await rig.create(again)

    assert isinstance((await rig.events())[-1], TableCreated), (await rig.events())[-1]
    rig.insert("orders", ROWS[:1])
    with pytest.raises(sa.exc.IntegrityError):
        rig.insert("orders", [ROWS[0] | {"number": 7}])


async def test_an_index_name_another_table_uses_is_refused_clearly(rig: Any, snapshot: Any) -> None:
    from dmb_contracts.events import TableCreated

    await orders(rig)
    other = {
        "table_name": "visits",
        "fields": [{"name": "id", "type": "integer", "primary_key": True}, {"name": "day", "type": "date"}],
        "indexes": [{"name": "orders_by_day", "fields": ["day"]}],
    }
    before = snapshot(rig.engine, rig.schema)

    await rig.create(other)

    event = (await rig.events())[-1]
    if rig.engine.dialect.name in ("mysql", "mariadb"):
        assert isinstance(event, TableCreated), event  # index names belong to their table there
        return
    assert isinstance(event, TableRejected), event
    assert (event.problems[0].field, event.problems[0].rule) == ("orders_by_day", "index")
    assert "index name 'orders_by_day' is already used by another table" in event.reason
    assert snapshot(rig.engine, rig.schema) == before


async def test_an_added_index_with_a_name_another_table_uses_is_refused(rig: Any, snapshot: Any) -> None:
    await orders(rig)
    visits = {
        "table_name": "visits",
        "fields": [{"name": "id", "type": "integer", "primary_key": True}, {"name": "day", "type": "date"}],
    }
    visits_id = await rig.create(visits)
    before = snapshot(rig.engine, rig.schema)

    event = await rig.alter(visits_id, 1, visits | {"indexes": [{"name": "orders_by_day", "fields": ["day"]}]})

    if rig.engine.dialect.name in ("mysql", "mariadb"):
        assert isinstance(event, TableAltered), event
        return
    assert isinstance(event, TableRejected), event
    assert (event.problems[0].field, event.problems[0].rule) == ("orders_by_day", "index")
    assert snapshot(rig.engine, rig.schema) == before
