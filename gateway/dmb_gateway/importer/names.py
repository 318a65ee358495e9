"""Names as the database sees them, and names that follow our identifier rules."""

from __future__ import annotations

import re

from dmb_contracts.identifiers import MAX_IDENTIFIER_LENGTH, RESERVED_WORDS
from sqlglot import exp

from dmb_gateway.importer.model import Dialect


def ident_name(ident: exp.Expr | None, dialect: Dialect) -> str:
    """A name as the database sees it: PostgreSQL folds unquoted names to lower case; MySQL and SQLite compare
    names without regard to case, so lower case means the same there."""
    if ident is None:
        return ""
    name = ident.name
    if dialect != "postgres" or not is_quoted(ident):
        return name.lower()
    return name


def is_quoted(ident: exp.Expr | None) -> bool:
    return bool(isinstance(ident, exp.Identifier) and ident.args.get("quoted"))


def column_names(expressions: list[exp.Expr], dialect: Dialect) -> list[str]:
    names: list[str] = []
    for item in expressions:
        target = item.this if isinstance(item, exp.Ordered | exp.Column) else item
        if isinstance(target, exp.Column):
            target = target.this
        names.append(ident_name(target, dialect))
    return names


def suggest_identifier(name: str) -> str:
    """A name that follows our identifier rules and stays close to `name` (snake_case, ASCII)."""
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    cleaned = re.sub(r"[^a-z0-9_]+", "_", snake.lower()).strip("_") or "field"
    if cleaned[0].isdigit():
        cleaned = f"_{cleaned}"
    if cleaned.startswith("dmb_"):
        cleaned = f"imported_{cleaned}"
    if cleaned in RESERVED_WORDS:
        cleaned = f"{cleaned}_value"
    return cleaned[:MAX_IDENTIFIER_LENGTH]
