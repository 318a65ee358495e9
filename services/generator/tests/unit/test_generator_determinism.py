"""Same inputs, same rows: in this process, in a fresh one, and whichever chunks ran before."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys

from dmb_contracts.fields import TableSpec
from dmb_generator.domain import generate_chunk

NOW = dt.datetime(2026, 1, 15)


def digest(rows: list[tuple[object, ...]]) -> str:
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_same_inputs_give_identical_rows(reference_spec: TableSpec) -> None:
    first = generate_chunk(reference_spec, seed=42, chunk_index=2, first_row=200, rows=100, now=NOW)
    generate_chunk(reference_spec, seed=1, chunk_index=0, first_row=0, rows=50, now=NOW)  # unrelated work between
    assert generate_chunk(reference_spec, seed=42, chunk_index=2, first_row=200, rows=100, now=NOW) == first


def test_other_chunk_or_seed_gives_other_rows(reference_spec: TableSpec) -> None:
    base = generate_chunk(reference_spec, seed=42, chunk_index=0, first_row=0, rows=100, now=NOW)
    other_chunk = generate_chunk(reference_spec, seed=42, chunk_index=1, first_row=0, rows=100, now=NOW)
    other_seed = generate_chunk(reference_spec, seed=43, chunk_index=0, first_row=0, rows=100, now=NOW)
    names = [row[1] for row in base]
    assert names != [row[1] for row in other_chunk]
    assert names != [row[1] for row in other_seed]


def test_a_fresh_process_produces_the_same_rows(reference_spec: TableSpec) -> None:
    script = (
        "import datetime as dt, hashlib, sys\n"
        "from dmb_contracts.fields import TableSpec\n"
        "from dmb_generator.domain import generate_chunk\n"
        "spec = TableSpec.model_validate_json(sys.stdin.read())\n"
        "rows = generate_chunk(spec, seed=-5, chunk_index=7, first_row=700, rows=100, now=dt.datetime(2026, 1, 15))\n"
        "print(hashlib.sha256(repr(rows).encode()).hexdigest())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        input=reference_spec.model_dump_json(),
        capture_output=True,
        text=True,
        check=True,
    )
    here = generate_chunk(reference_spec, seed=-5, chunk_index=7, first_row=700, rows=100, now=NOW)
    assert result.stdout.strip() == digest(here)


def test_adding_a_field_leaves_the_other_columns_unchanged(reference_spec: TableSpec) -> None:
    document = reference_spec.model_dump()
    document["fields"].append({"name": "extra", "type": "string"})
    wider = TableSpec.model_validate(document)
    narrow_rows = generate_chunk(reference_spec, seed=3, chunk_index=0, first_row=0, rows=50, now=NOW)
    wide_rows = generate_chunk(wider, seed=3, chunk_index=0, first_row=0, rows=50, now=NOW)
    assert [row[:-1] for row in wide_rows] == narrow_rows
