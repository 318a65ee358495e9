"""Property: template and bundle fields satisfy whatever text constraints their field declares."""

from __future__ import annotations

from typing import Any

from dmb_contracts.fields import BUNDLE_PARTS, TableSpec
from dmb_generator.domain import check_capacity, generate_chunk
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

ROWS = 40
_PARTS = [(bundle, part) for bundle, parts in BUNDLE_PARTS.items() for part in parts if part != "state_abbr"]


def _generators() -> st.SearchStrategy[dict[str, Any]]:
    bundles = st.sampled_from(_PARTS).map(lambda pair: {"kind": "bundle", "bundle": pair[0], "part": pair[1]})
    templates = st.sampled_from(
        [
            "{base}",
            "{base|upper}-{base|slug}",
            "x{base|truncate:3}@{{y}}",
            "{base|ascii|lower}.{base|initial}@example.com",
        ]
    ).map(lambda template: {"kind": "template", "template": template})
    return st.one_of(bundles, templates)


@st.composite
def derived_tables(draw: st.DrawFn) -> TableSpec:
    field: dict[str, Any] = {"name": "f", "type": draw(st.sampled_from(["string", "text", "email", "url"]))}
    field.update(
        draw(
            st.fixed_dictionaries(
                {},
                optional={"max_length": st.integers(1, 120), "min_length": st.integers(0, 30), "unique": st.booleans()},
            )
        )
    )
    if draw(st.booleans()):
        field.update(nullable=True, null_percentage=draw(st.sampled_from([0, 20, 100])))
    field["generator"] = draw(_generators())
    base = {"name": "base", "type": "string", "generator": {"kind": "bundle", "bundle": "person", "part": "full_name"}}
    try:
        return TableSpec.model_validate({"table_name": "t", "fields": [base, field]})
    except ValidationError:
        assume(False)
        raise


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
@given(spec=derived_tables(), locale=st.sampled_from(["en_US", "de_DE", "es_ES"]), chunk=st.integers(0, 100))
def test_derived_values_satisfy_the_field_constraints(spec: TableSpec, locale: str, chunk: int, check: Any) -> None:
    assume(not check_capacity(spec, (chunk + 1) * ROWS))
    try:
        rows = generate_chunk(spec, seed=chunk, chunk_index=chunk, first_row=chunk * ROWS, rows=ROWS, locale=locale)
    except ValueError as exc:
        refusal = str(exc)
    else:
        event("generated")
        check(spec.fields[1], [row[1] for row in rows])
        return
    event("refused with a clear error")
    # Refusals are allowed only with a message naming the field (e.g. a value that cannot reach min_length).
    assert "'f'" in refusal
