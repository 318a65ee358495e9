"""Regex values (rstr) always match their pattern; what rstr cannot honour is refused, not written."""

from __future__ import annotations

import re

import pytest
from dmb_contracts.fields import FieldSpec, TableSpec
from dmb_generator.domain import generate_chunk


def column(pattern: str, rows: int = 2000, **field: object) -> list[str]:
    spec = TableSpec(
        table_name="t",
        fields=[
            FieldSpec.model_validate(
                {"name": "c", "type": "string", **field, "generator": {"kind": "regex", "pattern": pattern}}
            )
        ],
    )
    return [row[0] for row in generate_chunk(spec, seed=1, chunk_index=0, first_row=0, rows=rows)]


def test_values_rstr_draws_outside_a_lookbehind_are_drawn_again() -> None:
    values = column(r"[a-c]{2}(?<!aa)")
    assert "aa" not in values
    assert len(set(values)) == 8


def test_values_respect_the_length_limits_as_well_as_the_pattern() -> None:
    values = column(r"[a-z]{1,12}", min_length=4, max_length=6)
    assert all(re.fullmatch(r"[a-z]{4,6}", value) for value in values)


def test_a_pattern_rstr_cannot_satisfy_is_a_clear_error() -> None:
    with pytest.raises(
        ValueError, match=r"field 'c': the pattern '\(\?=x\)\[a-z\]\{3\}' rarely yields matching values"
    ):
        column(r"(?=x)[a-z]{3}", rows=5)
