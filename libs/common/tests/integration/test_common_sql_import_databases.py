"""Pointing at an existing table of a real database (PostgreSQL, MariaDB) proposes its definition."""

from __future__ import annotations

import pytest
from dmb_common.sql_import import SqlImportError, infer_from_database
from dmb_contracts.fields import StorageType
from dmb_testing.servers import execute


def test_existing_postgres_table_is_read_with_its_keys_types_and_comments(postgres_url: str) -> None:
    execute(
        postgres_url,
        "CREATE SCHEMA shop",
        "CREATE TABLE shop.levels (id int PRIMARY KEY)",
        """CREATE TABLE shop.orders (
            id bigserial PRIMARY KEY,
            code varchar(20) NOT NULL UNIQUE,
            amount numeric(10, 2) DEFAULT 0,
            paid boolean NOT NULL DEFAULT false,
            label varchar(30) DEFAULT 'new',
            created timestamp DEFAULT now(),
            ref uuid,
            level_id int REFERENCES shop.levels (id),
            email text
        )""",
        "CREATE UNIQUE INDEX ix_orders_ref ON shop.orders (ref)",
        "COMMENT ON TABLE shop.orders IS 'All orders'",
        "COMMENT ON COLUMN shop.orders.code IS 'Order code'",
    )

    spec, warnings = infer_from_database(postgres_url, "orders", schema="shop")

    fields = {f.name: f for f in spec.fields}
    assert (spec.table_name, spec.description) == ("orders", "All orders")
    assert list(fields) == ["id", "code", "amount", "paid", "label", "created", "ref", "level_id", "email"]
    assert (fields["id"].type, fields["id"].primary_key) == (StorageType.BIG_INTEGER, True)
    assert fields["id"].generator is not None
    assert fields["id"].generator.kind == "sequence"
    assert (fields["code"].max_length, fields["code"].unique, fields["code"].nullable) == (20, True, False)
    assert fields["code"].description == "Order code"
    assert (fields["amount"].precision, fields["amount"].scale, fields["amount"].default) == (10, 2, "0")
    assert (fields["paid"].type, fields["paid"].default) == (StorageType.BOOLEAN, False)
    assert fields["label"].default == "new"
    assert fields["created"].default is None
    assert (fields["ref"].type, fields["ref"].unique) == (StorageType.UUID, True)
    assert fields["email"].type is StorageType.TEXT
    reference = fields["level_id"].references
    assert fields["level_id"].type is StorageType.FOREIGN_KEY
    assert reference is not None
    assert (reference.table, reference.field, reference.on_delete) == ("levels", "id", "restrict")
    assert any(w.startswith("level_id: a foreign key to levels.id") for w in warnings)
    assert any(w.startswith("created: the default") for w in warnings)


def test_existing_mariadb_table_is_read(mariadb_url: str) -> None:
    execute(
        mariadb_url,
        """CREATE TABLE items (
            id int unsigned NOT NULL AUTO_INCREMENT,
            name varchar(100) DEFAULT NULL COMMENT 'the name',
            price decimal(8,3) NOT NULL DEFAULT '0.000',
            flag tinyint(1) NOT NULL DEFAULT 1,
            kind enum('a','bb') NOT NULL,
            body mediumtext,
            ratio double,
            big bigint,
            PRIMARY KEY (id),
            UNIQUE KEY uq_name (name),
            KEY ix_price (price)
        ) ENGINE=InnoDB COMMENT='Items for sale'""",
    )

    spec, _ = infer_from_database(mariadb_url, "items")

    fields = {f.name: f for f in spec.fields}
    assert (spec.table_name, spec.description) == ("items", "Items for sale")
    assert (fields["id"].type, fields["id"].min, fields["id"].primary_key) == (StorageType.BIG_INTEGER, 0, True)
    assert fields["id"].generator is not None
    assert fields["id"].generator.kind == "sequence"
    assert (fields["name"].max_length, fields["name"].unique, fields["name"].nullable) == (100, True, True)
    assert fields["name"].description == "the name"
    assert (fields["price"].precision, fields["price"].scale, fields["price"].default) == (8, 3, "0.000")
    assert (fields["flag"].type, fields["flag"].default) == (StorageType.BOOLEAN, True)
    assert (fields["kind"].choices, fields["kind"].nullable) == (["a", "bb"], False)
    assert fields["body"].type is StorageType.TEXT
    assert fields["ratio"].type is StorageType.FLOAT
    assert fields["big"].type is StorageType.BIG_INTEGER


def test_a_missing_table_is_named(postgres_url: str) -> None:
    with pytest.raises(SqlImportError) as caught:
        infer_from_database(postgres_url, "nowhere")
    assert caught.value.rule == "not_found"
    assert "'nowhere'" in caught.value.message
