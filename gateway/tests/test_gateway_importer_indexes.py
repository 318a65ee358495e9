"""Indexes and unique constraints of a pasted statement become the definition's `indexes` (a unique one on a
single column stays that field's `unique`); what an index says that a definition cannot (a condition, an
expression, a prefix) is either dropped with a warning, when the rule stays the same, or the index is left
out with a warning, when importing it would change the rule."""

from __future__ import annotations

import pytest
from dmb_contracts.fields import TableSpec
from dmb_gateway.importer import Dialect, InferredTable, infer_from_sql
from hypothesis import given, settings
from hypothesis import strategies as st

# The same table in each dialect's own spelling; `{extra}` adds table-level clauses, `{after}` statements.
TABLES: dict[Dialect, str] = {
    "postgres": """CREATE TABLE public.orders (
  id bigint PRIMARY KEY,
  shop int NOT NULL,
  code varchar(20) NOT NULL,
  day date,
  note text,
  payload jsonb{extra}
);{after}""",
    "mysql": """CREATE TABLE `orders` (
  `id` bigint NOT NULL,
  `shop` int NOT NULL,
  `code` varchar(20) NOT NULL,
  `day` date,
  `note` text,
  `payload` json,
  PRIMARY KEY (`id`){extra}
) ENGINE=InnoDB;{after}""",
}
DIALECTS: list[Dialect] = ["postgres", "mysql"]


def imported(dialect: Dialect, extra: str = "", after: str = "") -> InferredTable:
    inferred = infer_from_sql(TABLES[dialect].format(extra=extra and f",\n  {extra}", after=after), dialect)
    # Whatever comes out is a definition that the platform accepts as it stands.
    assert TableSpec.model_validate(inferred.spec.model_dump(mode="json")) == inferred.spec
    return inferred


def shapes(inferred: InferredTable) -> list[tuple[str | None, list[str], bool]]:
    return [(index.name, index.fields, index.unique) for index in inferred.spec.indexes]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_table_without_indexes_has_none(dialect: Dialect) -> None:
    inferred = imported(dialect)

    assert inferred.spec.indexes == []
    assert inferred.warnings == []


@pytest.mark.parametrize(
    ("dialect", "extra"),
    [
        ("postgres", "CONSTRAINT uq_shop_code UNIQUE (shop, code)"),
        ("mysql", "CONSTRAINT uq_shop_code UNIQUE (shop, code)"),
        ("mysql", "UNIQUE KEY uq_shop_code (shop, code)"),
        ("mysql", "UNIQUE INDEX `uq_shop_code` (`shop`, `code`)"),
        ("mysql", "CONSTRAINT ignored_symbol UNIQUE KEY uq_shop_code (shop, code)"),
    ],
)
def test_a_named_composite_unique_constraint_becomes_a_unique_index(dialect: Dialect, extra: str) -> None:
    inferred = imported(dialect, extra)

    assert shapes(inferred) == [("uq_shop_code", ["shop", "code"], True)]
    assert inferred.warnings == []
    assert ["shop", "code"] in inferred.spec.unique_sets


@pytest.mark.parametrize(("dialect", "extra"), [("postgres", "UNIQUE (shop, code)"), ("mysql", "UNIQUE (shop, code)")])
def test_an_unnamed_composite_unique_constraint_gets_the_derived_name(dialect: Dialect, extra: str) -> None:
    inferred = imported(dialect, extra)

    assert shapes(inferred) == [("uq_orders_shop_code", ["shop", "code"], True)]
    assert inferred.warnings == []


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_unique_constraint_on_one_column_stays_the_fields_unique(dialect: Dialect) -> None:
    inferred = imported(dialect, "UNIQUE (code)")

    assert inferred.spec.indexes == []
    assert inferred.spec.field("code").unique is True


@pytest.mark.parametrize("dialect", DIALECTS)
def test_create_unique_index_and_create_index_on_the_table_become_indexes(dialect: Dialect) -> None:
    after = """
CREATE UNIQUE INDEX ux_shop_day ON orders (shop, day);
CREATE INDEX ix_day ON orders (day);
CREATE UNIQUE INDEX ux_code ON orders (code);"""

    inferred = imported(dialect, after=after)

    assert shapes(inferred) == [("ux_shop_day", ["shop", "day"], True), ("ix_day", ["day"], False)]
    assert inferred.spec.field("code").unique is True
    assert inferred.warnings == []


