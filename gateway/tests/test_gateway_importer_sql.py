"""A pasted CREATE TABLE becomes a proposed definition: types, lengths, keys, defaults, and warnings for
what does not fit; input that cannot be a definition is refused with the reason (and a fix for names)."""

from __future__ import annotations

import pytest
from dmb_contracts.fields import StorageType, TableSpec
from dmb_contracts.identifiers import identifier_problem
from dmb_gateway.importer import SqlImportError, infer_from_sql, suggest_identifier
from hypothesis import given
from hypothesis import strategies as st

POSTGRES = """
CREATE TABLE IF NOT EXISTS public.Orders (
  id bigserial PRIMARY KEY,
  code varchar(20) NOT NULL UNIQUE,
  amount numeric(10, 2) DEFAULT 0,
  note text,
  paid boolean NOT NULL DEFAULT true,
  created timestamptz DEFAULT now(),
  ref uuid,
  payload jsonb,
  starts time,
  customer_email varchar(120),
  level smallint DEFAULT -1,
  label character varying DEFAULT 'new'::character varying,
  CONSTRAINT uq_code_level UNIQUE (code, level),
  FOREIGN KEY (level) REFERENCES levels (id)
);
COMMENT ON TABLE orders IS 'All orders';
COMMENT ON COLUMN orders.note IS 'Free text';
"""

MYSQL = """
CREATE TABLE `items` (
  `id` int(11) unsigned NOT NULL AUTO_INCREMENT,
  `Name` varchar(100) COLLATE utf8mb4_bin DEFAULT NULL COMMENT 'the name',
  `price` decimal(8,3) NOT NULL DEFAULT '0.000',
  `flag` tinyint(1) NOT NULL DEFAULT 1,
  `kind` enum('a','bb') NOT NULL,
  `at` datetime DEFAULT CURRENT_TIMESTAMP,
  `body` mediumtext,
  `ratio` double,
  `made` year,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uq_name` (`Name`),
  KEY `ix_price` (`price`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Items for sale'
"""


def test_postgres_statement_becomes_a_definition_with_types_keys_and_defaults() -> None:
    inferred = infer_from_sql(POSTGRES, "postgres")
    spec = inferred.spec

    assert spec.table_name == "orders"  # unquoted names fold to lower case, as in PostgreSQL
    assert spec.description == "All orders"
    assert [f.name for f in spec.fields] == [
        "id", "code", "amount", "note", "paid", "created", "ref", "payload", "starts", "customer_email", "level",
        "label",
    ]  # fmt: skip
    fields = {f.name: f for f in spec.fields}
    assert (fields["id"].type, fields["id"].primary_key, fields["id"].nullable) == (
        StorageType.BIG_INTEGER,
        True,
        False,
    )
    assert fields["id"].generator is not None
    assert fields["id"].generator.kind == "sequence"
    assert (fields["code"].type, fields["code"].max_length, fields["code"].unique) == (StorageType.STRING, 20, True)
    assert fields["code"].nullable is False
    assert (fields["amount"].precision, fields["amount"].scale, fields["amount"].nullable) == (10, 2, True)
    assert fields["amount"].default == "0"
    assert fields["note"].description == "Free text"
    assert (fields["paid"].type, fields["paid"].default) == (StorageType.BOOLEAN, True)
    assert (fields["created"].type, fields["created"].default) == (StorageType.DATETIME, None)
    assert (fields["ref"].type, fields["ref"].max_length, fields["ref"].generator) == (StorageType.UUID, None, None)
    assert fields["payload"].type is StorageType.JSON
    assert fields["starts"].type is StorageType.TIME
    assert (fields["customer_email"].type, fields["customer_email"].max_length) == (StorageType.EMAIL, 120)
    assert fields["level"].type is StorageType.FOREIGN_KEY  # the foreign key wins over its smallint type
    assert fields["level"].references is not None
    assert (fields["level"].references.table, fields["level"].references.field) == ("levels", "id")
    assert fields["level"].references.on_delete == "restrict"
    assert (fields["label"].type, fields["label"].default) == (StorageType.TEXT, "new")

    warnings = "\n".join(inferred.warnings)
    # The composite unique constraint keeps its name and its rule.
    assert [(i.name, i.fields, i.unique) for i in spec.indexes] == [("uq_code_level", ["code", "level"], True)]
    assert "uq_code_level" not in warnings
    assert "level: a foreign key to levels.id; that table must exist on the platform" in warnings
    assert "level: a foreign key takes its values from the parent's keys; its default was dropped" in warnings
    assert "created: the default CURRENT_TIMESTAMP was not imported" in warnings
    # uuid, jsonb and time have field types of their own: nothing to warn about.
    assert not [w for w in inferred.warnings if w.startswith(("ref:", "payload:", "starts:"))]
    assert "created: TIMESTAMPTZ imported as datetime without a time zone" in warnings
    # The proposal is a valid definition as it stands.
    assert TableSpec.model_validate(spec.model_dump(mode="json")) == spec


