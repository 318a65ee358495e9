"""Refusing up front a job whose unique fields cannot hold the rows asked for."""

from __future__ import annotations

import datetime as dt

from dmb_contracts.fields import FieldSpec, StorageType, TableSpec
from dmb_contracts.generator_defaults import effective_generator, row_generators

from dmb_generator.domain.composite import index_capacity_problems, plan_unique_indexes
from dmb_generator.domain.key_pairs import unique_alone, unique_combinations
from dmb_generator.domain.temporal import default_now
from dmb_generator.domain.text_fit import email_min_length, url_min_length
from dmb_generator.domain.uniqueness import capacity


def check_capacity(spec: TableSpec, total_rows: int, *, now: dt.datetime | None = None) -> list[str]:
    """Problems that make `total_rows` rows impossible (empty when the job can run)."""
    anchor = default_now() if now is None else now.replace(tzinfo=None)
    problems = []
    alone = unique_alone(spec)
    for field in spec.fields:
        problems.extend(_length_problems(field, total_rows, field.name in alone))
        if field.name not in alone:
            continue
        try:
            available = capacity(field, effective_generator(field, has_pool=False), anchor)
        except ValueError as exc:
            problems.append(f"field {field.name!r}: {exc}")
            continue
        if available.count is not None and available.count < total_rows:
            problems.append(
                f"field {field.name!r}: {available.description} has only {available.count} values, "
                f"{total_rows} rows asked"
            )
    if unique_combinations(spec):
        try:
            plan = plan_unique_indexes(spec, row_generators(spec.fields, has_pool=lambda name: False), anchor)
        except ValueError as exc:
            problems.append(str(exc))
        else:
            problems.extend(index_capacity_problems(plan, total_rows))
    return problems


def _length_problems(field: FieldSpec, total_rows: int, unique: bool) -> list[str]:
    """Emails and URLs are built whole, so a max_length below their shortest form cannot be met."""
    needed = {StorageType.EMAIL: email_min_length, StorageType.URL: url_min_length}.get(field.type)
    limit = field.length_limit
    if needed is None or limit is None or field.pattern is not None or field.choices is not None:
        return []
    shortest = needed(total_rows) if unique else needed(1) - (2 if field.type is StorageType.EMAIL else 1)
    if shortest <= limit:
        return []
    what = f"unique {field.type.value} values for {total_rows} rows" if unique else f"{field.type.value} values"
    return [f"field {field.name!r}: {what} need {shortest} characters, max_length is {limit}"]