def test_create_index_with_the_schema_and_without_a_name_is_taken() -> None:
    inferred = imported("postgres", after="CREATE INDEX ON public.orders (shop, day);")

    assert shapes(inferred) == [("ix_orders_shop_day", ["shop", "day"], False)]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_an_index_on_another_table_is_not_imported_and_says_so(dialect: Dialect) -> None:
    inferred = imported(dialect, after="CREATE UNIQUE INDEX ux_other ON shops (shop, code);")

    assert inferred.spec.indexes == []
    assert inferred.warnings == [
        "not imported: the unique index ux_other on (shop, code) (it is on shops, which the file does not create)"
    ]


def test_an_index_in_another_schema_is_not_imported() -> None:
    inferred = imported("postgres", after="CREATE INDEX ix_x ON archive.orders (day);")

    assert inferred.spec.indexes == []
    assert "(it is on archive.orders, which the file does not create)" in inferred.warnings[0]


def test_a_partial_unique_index_is_not_imported_because_it_would_apply_to_every_row() -> None:
    after = "CREATE UNIQUE INDEX ux_open ON orders (shop, code) WHERE day IS NULL;"

    inferred = imported("postgres", after=after)

    assert inferred.spec.indexes == []
    assert inferred.spec.field("code").unique is False
    assert inferred.warnings == [
        "the unique index ux_open on (shop, code) was not imported (it is unique only among the rows WHERE day IS NULL)"
    ]


def test_a_partial_unique_index_on_one_column_does_not_make_the_field_unique() -> None:
    inferred = imported("postgres", after="CREATE UNIQUE INDEX ux_code ON orders (code) WHERE shop > 0;")

    assert inferred.spec.field("code").unique is False
    assert "ux_code" in inferred.warnings[0]


@pytest.mark.parametrize(
    "condition", ["code IS NOT NULL", "(day IS NOT NULL AND code IS NOT NULL)", "NOT (code IS NULL)"]
)
def test_a_unique_index_that_only_leaves_out_nulls_of_its_columns_is_a_plain_unique_index(condition: str) -> None:
    # A unique rule never compares rows with a null in its fields, so leaving them out changes nothing.
    inferred = imported("postgres", after=f"CREATE UNIQUE INDEX ux_set ON orders (day, code) WHERE {condition};")

    assert shapes(inferred) == [("ux_set", ["day", "code"], True)]
    assert inferred.warnings == []


def test_a_unique_index_that_leaves_out_nulls_of_another_column_is_partial() -> None:
    inferred = imported("postgres", after="CREATE UNIQUE INDEX ux_set ON orders (shop, code) WHERE day IS NOT NULL;")

    assert inferred.spec.indexes == []
    assert inferred.warnings == [
        "the unique index ux_set on (shop, code) was not imported (it is unique only among the rows WHERE day IS NOT NULL)"
    ]


def test_a_partial_plain_index_is_imported_without_its_condition() -> None:
    inferred = imported("postgres", after="CREATE INDEX ix_recent ON orders (day) WHERE day > '2020-01-01';")

    assert shapes(inferred) == [("ix_recent", ["day"], False)]
    assert inferred.warnings == [
        "the index ix_recent on (day) was imported without its condition WHERE day > '2020-01-01'"
    ]


@pytest.mark.parametrize(
    ("dialect", "after", "shown"),
    [
        ("postgres", "CREATE UNIQUE INDEX ux_lower ON orders (shop, lower(code));", "LOWER(code)"),
        ("postgres", "CREATE INDEX ux_lower ON orders ((shop + 1));", "(shop + 1)"),
        ("mysql", "CREATE UNIQUE INDEX ux_lower ON orders (shop, (lower(code)));", "(LOWER(code))"),
    ],
)
def test_an_expression_index_is_not_imported(dialect: Dialect, after: str, shown: str) -> None:
    inferred = imported(dialect, after=after)

    assert inferred.spec.indexes == []
    assert len(inferred.warnings) == 1
    assert inferred.warnings[0].startswith("the unique index ux_lower on (" if "UNIQUE" in after else "the index ")
    assert inferred.warnings[0].endswith(f"was not imported ({shown} is an expression, not a column)")