def test_mysql_statement_becomes_a_definition() -> None:
    inferred = infer_from_sql(MYSQL, "mysql")
    spec = inferred.spec
    fields = {f.name: f for f in spec.fields}

    assert (spec.table_name, spec.description) == ("items", "Items for sale")
    assert (fields["id"].type, fields["id"].min, fields["id"].primary_key) == (StorageType.BIG_INTEGER, 0, True)
    assert (fields["name"].unique, fields["name"].nullable) == (True, True)
    assert fields["name"].description == "the name"
    assert (fields["price"].precision, fields["price"].scale, fields["price"].default) == (8, 3, "0.000")
    assert (fields["flag"].type, fields["flag"].default) == (StorageType.BOOLEAN, True)
    assert (fields["kind"].choices, fields["kind"].max_length, fields["kind"].nullable) == (["a", "bb"], 2, False)
    assert fields["body"].type is StorageType.TEXT
    assert fields["ratio"].type is StorageType.FLOAT
    assert (fields["made"].type, fields["made"].min, fields["made"].max) == (StorageType.INTEGER, 1901, 2155)
    # UNIQUE KEY on one column is the field's own `unique`; KEY becomes a plain index, with its name.
    assert [(i.name, i.fields, i.unique) for i in spec.indexes] == [("ix_price", ["price"], False)]
    assert not [w for w in inferred.warnings if "index" in w]


@pytest.mark.parametrize(
    ("sql", "rule", "words"),
    [
        ("CREATE TABLE (", "unparseable", "Expected table name but got '('"),
        ("SELECT 1", "not_create_table", "expected a CREATE TABLE statement, found SELECT"),
        ("CREATE VIEW v AS SELECT 1", "not_create_table", "found CREATE VIEW"),
        ("CREATE TABLE c AS SELECT 1 AS x", "not_create_table", "AS SELECT has no column definitions"),
    ],
)
def test_input_that_is_not_one_create_table_is_refused_with_the_reason(sql: str, rule: str, words: str) -> None:
    with pytest.raises(SqlImportError) as caught:
        infer_from_sql(sql, "postgres")
    assert caught.value.rule == rule
    assert words in caught.value.message


def test_names_that_break_the_rules_get_the_nearest_name_that_follows_them_with_a_warning() -> None:
    inferred = infer_from_sql('CREATE TABLE "Order Lines" ("select" int, "CamelCase" text, dmb_x int)', "postgres")

    assert inferred.spec.table_name == "order_lines"
    assert [field.name for field in inferred.spec.fields] == ["select_value", "camel_case", "imported_dmb_x"]
    warnings = "\n".join(inferred.warnings)
    assert "the table name 'Order Lines' is not a valid name" in warnings
    assert "imported as 'order_lines'" in warnings
    assert "is a reserved SQL word" in warnings
    assert "imported as 'select_value'" in warnings


@given(st.text(max_size=200))
def test_a_suggested_name_always_follows_the_rules(name: str) -> None:
    assert identifier_problem(suggest_identifier(name)) is None


@given(st.text(max_size=300))
def test_any_text_is_either_a_definition_or_a_refusal(sql: str) -> None:
    try:
        inferred = infer_from_sql(sql, "mysql")
    except SqlImportError as exc:
        message = exc.message
    else:
        message = ""
        assert inferred.spec.fields
    assert message or inferred.spec.fields
