"""CHECK constraints that say what our constraints say: `x IN (...)` (choices), `x BETWEEN a AND b` and
comparisons of a column with a constant (min / max), `x IS NOT NULL`, joined by AND. Anything else is listed
on the table as not imported."""

from __future__ import annotations

from sqlglot import exp

from dmb_gateway.importer.model import Column, Dialect, Table
from dmb_gateway.importer.names import ident_name

Scalar = str | int | float

#: A comparison `column OP constant` as (bound it sets, whether the constant itself is excluded).
_LOWER: dict[type[exp.Expr], bool] = {exp.GTE: False, exp.GT: True}
_UPPER: dict[type[exp.Expr], bool] = {exp.LTE: False, exp.LT: True}
#: The same comparison written `constant OP column`.
_MIRRORED: dict[type[exp.Expr], type[exp.Expr]] = {
    exp.GTE: exp.LTE,
    exp.GT: exp.LT,
    exp.LTE: exp.GTE,
    exp.LT: exp.GT,
}


def apply_check(condition: exp.Expr, table: Table, dialect: Dialect) -> None:
    """Carry each part of a CHECK onto the column it constrains; list the parts that do not map."""
    for part in _conjuncts(condition):
        if not _apply(part, table, dialect):
            table.warnings.append(
                f"the CHECK constraint {part.sql(dialect)[:160]} was not imported (only x IN (...), x BETWEEN a AND b "
                "and comparisons of a column with a constant are)"
            )


def _conjuncts(node: exp.Expr) -> list[exp.Expr]:
    node = node.unnest()
    if isinstance(node, exp.And):
        return [*_conjuncts(node.this), *_conjuncts(node.expression)]
    return [node]


def _apply(node: exp.Expr, table: Table, dialect: Dialect) -> bool:
    if isinstance(node, exp.In):
        return _choices(node, table, dialect)
    if isinstance(node, exp.EQ) and isinstance(node.expression, exp.Any):
        return _any_of(node, table, dialect)
    if isinstance(node, exp.Between):
        column = _column(node.this, table, dialect)
        low, high = constant(node.args.get("low")), constant(node.args.get("high"))
        if column is None or low is None or high is None:
            return False
        column.minimum, column.maximum = str(low), str(high)
        column.minimum_exclusive = column.maximum_exclusive = False
        return True
    if isinstance(node, exp.Not) and isinstance(node.this.unnest(), exp.Is):
        test = node.this.unnest()
        column = _column(test.this, table, dialect)
        if column is None or not isinstance(test.expression, exp.Null):
            return False
        column.nullable = False
        return True
    return _comparison(node, table, dialect)


def _choices(node: exp.In, table: Table, dialect: Dialect) -> bool:
    column = _column(node.this, table, dialect)
    values = [constant(item) for item in node.expressions]
    if column is None or node.args.get("query") is not None or not values or None in values:
        return False
    column.choices = [value for value in values if value is not None]
    return True


def _any_of(node: exp.EQ, table: Table, dialect: Dialect) -> bool:
    """x = ANY (ARRAY[...]): how PostgreSQL stores (and pg_dump writes) x IN (...)."""
    array = _strip(node.expression.this)
    column = _column(node.this, table, dialect)
    values = [constant(item) for item in array.expressions] if isinstance(array, exp.Array) else []
    if column is None or not values or None in values:
        return False
    column.choices = [value for value in values if value is not None]
    return True


def _strip(node: exp.Expr) -> exp.Expr:
    """`node` without the parentheses and casts around it."""
    while isinstance(node, exp.Paren | exp.Cast):
        node = node.this
    return node


def _comparison(node: exp.Expr, table: Table, dialect: Dialect) -> bool:
    kind: type[exp.Expr] = type(node)
    if kind not in _MIRRORED:
        return False
    left, right = node.this, node.args.get("expression")
    if left is None or right is None:
        return False
    if constant(left) is not None:  # 0 < x reads as x > 0
        left, right, kind = right, left, _MIRRORED[kind]
    column = _column(left, table, dialect)
    value = constant(right)
    if column is None or value is None:
        return False
    exclusive = _LOWER.get(kind, _UPPER.get(kind, False))
    if kind in _LOWER:
        column.minimum, column.minimum_exclusive = str(value), exclusive
    else:
        column.maximum, column.maximum_exclusive = str(value), exclusive
    return True


def _column(node: exp.Expr | None, table: Table, dialect: Dialect) -> Column | None:
    if node is None:
        return None
    node = _strip(node)  # (status)::text IN (...) as pg_dump writes it
    if not isinstance(node, exp.Column):
        return None
    return table.column(ident_name(node.this, dialect))


def constant(node: exp.Expr | None) -> Scalar | None:
    """A literal's value (text, whole number or fraction), else None."""
    if node is None:
        return None
    node = _strip(node)
    negative = isinstance(node, exp.Neg)
    if negative:
        node = node.this
    if not isinstance(node, exp.Literal):
        return None
    if node.is_string:
        return None if negative else str(node.this)
    text = ("-" if negative else "") + str(node.this)
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return None
