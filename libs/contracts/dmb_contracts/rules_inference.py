"""Consistency rules inferred from names where they are obvious (pure; the importer calls it on a whole set):

- date order within a table: start/end, from/to, created/updated, ordered/shipped/delivered, issued/due,
  rented/returned, opened/closed, admitted/discharged, birth/hire (18 years at least) — the two columns named
  alike apart from that word (`start_date`/`end_date`, `rental_start`/`rental_end`);
- aggregates across tables: a parent's `total` (`total_amount`, `grand_total`, ...) = Σ of its children's
  `amount`/`line_total` (or `unit_price * quantity`), a parent's `<children>_count` = the number of children.

A rule the table already declares is kept; an inferred rule that does not validate is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import ValidationError

from dmb_contracts.fields import NUMERIC_TYPES, FieldSpec, SpecError, StorageType, TableSpec
from dmb_contracts.rules import AggregateRule, DateOrderRule

_SUFFIXES = {"at", "date", "on", "time", "ts", "datetime", "dt", "timestamp"}
_WHOLE = {
    "dob": "birth",
    "date_of_birth": "birth",
    "birthdate": "birth",
    "birthday": "birth",
    "born_on": "birth",
    "hiredate": "hire",
    "date_hired": "hire",
    "employment_date": "hire",
}
#: (earlier word, later word) → (strict, minimum days)
_PAIRS: dict[tuple[str, str], tuple[bool, float]] = {
    **{pair: (True, 0.0) for pair in [("start", "end"), ("starts", "ends"), ("begin", "end"), ("from", "to")]},
    **{pair: (True, 0.0) for pair in [("from", "until"), ("in", "out")]},
    **{
        pair: (False, 0.0)
        for pair in [
            ("created", "updated"),
            ("created", "modified"),
            ("ordered", "shipped"),
            ("order", "ship"),
            ("order", "shipped"),
            ("ordered", "delivered"),
            ("order", "delivery"),
            ("shipped", "delivered"),
            ("ship", "delivery"),
            ("issued", "due"),
            ("issue", "due"),
            ("invoice", "due"),
            ("rental", "return"),
            ("rented", "returned"),
            ("borrowed", "returned"),
            ("opened", "closed"),
            ("admitted", "discharged"),
            ("admission", "discharge"),
            ("enrolled", "graduated"),
        ]
    },
    ("birth", "hire"): (False, 6575.0),  # 18 years
    ("birth", "hired"): (False, 6575.0),
}
_TOTALS = {"total", "total_amount", "amount_total", "grand_total", "order_total", "invoice_total", "total_price"}
_LINE_AMOUNTS = ("amount", "line_total", "line_amount", "total", "subtotal", "extended_price", "total_price")
_PRICES = ("unit_price", "price", "unit_cost")
_QUANTITIES = ("quantity", "qty", "units")
_DATED = (StorageType.DATE, StorageType.DATETIME)


def infer_rules(specs: Sequence[TableSpec]) -> list[TableSpec]:
    """`specs` with the rules their names make obvious added (each table's own rules kept first)."""
    by_name = {spec.table_name: spec for spec in specs}
    out = []
    for spec in specs:
        found: list[DateOrderRule | AggregateRule] = [*_date_orders(spec), *_aggregates(spec, by_name.values())]
        rules = list(spec.rules)
        for rule in found:
            if _same_target(rule, rules):
                continue
            try:
                spec_with = spec.model_copy(update={"rules": [*rules, rule]})
                TableSpec.model_validate(spec_with.model_dump())
            except (ValidationError, SpecError):
                continue
            rules.append(rule)
        out.append(spec if rules == list(spec.rules) else spec.model_copy(update={"rules": rules}))
    return out


def _same_target(rule: DateOrderRule | AggregateRule, rules: list[DateOrderRule | AggregateRule]) -> bool:
    for other in rules:
        if isinstance(rule, DateOrderRule) and isinstance(other, DateOrderRule):
            if (rule.earlier, rule.later) == (other.earlier, other.later):
                return True
        elif isinstance(rule, AggregateRule) and isinstance(other, AggregateRule) and rule.field == other.field:
            return True
    return False


def _words(name: str) -> list[str]:
    lowered = name.lower()
    if lowered in _WHOLE:
        return [_WHOLE[lowered]]
    words = [word for word in lowered.split("_") if word]
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words.pop()
    while len(words) > 1 and words[0] in _SUFFIXES:
        words.pop(0)
    joined = "_".join(words)
    return [_WHOLE[joined]] if joined in _WHOLE else words


def _date_orders(spec: TableSpec) -> list[DateOrderRule]:
    dated = [field for field in spec.fields if field.type in _DATED and not (field.unique or field.primary_key)]
    dated_all = [field for field in spec.fields if field.type in _DATED]
    rules = []
    for earlier in dated_all:
        for later in dated:
            if earlier.name == later.name:
                continue
            shape = _pair(_words(earlier.name), _words(later.name))
            if shape is not None:
                strict, min_days = shape
                rules.append(DateOrderRule(earlier=earlier.name, later=later.name, strict=strict, min_days=min_days))
    return rules


def _pair(a: list[str], b: list[str]) -> tuple[bool, float] | None:
    """The pair's shape when the names differ in exactly one word and those words are a known pair."""
    if len(a) != len(b):
        return None
    differing = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    if len(differing) != 1:
        return None
    return _PAIRS.get(differing[0])


def _aggregates(spec: TableSpec, tables: Iterable[TableSpec]) -> list[AggregateRule]:
    children = [
        (child, key)
        for child in tables
        if child.table_name != spec.table_name
        for key in child.fields
        if key.references is not None and key.references.table == spec.table_name
    ]
    rules: list[AggregateRule] = []
    for field in spec.fields:
        if field.type not in NUMERIC_TYPES or field.primary_key or field.unique or field.references is not None:
            continue
        name = field.name.lower()
        for child, key in children:
            rule = _total(field, name, child, key) if name in _TOTALS else _count(field, name, child, key)
            if rule is not None:
                rules.append(rule)
                break
    return rules


def _numeric(child: TableSpec, names: Sequence[str]) -> str | None:
    fields = {field.name.lower(): field for field in child.fields}
    return next(
        (
            fields[name].name
            for name in names
            if name in fields and fields[name].type in NUMERIC_TYPES and fields[name].references is None
        ),
        None,
    )


def _total(field: FieldSpec, name: str, child: TableSpec, key: FieldSpec) -> AggregateRule | None:
    amount = _numeric(child, _LINE_AMOUNTS)
    if amount is not None:
        return AggregateRule(
            field=field.name, function="sum", child_table=child.table_name, child_key=key.name, child_field=amount
        )
    price, quantity = _numeric(child, _PRICES), _numeric(child, _QUANTITIES)
    if price is not None and quantity is not None:
        return AggregateRule(
            field=field.name,
            function="sum",
            child_table=child.table_name,
            child_key=key.name,
            child_field=price,
            times_field=quantity,
        )
    return None


def _count(field: FieldSpec, name: str, child: TableSpec, key: FieldSpec) -> AggregateRule | None:
    if field.type not in (StorageType.INTEGER, StorageType.BIG_INTEGER):
        return None
    child_name = child.table_name.lower()
    singular = child_name[:-1] if child_name.endswith("s") else child_name
    plural = singular + "s"
    last = child_name.split("_")[-1]
    names = {
        f"{form}_count" for form in (child_name, singular, plural, last, last.rstrip("s"), last.rstrip("s") + "s")
    } | {f"num_{plural}", f"number_of_{plural}", f"{plural}count", f"{singular}_count"}
    if name not in names:
        return None
    return AggregateRule(field=field.name, function="count", child_table=child.table_name, child_key=key.name)
