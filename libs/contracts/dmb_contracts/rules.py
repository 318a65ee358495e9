"""Consistency rules of a table: relations between its fields (date order) and between its rows and another
table's (aggregates of children), declared in the table's definition (`TableSpec.rules`), inferred on import
where names make them obvious, and honoured by the generator.

- `date_order`: within each row, `later` comes at or after `earlier` (`strict`: after), at least `min_days`
  and at most `max_days` later (e.g. `shipped_at >= ordered_at`; `end_date > start_date`; hired at least
  18 years after birth: `min_days` 6575).
- `aggregate`: each row's `field` is computed from its children in `child_table` (rows whose `child_key`
  points at it): `count` of them, or `sum` of `child_field` (times `times_field`, e.g. unit_price * quantity).
  The generator computes it once the children are written (after a multi-table job, or a job on either table).

Checks that need only the table are made here (`check_rules`, called by TableSpec); a rule's child table is
checked when it is known (`check_aggregate_children`, at set creation and by the generator).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from dmb_contracts.fields import FieldSpec, TableSpec

#: Rules per table.
MAX_RULES = 50


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DateOrderRule(_Rule):
    """`later` at or after `earlier` in every row (both dates or date-times of this table)."""

    kind: Literal["date_order"] = "date_order"
    earlier: str
    later: str
    strict: bool = Field(default=False, description="`later` strictly after `earlier` (end_date > start_date).")
    min_days: float = Field(default=0, ge=0, le=100_000, description="The smallest gap, in days (may be fractional).")
    max_days: float | None = Field(default=None, gt=0, le=100_000, description="The largest gap, in days.")

    @model_validator(mode="after")
    def _gap(self) -> DateOrderRule:
        if self.earlier == self.later:
            raise ValueError(f"date order: {self.earlier!r} cannot come after itself")
        if self.max_days is not None and self.max_days < self.min_days:
            raise ValueError(f"date order {self.earlier!r} → {self.later!r}: max_days is below min_days")
        return self

    def describe(self) -> str:
        relation = ">" if self.strict else ">="
        gaps = []
        if self.min_days:
            gaps.append(f"at least {self.min_days:g} days")
        if self.max_days is not None:
            gaps.append(f"at most {self.max_days:g} days")
        return f"{self.later} {relation} {self.earlier}" + (f" ({', '.join(gaps)} later)" if gaps else "")


class AggregateRule(_Rule):
    """This table's `field` = count of, or sum over, its children in `child_table`."""

    kind: Literal["aggregate"] = "aggregate"
    field: str
    function: Literal["sum", "count"]
    child_table: str
    child_key: str = Field(description="The child table's foreign key that points at this table.")
    child_field: str | None = Field(default=None, description="What `sum` adds up (a numeric field of the child).")
    times_field: str | None = Field(default=None, description="Multiplied by `child_field` first (quantity).")

    @model_validator(mode="after")
    def _operands(self) -> AggregateRule:
        if self.function == "sum" and self.child_field is None:
            raise ValueError(f"aggregate {self.field!r}: a sum needs child_field (what to add up)")
        if self.function == "count" and (self.child_field is not None or self.times_field is not None):
            raise ValueError(f"aggregate {self.field!r}: a count takes no child_field or times_field")
        return self

    def describe(self) -> str:
        if self.function == "count":
            return f"{self.field} = number of {self.child_table} rows (by {self.child_key})"
        term = f"{self.child_field} * {self.times_field}" if self.times_field else f"{self.child_field}"
        return f"{self.field} = Σ {self.child_table}.{term} (by {self.child_key})"


Rule = Annotated[DateOrderRule | AggregateRule, Field(discriminator="kind")]


def check_rules(spec: TableSpec) -> None:
    """SpecError for a rule that names a field the table lacks, of the wrong type, or that repeats another."""
    from dmb_contracts.fields import NUMERIC_TYPES, SpecError, StorageType

    fields = {field.name: field for field in spec.fields}
    seen: set[tuple[str, ...]] = set()
    for position, rule in enumerate(spec.rules):
        where = f"rules.{position}"
        if isinstance(rule, DateOrderRule):
            for name in (rule.earlier, rule.later):
                field = fields.get(name)
                if field is None:
                    raise SpecError(None, where, f"date order: {name[:80]!r} is not a field of the table")
                if field.type not in (StorageType.DATE, StorageType.DATETIME):
                    raise SpecError(
                        name, where, f"date order: {name!r} is of type {field.type.value}, not a date or date-time"
                    )
            if fields[rule.later].unique or fields[rule.later].primary_key:
                raise SpecError(rule.later, where, f"date order: {rule.later!r} is unique, so it cannot be moved")
            key: tuple[str, ...] = ("date_order", rule.earlier, rule.later)
        else:
            field = fields.get(rule.field)
            if field is None:
                raise SpecError(None, where, f"aggregate: {rule.field[:80]!r} is not a field of the table")
            if field.type not in NUMERIC_TYPES:
                raise SpecError(
                    rule.field, where, f"aggregate: {rule.field!r} is of type {field.type.value}, not a number"
                )
            if field.primary_key or field.unique:
                raise SpecError(rule.field, where, f"aggregate: {rule.field!r} is unique, so it cannot be computed")
            key = ("aggregate", rule.field)
        if key in seen:
            raise SpecError(None, where, f"the rule {rule.describe()!r} is declared twice")
        seen.add(key)


def check_aggregate_children(spec: TableSpec, tables: Mapping[str, TableSpec]) -> list[str]:
    """Problems of `spec`'s aggregates with their child tables in `tables` (a child not there is no problem:
    it may be created later, and the generator then computes nothing for it)."""
    from dmb_contracts.fields import NUMERIC_TYPES

    problems = []
    for rule in spec.rules:
        if not isinstance(rule, AggregateRule) or rule.child_table not in tables:
            continue
        child = {field.name: field for field in tables[rule.child_table].fields}
        key = child.get(rule.child_key)
        if key is None or key.references is None or key.references.table != spec.table_name:
            problems.append(
                f"aggregate {rule.field!r}: {rule.child_table}.{rule.child_key} is not a foreign key to {spec.table_name}"
            )
        for name in (rule.child_field, rule.times_field):
            if name is not None and (name not in child or child[name].type not in NUMERIC_TYPES):
                problems.append(f"aggregate {rule.field!r}: {rule.child_table}.{name} is not a numeric field")
    return problems


def aggregate_rules(specs: Sequence[TableSpec]) -> list[tuple[TableSpec, AggregateRule]]:
    return [(spec, rule) for spec in specs for rule in spec.rules if isinstance(rule, AggregateRule)]


def date_order_rules(spec: TableSpec) -> list[DateOrderRule]:
    return [rule for rule in spec.rules if isinstance(rule, DateOrderRule)]


def field_rules(spec: TableSpec, field: FieldSpec) -> list[str]:
    """What the rules say about one field, in words (for the table page and `dmb tables generators`)."""
    said = []
    for rule in spec.rules:
        if (isinstance(rule, DateOrderRule) and field.name in (rule.earlier, rule.later)) or (
            isinstance(rule, AggregateRule) and field.name == rule.field
        ):
            said.append(rule.describe())
    return said
