"""What the importer reads (tables, columns, indexes as a database states them) and what it proposes.

Parsing (parse.py) and reflection (reflect.py) both produce `Table`s; mapping (mapping.py) turns them into table
definitions. The classes here carry the database's view of a table, before our rules apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from dmb_contracts.fields import TableSpec
from sqlglot import exp

Dialect = Literal["postgres", "mysql", "sqlite"]
DIALECTS: tuple[Dialect, ...] = ("postgres", "mysql", "sqlite")


@dataclass(frozen=True)
class ImportIssue:
    """One reason the import was refused: where (`table`, or `fields.<name>`), why, and a fix if we have one."""

    location: str
    message: str
    suggestion: str | None = None


class SqlImportError(ValueError):
    """The input cannot become table definitions. `rule` is one of: unparseable, not_create_table,
    identifier, too_many_fields, too_many_tables, invalid_spec, not_found."""

    def __init__(self, rule: str, message: str, issues: list[ImportIssue] | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.issues = issues or []


@dataclass(frozen=True)
class InferredTable:
    spec: TableSpec
    warnings: list[str]


@dataclass(frozen=True)
class ImportedSchema:
    """A whole file's (or database schema's) tables, parents before the tables that reference them, and notes
    on the statements that describe no table (session settings, sequences, views ...)."""

    tables: list[InferredTable]
    notes: list[str] = field(default_factory=list)


@dataclass
class Column:
    """A column as read from the statement or the catalogue, before it becomes a FieldSpec."""

    name: str
    quoted: bool
    dtype: exp.DataType | None
    nullable: bool = True
    primary_key: bool = False
    unique: bool = False
    autoincrement: bool = False
    default: exp.Expr | None = None
    description: str = ""
    #: (parent table, parent field, on_delete) of a single-column foreign key.
    references: tuple[str, str, str] | None = None
    #: Labels a CHECK (x IN (...)) or an enum type allows.
    choices: list[str | int | float] | None = None
    #: Bounds a CHECK (x BETWEEN a AND b), (x >= a) ... sets, as the statement writes them.
    minimum: str | None = None
    maximum: str | None = None
    #: Whether a bound itself is left out (x > 0 rather than x >= 0).
    minimum_exclusive: bool = False
    maximum_exclusive: bool = False


@dataclass
class Index:
    """A table-level index or unique constraint as read from the statement or the catalogue, before it
    becomes a field's `unique` or an IndexSpec."""

    kind: str  # "unique constraint", "unique index" or "index": how warnings call it
    name: str | None
    unique: bool
    columns: list[str] = field(default_factory=list)
    #: The parts as written (a column, or an expression), for the warnings.
    shown: list[str] = field(default_factory=list)
    #: Details a definition has no place for whose loss keeps the rule the same: imported with a warning.
    dropped: list[str] = field(default_factory=list)
    #: Why importing it would change the rule (e.g. a partial unique index would become a full one).
    blockers: list[str] = field(default_factory=list)

    @property
    def what(self) -> str:
        named = f" {self.name}" if self.name else ""
        return f"the {self.kind}{named} on ({', '.join(self.shown)})"

    def add_column(self, name: str, shown: str | None = None) -> None:
        self.columns.append(name)
        self.shown.append(shown or name)

    def add_prefix(self, column: str, length: int, shown: str | None = None) -> None:
        """A MySQL index on the first `length` characters of a column."""
        self.add_column(column, shown or f"{column}({length})")
        if self.unique:
            # Unique on a prefix rejects values that merely start alike: a stricter rule than on the column.
            self.blockers.append(f"it is unique on the first {length} characters of {column} only")
        else:
            self.dropped.append(f"the prefix length of {column}")


@dataclass
class Table:
    name: str
    quoted: bool
    columns: list[Column]
    description: str = ""
    warnings: list[str] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    #: The schema the statement names the table in (empty when it names none).
    schema: str = ""

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name.lower() == name.lower()), None)

    def add_index(self, index: Index) -> None:
        """Keep an index for mapping, or say why it was not imported."""
        if not index.columns and not index.blockers:
            return
        if index.blockers:
            self.warnings.append(f"{index.what} was not imported ({'; '.join(index.blockers)})")
            return
        self.indexes.append(index)