def test_mysql_key_and_index_clauses_become_indexes() -> None:
    extra = "KEY ix_shop (shop), INDEX ix_day_shop (day, shop), INDEX (code, day)"

    inferred = imported("mysql", extra)

    assert shapes(inferred) == [
        ("ix_shop", ["shop"], False),
        ("ix_day_shop", ["day", "shop"], False),
        ("ix_orders_code_day", ["code", "day"], False),
    ]
    assert inferred.warnings == []


def test_a_mysql_prefix_is_dropped_from_a_plain_index_but_a_unique_prefix_is_not_imported() -> None:
    extra = "KEY ix_code (code(8)), UNIQUE KEY uq_prefix (code(4), shop)"

    inferred = imported("mysql", extra, after="CREATE UNIQUE INDEX ux_prefix ON orders (shop, code(3));")

    assert shapes(inferred) == [("ix_code", ["code"], False)]
    assert inferred.warnings == [
        "the unique constraint uq_prefix on (code(4), shop) was not imported "
        "(it is unique on the first 4 characters of code only)",
        "the unique index ux_prefix on (shop, code(3)) was not imported "
        "(it is unique on the first 3 characters of code only)",
        "the index ix_code on (code(8)) was imported without the prefix length of code",
    ]


def test_a_mysql_fulltext_index_is_not_imported() -> None:
    inferred = imported("mysql", "FULLTEXT KEY ft_note (note)")

    assert inferred.spec.indexes == []
    assert "the fulltext index ft_note on (note) was not imported" in inferred.warnings[0]


def test_order_operator_class_method_and_include_are_dropped_with_a_warning() -> None:
    after = """
CREATE UNIQUE INDEX ux_shop_code ON orders USING btree (shop DESC, code varchar_pattern_ops) INCLUDE (note);
CREATE INDEX ix_code ON orders USING hash (code);"""

    inferred = imported("postgres", after=after)

    assert shapes(inferred) == [("ux_shop_code", ["shop", "code"], True), ("ix_code", ["code"], False)]
    assert inferred.warnings == [
        "the unique index ux_shop_code on (shop DESC, code varchar_pattern_ops) was imported without the descending "
        "order of shop; the operator class varchar_pattern_ops; INCLUDE (note)",
        "the index ix_code on (code) was imported without USING hash",
    ]


def test_nulls_not_distinct_is_imported_as_plain_unique_with_a_warning() -> None:
    inferred = imported("postgres", "UNIQUE NULLS NOT DISTINCT (shop, day)")

    assert shapes(inferred) == [("uq_orders_shop_day", ["shop", "day"], True)]
    assert "NULLS NOT DISTINCT" in inferred.warnings[0]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_an_index_that_breaks_a_rule_is_left_out_with_its_name_and_the_reason(dialect: Dialect) -> None:
    after = "CREATE INDEX ix_payload ON orders (payload); CREATE INDEX ix_twice ON orders (day, day);"

    inferred = imported(dialect, "UNIQUE (shop, code)", after=after)

    assert shapes(inferred) == [("uq_orders_shop_code", ["shop", "code"], True)]
    assert inferred.warnings == [
        "the index ix_payload on (payload) was not imported (index 'ix_payload': json field 'payload' cannot be "
        "indexed)",
        "the index ix_twice on (day, day) was not imported (field 'day' appears twice in the index)",
    ]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_name_the_definition_cannot_take_is_replaced_by_the_derived_one(dialect: Dialect) -> None:
    after = "CREATE INDEX orders ON orders (day); CREATE INDEX ix_taken ON orders (shop);"
    # uq_orders_code is the name of the field code's own unique constraint.
    extra = "UNIQUE (code), CONSTRAINT uq_orders_code UNIQUE (shop, day), CONSTRAINT ix_taken UNIQUE (day, code)"

    inferred = imported(dialect, extra, after=after)

    assert shapes(inferred) == [
        ("uq_orders_shop_day", ["shop", "day"], True),
        ("ix_taken", ["day", "code"], True),
        ("ix_orders_day", ["day"], False),
        ("ix_orders_shop", ["shop"], False),
    ]
    assert inferred.warnings == [
        "the unique constraint uq_orders_code on (shop, day) was imported as uq_orders_shop_day (index name "
        "'uq_orders_code' is already used by the unique constraint of field 'code')",
        "the index orders on (day) was imported as ix_orders_day (index 'orders' cannot have the table's name)",
        "the index ix_taken on (shop) was imported as ix_orders_shop (index name 'ix_taken' is already used by "
        "index 'ix_taken')",
    ]


