"""Pointing at an existing table of a real database (PostgreSQL, MariaDB, SQLite) proposes its definition,
its unique constraints and indexes included."""

from __future__ import annotations

from pathlib import Path

import pytest
from dmb_contracts.fields import StorageType, TableSpec
from dmb_gateway.importer import SqlImportError, import_database
from dmb_testing.servers import execute


def infer_from_database(url: str, table: str, schema: str | None = None) -> tuple[TableSpec, list[str]]:
    imported = import_database(url, table, schema).tables[0]
    return imported.spec, imported.warnings


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


def indexes_of(spec: TableSpec) -> list[tuple[str | None, list[str], bool]]:
    return [(index.name, index.fields, index.unique) for index in spec.indexes]


def test_postgres_unique_constraints_and_indexes_become_the_definitions_indexes(postgres_url: str) -> None:
    execute(
        postgres_url,
        """CREATE TABLE visits (
            site int NOT NULL,
            seq int NOT NULL,
            visitor varchar(40),
            day date,
            code varchar(20) UNIQUE,
            note text,
            payload jsonb,
            PRIMARY KEY (site, seq),
            CONSTRAINT uq_visitor_day UNIQUE (visitor, day),
            UNIQUE NULLS NOT DISTINCT (site, code) INCLUDE (note)
        )""",
        "CREATE UNIQUE INDEX ux_site_day ON visits (site, day)",
        "CREATE UNIQUE INDEX ux_again ON visits (visitor, day)",
        "CREATE INDEX ix_day ON visits (day DESC)",
        "CREATE UNIQUE INDEX ux_open ON visits (site, visitor) WHERE day IS NULL",
        "CREATE UNIQUE INDEX ux_lower ON visits (site, lower(visitor))",
        "CREATE INDEX ix_payload ON visits USING gin (payload)",
        "CREATE INDEX ix_recent ON visits (visitor) WHERE day > '2020-01-01'",
        # Leaving out rows with a null in the index's own columns is what any unique rule does.
        "CREATE UNIQUE INDEX ux_visitor_code ON visits (visitor, code) WHERE visitor IS NOT NULL",
    )

    spec, warnings = infer_from_database(postgres_url, "visits")

    assert spec.primary_key == ["site", "seq"]
    assert spec.field("code").unique is True
    # ux_again repeats uq_visitor_day, the primary key's own index is not listed.
    assert sorted(indexes_of(spec)) == [
        ("ix_day", ["day"], False),
        ("ix_recent", ["visitor"], False),
        ("uq_visitor_day", ["visitor", "day"], True),
        ("ux_site_day", ["site", "day"], True),
        ("ux_visitor_code", ["visitor", "code"], True),
        ("visits_site_code_note_key", ["site", "code"], True),
    ]
    # PostgreSQL writes the expression back in its own way (lower((visitor)::text) or lower(visitor::text)).
    expression = [w for w in warnings if w.startswith("the unique index ux_lower on (site, lower(")]
    assert len(expression) == 1
    assert expression[0].endswith(") is an expression, not a column)")
    assert sorted(set(warnings) - set(expression)) == sorted(
        [
            "the unique constraint visits_site_code_note_key on (site, code) was imported without NULLS NOT DISTINCT "
            "(rows with a null in one of the fields are not compared); INCLUDE (note)",
            "the index ix_day on (day) was imported without the descending order of day",
            "the index ix_recent on (visitor) was imported without its condition WHERE (day > '2020-01-01'::date)",
            "the unique index ux_open on (site, visitor) was not imported "
            "(it is unique only among the rows WHERE (day IS NULL))",
            "the index ix_payload on (payload) was not imported "
            "(index 'ix_payload': json field 'payload' cannot be indexed)",
        ]
    )


