#!/usr/bin/env python3
"""The share of columns of the sample schemas (tests/data/schemas) that get a meaningful generator without AI:
each schema is imported as a user would, and every column's generator is the one the platform would run
(`field_generators`: the field's own, its constraints', or the one inferred from its name and type).

A verdict per column, printed so a reader can check it:
- meaningful: keys and foreign keys (sequences, parent keys), choices (enums, CHECK ... IN), patterns,
  sequences, derived fields (templates, bundles), Faker providers that fit (city, email, phone_number ...),
  ranges the field or the rule bounds (a price 1 … 1000, a rating 1 … 5), and the typed values of dates,
  times, booleans, UUIDs and JSON;
- generic: a word, words, a sentence or text; a person's name where the column is not about a person
  (a genre's, a playlist's or a product's name); a number drawn over the whole range of its type.

    .venv/bin/python bench/meaningful_columns.py [--without-catalogue]

--without-catalogue measures the import without the column catalogue (dmb_contracts.column_catalogue), i.e.
with the name-and-type rules alone: the figure before the catalogue.

Prints the verdicts and the share, and writes bench/results/meaningful_columns-<UTC timestamp>.json.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any, cast

from dmb_contracts.fields import FakerGenerator, FieldSpec, RangeGenerator, StorageType, TableSpec
from dmb_contracts.generator_defaults import FieldGenerator, field_generators
from dmb_gateway.importer import Dialect, import_sql, mapping
from dmb_gateway.importer.model import ImportedSchema
from dmb_testing.sample_schemas import SAMPLE_SCHEMAS, sample_sql

ROOT = Path(__file__).resolve().parents[1]
GENERIC_TEXT = {
    "word",
    "words",
    "sentence",
    "sentences",
    "text",
    "paragraph",
    "paragraphs",
    "pystr",
    "lexify",
    "bothify",
}
PERSON_NAMES = {"name", "first_name", "last_name", "name_male", "name_female", "prefix", "suffix"}
PERSON_TABLES = re.compile(
    r"(customer|employee|actor|artist|patient|doctor|teacher|staff|student|user|person|people|contact|dependent|author)"
)
PERSON_COLUMN = re.compile(
    r"(^|_)(first|last|middle|full|given|family|sur)_?name($|_)|^(composer|author|writer|director)$"
)
TYPED = {
    StorageType.DATE,
    StorageType.DATETIME,
    StorageType.TIME,
    StorageType.BOOLEAN,
    StorageType.UUID,
    StorageType.JSON,
}


def verdict(table: TableSpec, field: FieldSpec, made: FieldGenerator) -> tuple[bool, str]:
    generator = made.generator
    if isinstance(generator, FakerGenerator):
        if generator.provider in GENERIC_TEXT:
            return False, f"generic text: {made.summary}"
        if generator.provider in PERSON_NAMES and not _about_a_person(table, field):
            return False, f"a person's name for a column that is not a person: {made.summary}"
        return True, made.summary
    if isinstance(generator, RangeGenerator) and field.type in (
        StorageType.INTEGER,
        StorageType.BIG_INTEGER,
        StorageType.DECIMAL,
        StorageType.FLOAT,
    ):
        bounded = (
            generator.min is not None or generator.max is not None or field.min is not None or field.max is not None
        )
        return (True, made.summary) if bounded else (False, f"any number of its type: {made.summary}")
    if isinstance(generator, RangeGenerator) and field.type not in TYPED:
        return False, made.summary
    return True, made.summary


def _about_a_person(table: TableSpec, field: FieldSpec) -> bool:
    return bool(PERSON_COLUMN.search(field.name)) or (
        field.name in ("name", "full_name") and bool(PERSON_TABLES.search(table.table_name))
    )


def import_summary(imported: ImportedSchema) -> dict[str, int]:
    """What one file's import proposed: tables, columns, foreign keys, composite keys and unique indexes,
    consistency rules, and the per-table notes on what could not be mapped (listed, never dropped silently)."""
    specs = [table.spec for table in imported.tables]
    return {
        "tables": len(specs),
        "columns": sum(len(spec.fields) for spec in specs),
        "foreign keys": sum(1 for spec in specs for field in spec.fields if field.references is not None),
        "composite keys/unique indexes": sum(
            1 for spec in specs for index in spec.indexes if index.unique and len(index.fields) > 1
        )
        + sum(1 for spec in specs if sum(field.primary_key for field in spec.fields) > 1),
        "rules": sum(len(spec.rules) for spec in specs),
        "notes": sum(len(table.warnings) for table in imported.tables) + len(imported.notes),
    }


def main() -> None:
    without = "--without-catalogue" in sys.argv
    if without:
        mapping.suggest_generator = lambda table, field, domain=frozenset(): None  # type: ignore[attr-defined]
    lines: list[dict[str, Any]] = []
    imports: dict[str, dict[str, int]] = {}
    for name, dialect in SAMPLE_SCHEMAS.items():
        imported = import_sql(sample_sql(name), cast(Dialect, dialect))
        imports[name] = import_summary(imported)
        for proposed in imported.tables:
            spec = proposed.spec
            for field, made in zip(spec.fields, field_generators(spec), strict=True):
                fits, why = verdict(spec, field, made)
                key = field.primary_key or field.references is not None
                column = f"{spec.table_name}.{field.name}"
                lines.append({"schema": name, "column": column, "key": key, "meaningful": fits, "why": why})
    for line in lines:
        mark = "ok " if line["meaningful"] else "-- "
        print(f"{mark} {line['schema']:<17} {line['column']:<40} {line['why']}")
    good = sum(line["meaningful"] for line in lines)
    share = good / len(lines)
    print(f"\n{good} of {len(lines)} columns get a meaningful generator: {share:.1%}")
    plain = [line for line in lines if not line["key"]]
    plain_good = sum(line["meaningful"] for line in plain)
    plain_share = plain_good / len(plain)
    print(f"without keys and foreign keys: {plain_good} of {len(plain)}: {plain_share:.1%}")
    per_schema = {
        name: round(
            sum(x["meaningful"] for x in lines if x["schema"] == name) / sum(1 for x in lines if x["schema"] == name), 3
        )
        for name in SAMPLE_SCHEMAS
    }
    for name, value in per_schema.items():
        print(f"  {name:<17} {value:.1%}")
    print("\nthe import of each sample file, whole (one request):")
    for name, summary in imports.items():
        print(f"  {name:<17} " + ", ".join(f"{count} {what}" for what, count in summary.items()))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = "-without-catalogue" if without else ""
    out = ROOT / "bench" / "results" / f"meaningful_columns{suffix}-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "share": share,
                "share_without_keys": plain_share,
                "meaningful": good,
                "columns": len(lines),
                "per_schema": per_schema,
                "imports": imports,
                "verdicts": lines,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