def test_a_quoted_name_that_breaks_the_naming_rules_gets_the_derived_one() -> None:
    inferred = imported("postgres", 'CONSTRAINT "Shop Code" UNIQUE (shop, code)')

    assert shapes(inferred) == [("uq_orders_shop_code", ["shop", "code"], True)]
    assert inferred.warnings[0].startswith("the unique constraint Shop Code on (shop, code): the name 'Shop Code'")
    assert inferred.warnings[0].endswith("; it gets a derived one")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_same_rule_twice_and_the_primary_keys_own_are_imported_once_and_silently(dialect: Dialect) -> None:
    after = "CREATE UNIQUE INDEX ux_again ON orders (shop, code); CREATE UNIQUE INDEX ux_id ON orders (id);"

    inferred = imported(dialect, "CONSTRAINT uq_first UNIQUE (shop, code)", after=after)

    assert shapes(inferred) == [("uq_first", ["shop", "code"], True)]
    assert inferred.spec.field("id").unique is False
    assert inferred.warnings == []


def test_a_unique_constraint_on_a_composite_primary_key_is_the_keys_own() -> None:
    sql = "CREATE TABLE order_lines (o int, n int, sku int, PRIMARY KEY (o, n), UNIQUE (n, o), UNIQUE (o, sku))"

    inferred = infer_from_sql(sql, "postgres")

    assert inferred.spec.primary_key == ["o", "n"]
    assert shapes(inferred) == [("uq_order_lines_o_sku", ["o", "sku"], True)]
    assert inferred.warnings == []


COLUMNS = ["shop", "code", "day", "note", "payload", "nowhere"]


@given(
    st.lists(
        st.tuples(st.booleans(), st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=4)),
        max_size=8,
    ),
    st.sampled_from(DIALECTS),
)
@settings(deadline=None)  # parsing a statement per example: a loaded machine must not fail it on time
def test_any_mix_of_indexes_gives_a_valid_definition(indexes: list[tuple[bool, list[str]]], dialect: Dialect) -> None:
    after = "".join(
        f"CREATE {'UNIQUE ' if unique else ''}INDEX ix_{position} ON orders ({', '.join(columns)});"
        for position, (unique, columns) in enumerate(indexes)
    )

    inferred = imported(dialect, after=after)  # valid as it stands, whatever was left out

    spec = inferred.spec
    fields = {field.name: field for field in spec.fields}
    for position, (unique, columns) in enumerate(indexes):
        name = f"ix_{position}"
        kind = "unique index" if unique else "index"
        # Each index is imported, or repeats a rule that was, or is its one field's `unique` (kept, or dropped
        # with the field's warning), or a warning names it.
        assert (
            name in {index.name for index in spec.indexes}
            or any(index.fields == columns and index.unique == unique for index in spec.indexes)
            or (unique and len(columns) == 1 and columns[0] in fields and fields[columns[0]].unique)
            or (
                unique
                and len(columns) == 1
                and columns[0] in fields
                and f"{columns[0]}: a {fields[columns[0]].type.value} field cannot be "
                "unique; the unique constraint was dropped"
                in inferred.warnings
            )
            or any(warning.startswith(f"the {kind} {name} on ") for warning in inferred.warnings)
        ), (name, unique, columns, spec.indexes, inferred.warnings)
