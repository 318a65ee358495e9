"""Property: whatever valid field a user designs, every generated value satisfies its constraints."""

from __future__ import annotations

from typing import Any

from dmb_contracts.fields import FieldSpec, TableSpec
from dmb_generator.domain import check_capacity, generate_chunk
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

ROWS = 60
_common = {
    "nullable": st.booleans(),
    "null_percentage": st.sampled_from([0, 0, 10, 50, 100]),
    "unique": st.booleans(),
}


def _text_fields() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"type": st.sampled_from(["string", "text", "email", "url"])},
        optional={
            **_common,
            "max_length": st.integers(1, 300),
            "min_length": st.integers(0, 40),
            "choices": st.lists(st.text("abcxyz", min_size=1, max_size=8), min_size=1, max_size=6, unique=True),
            "pattern": st.sampled_from([r"[A-Z]{3}\d{2}", r"[a-f0-9]{6}", r"(red|blue)-\d"]),
        },
    )


def _number_fields() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"type": st.sampled_from(["integer", "big_integer", "float"])},
        optional={
            **_common,
            "min": st.integers(-(2**31), 2**31 - 1),
            "max": st.integers(-(2**31), 2**31 - 1),
            "choices": st.lists(st.integers(-50, 50), min_size=1, max_size=5, unique=True),
        },
    )


def _decimal_fields() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"type": st.just("decimal"), "precision": st.integers(1, 30), "scale": st.integers(0, 10)},
        optional={
            **_common,
            "min": st.decimals(-1000, 1000, places=3).map(str),
            "max": st.decimals(-1000, 1000, places=3).map(str),
        },
    )


def _temporal_fields() -> st.SearchStrategy[dict[str, Any]]:
    days = st.dates().map(lambda day: day.isoformat())
    return st.fixed_dictionaries(
        {"type": st.sampled_from(["date", "datetime", "boolean"])},
        optional={**_common, "min": days, "max": days},
    )


def _generators() -> st.SearchStrategy[dict[str, Any] | None]:
    return st.sampled_from(
        [
            None,
            {"kind": "range"},
            {"kind": "sequence", "start": 5, "step": 3},
            {"kind": "choices", "values": ["7", "8", "9"], "weights": [1, 0, 2]},
            {"kind": "constant", "value": "42"},
            {"kind": "regex", "pattern": r"\d{1,3}"},
            {"kind": "faker", "provider": "pyint"},
            {"kind": "faker", "provider": "sentence"},
            {"kind": "faker", "provider": "email"},
            {"kind": "ai"},
        ]
    )


@st.composite
def valid_fields(draw: st.DrawFn) -> FieldSpec:
    document = draw(st.one_of(_text_fields(), _number_fields(), _decimal_fields(), _temporal_fields()))
    document["name"] = "f"
    generator = draw(_generators())
    if generator is not None:
        document["generator"] = generator
    if document.get("null_percentage") and not document.get("nullable"):
        document["nullable"] = True
    try:
        return FieldSpec.model_validate(document)
    except ValidationError:
        assume(False)
        raise


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
@given(field=valid_fields(), chunk=st.integers(0, 1000), seed=st.integers(-(2**63), 2**63))
def test_generated_values_satisfy_the_field_constraints(field: FieldSpec, chunk: int, seed: int, check: Any) -> None:
    spec = TableSpec(table_name="t", fields=[field])
    total = (chunk + 1) * ROWS
    assume(not check_capacity(spec, total))
    try:
        rows = generate_chunk(
            spec, seed=seed, chunk_index=chunk, first_row=chunk * ROWS, rows=ROWS, ai_pools={"f": ["1", "2", "x"]}
        )
    except ValueError as exc:
        refusal = str(exc)
    else:
        event("generated")
        check(field, [row[0] for row in rows])
        return
    # Refusals are allowed only with a message naming the field (e.g. a constant outside its range).
    event("refused with a clear error")
    assert "'f'" in refusal