def test_mariadb_unique_keys_and_keys_become_the_definitions_indexes(mariadb_url: str) -> None:
    execute(
        mariadb_url,
        """CREATE TABLE visits (
            site int NOT NULL,
            seq int NOT NULL,
            Visitor varchar(40),
            day date,
            code varchar(20),
            note text,
            PRIMARY KEY (site, seq),
            UNIQUE KEY uq_visitor_day (Visitor, day),
            UNIQUE KEY uq_code (code),
            UNIQUE KEY uq_prefix (code(4), day),
            KEY ix_day (day),
            KEY ix_note (note(10)),
            INDEX (site, day),
            FULLTEXT KEY ft_note (note)
        ) ENGINE=InnoDB""",
        "CREATE UNIQUE INDEX ux_site_day ON visits (site, day, seq)",
    )

    spec, warnings = infer_from_database(mariadb_url, "visits")

    assert spec.field("code").unique is True
    assert sorted(indexes_of(spec)) == [
        ("ix_day", ["day"], False),
        ("ix_note", ["note"], False),
        ("site", ["site", "day"], False),  # MariaDB names an unnamed index after its first column
        ("uq_visitor_day", ["visitor", "day"], True),
        ("ux_site_day", ["site", "day", "seq"], True),
    ]
    assert sorted(warnings) == [
        "the fulltext index ft_note on (note) was not imported (a FULLTEXT index is not a plain index on the columns)",
        "the index ix_note on (note(10)) was imported without the prefix length of note",
        "the unique index uq_prefix on (code(4), day) was not imported "
        "(it is unique on the first 4 characters of code only)",
    ]


def test_sqlite_unique_constraints_and_indexes_become_the_definitions_indexes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    execute(
        url,
        """CREATE TABLE visits (
            site INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            visitor VARCHAR(40),
            day DATE,
            code VARCHAR(20) UNIQUE,
            PRIMARY KEY (site, seq),
            CONSTRAINT uq_visitor_day UNIQUE (visitor, day)
        )""",
        "CREATE UNIQUE INDEX ux_site_day ON visits (site, day)",
        "CREATE INDEX ix_day ON visits (day)",
        "CREATE UNIQUE INDEX ux_open ON visits (site, visitor) WHERE day IS NULL",
        "CREATE UNIQUE INDEX ux_lower ON visits (site, lower(visitor))",
        "CREATE UNIQUE INDEX ux_visitor_code ON visits (visitor, code) WHERE visitor IS NOT NULL",
    )

    spec, warnings = infer_from_database(url, "visits")

    assert spec.primary_key == ["site", "seq"]
    assert spec.field("code").unique is True
    assert sorted(indexes_of(spec)) == [
        ("ix_day", ["day"], False),
        ("uq_visitor_day", ["visitor", "day"], True),
        ("ux_site_day", ["site", "day"], True),
        ("ux_visitor_code", ["visitor", "code"], True),
    ]
    assert sorted(warnings) == [
        "the index ux_lower was not imported (it is on an expression)",
        "the unique index ux_open on (site, visitor) was not imported (it is unique only among the rows WHERE "
        "day IS NULL)",
    ]


def test_every_table_of_a_postgres_schema_is_read_parents_first(postgres_url: str) -> None:
    execute(
        postgres_url,
        "CREATE SCHEMA music",
        "CREATE TABLE music.playlist_track (playlist_id int NOT NULL, track_id int NOT NULL,"
        " PRIMARY KEY (playlist_id, track_id))",
        "CREATE TABLE music.track (id serial PRIMARY KEY, name varchar(100),"
        " genre text CHECK (genre IN ('rock', 'jazz')))",
        "CREATE TABLE music.playlist (id serial PRIMARY KEY, name varchar(100))",
        "ALTER TABLE music.playlist_track ADD FOREIGN KEY (playlist_id) REFERENCES music.playlist (id)",
        "ALTER TABLE music.playlist_track ADD FOREIGN KEY (track_id) REFERENCES music.track (id)",
    )

    imported = import_database(postgres_url, None, schema="music")

    names = [table.spec.table_name for table in imported.tables]
    assert names.index("playlist_track") == 2
    junction = imported.tables[2].spec
    assert junction.primary_key == ["playlist_id", "track_id"]
    assert [f.references.table for f in junction.fields if f.references] == ["playlist", "track"]
    assert imported.tables[names.index("track")].spec.field("genre").choices == ["rock", "jazz"]
