"""One namespace per owner, on PostgreSQL, SQLite and MariaDB: two owners each get their own `customers`
(with the same index and a foreign key from their own `orders`), a name is refused only against the same
owner's tables, refusals never show a physical name, and tables made before namespaces move into their
owner's namespace with their rows."""

from __future__ import annotations

import re
import uuid
from typing import Any

import sqlalchemy as sa
from dmb_common.namespaces import physical_name
from dmb_contracts.commands import CreateTable
from dmb_contracts.events import TableCreated, TableRejected
from dmb_contracts.fields import TableSpec
from dmb_schema import handlers
from dmb_schema.models import Definition

CUSTOMERS: dict[str, Any] = {
    "table_name": "customers",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True},
        {"name": "email", "type": "email", "unique": True},
    ],
    "indexes": [{"name": "customers_by_email", "fields": ["email"]}],
}
ORDERS: dict[str, Any] = {
    "table_name": "orders",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True},
        {"name": "customer", "type": "foreign_key", "references": {"table": "customers", "field": "id"}},
    ],
}
PHYSICAL = re.compile(r"t[0-9a-f]{16}_")


async def create(rig: Any, spec: dict[str, Any], owner_id: uuid.UUID | None) -> TableCreated | TableRejected:
    cmd = CreateTable(table_id=uuid.uuid4(), spec=TableSpec.model_validate(spec), owner_id=owner_id)
    await handlers.create_table(cmd, rig.deps)
    (event,) = await rig.answers(cmd)
    assert isinstance(event, TableCreated | TableRejected)
    return event


def tables(rig: Any) -> set[str]:
    with rig.engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names(schema=rig.schema))


async def test_two_owners_each_have_their_own_tables_of_the_same_names(rig: Any) -> None:
    ada, bob = uuid.uuid4(), uuid.uuid4()

    events = [
        await create(rig, CUSTOMERS, ada),
        await create(rig, ORDERS, ada),
        await create(rig, CUSTOMERS, bob),
        await create(rig, ORDERS, bob),
    ]

    assert [type(event) for event in events] == [TableCreated] * 4, events
    assert all(event.spec.table_name in ("customers", "orders") for event in events if isinstance(event, TableCreated))
    names = {physical_name(owner, name) for owner in (ada, bob) for name in ("customers", "orders")}
    assert names <= tables(rig)
    assert not {"customers", "orders"} & tables(rig)
    rig.insert(physical_name(ada, "customers"), [{"id": 1, "email": "a@example.com"}])
    rig.insert(physical_name(ada, "orders"), [{"id": 1, "customer": 1}])
    rig.insert(physical_name(bob, "customers"), [{"id": 1, "email": "a@example.com"}])  # the same row: no clash
    with rig.engine.connect() as conn:
        (constraint,) = sa.inspect(conn).get_foreign_keys(physical_name(bob, "orders"), schema=rig.schema)
    assert constraint["referred_table"] == physical_name(bob, "customers")  # each owner's orders → their customers


async def test_a_name_is_refused_only_against_the_same_owner_and_without_physical_names(rig: Any) -> None:
    ada, bob = uuid.uuid4(), uuid.uuid4()
    await create(rig, CUSTOMERS, ada)

    again = await create(rig, CUSTOMERS, ada)
    other = await create(rig, CUSTOMERS, bob)

    assert isinstance(again, TableRejected)
    assert again.reason == "you already have a table named 'customers'"
    assert isinstance(other, TableCreated)


async def test_a_database_refusal_names_the_owner_table_not_the_physical_one(rig: Any) -> None:
    ada = uuid.uuid4()
    await create(rig, CUSTOMERS, ada)
    clashing = CUSTOMERS | {"table_name": "clients"}  # its index name is taken by the owner's customers

    refused = await create(rig, clashing, ada)

    if rig.engine.dialect.name in ("mysql", "mariadb"):
        assert isinstance(refused, TableCreated)  # there an index name is per table: no clash to report
        return
    assert isinstance(refused, TableRejected)
    assert "'customers_by_email' is already used by another table" in refused.reason
    assert not PHYSICAL.search(refused.reason), refused.reason


async def test_tables_made_before_namespaces_move_into_their_owner_namespace_with_their_rows(rig: Any) -> None:
    ada = uuid.uuid4()
    # As before namespaces: the tables under their owner's names (no owner on the command makes them so).
    made = [await create(rig, spec, None) for spec in (CUSTOMERS, ORDERS)]
    async with rig.runtime.uow() as uow:
        for event in made:
            assert isinstance(event, TableCreated)
            (await uow.session.get(Definition, event.table_id)).owner_id = ada  # type: ignore[union-attr]
        await uow.commit()
    rig.insert("customers", [{"id": 1, "email": "a@example.com"}, {"id": 2, "email": "b@example.com"}])
    rig.insert("orders", [{"id": 1, "customer": 2}])

    moved = await handlers.move_tables_into_namespaces(rig.deps)
    again = await handlers.move_tables_into_namespaces(rig.deps)

    assert sorted(moved[ada]) == ["customers", "orders"]
    assert again == {}
    assert not {"customers", "orders"} & tables(rig)
    assert [row["email"] for row in rig.rows(physical_name(ada, "customers"))] == ["a@example.com", "b@example.com"]
    assert rig.rows(physical_name(ada, "orders")) == [{"id": 1, "customer": 2}]
    refused = await create(rig, CUSTOMERS, ada)  # the moved table is the owner's customers
    assert isinstance(refused, TableRejected)
