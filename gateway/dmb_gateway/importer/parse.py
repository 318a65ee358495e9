"""Read a SQL file into tables: every CREATE TABLE, and the statements that add to one (ALTER TABLE ... ADD
CONSTRAINT / ALTER COLUMN, CREATE [UNIQUE] INDEX, COMMENT ON), with enum types from CREATE TYPE ... AS ENUM.

Statements are parsed with sqlglot, never run. Statements that describe no table (session settings, sequences,
ownership, data) are counted in the notes; views, functions and the like are named there as not imported.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.expressions.datatypes import DType

from dmb_gateway.importer.checks import apply_check
from dmb_gateway.importer.model import DIALECTS, Column, Dialect, Index, SqlImportError, Table
from dmb_gateway.importer.names import column_names, ident_name, is_quoted

#: sqlglot logs the statements it reads only as text; user SQL has no place in the service log.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

MAX_SQL_LENGTH = 2_000_000
_TOKEN = re.compile(r"<Token token_type: [^,]*, text: (.*?), line: \d+.*?>")
#: pg_dump's way of making a key column an identity column after the table.
_ADD_IDENTITY = re.compile(
    r"^TABLE\s+(?:ONLY\s+)?(?P<table>[\w.\"`]+)\s+ALTER\s+(?:COLUMN\s+)?(?P<column>[\w\"`]+)\s+ADD\s+GENERATED\b",
    re.IGNORECASE,
)
#: Statements that define nothing a table definition keeps: counted in the notes, never an error.
_NO_TABLE = re.compile(
    r"^(SET|SELECT|USE|BEGIN|COMMIT|START|LOCK|UNLOCK|PRAGMA|DROP|INSERT|COPY|GRANT|REVOKE|ANALYZE|VACUUM"
    r"|CREATE SEQUENCE|ALTER SEQUENCE|CREATE SCHEMA|CREATE EXTENSION|CREATE DATABASE|ALTER SCHEMA|ALTER DATABASE"
    r"|ALTER DEFAULT|ALTER TYPE|ALTER FUNCTION|ALTER EXTENSION|ALTER TABLE \S+ OWNER|ALTER TABLE ONLY \S+ OWNER"
    r"|ALTER TABLE \S+ REPLICA|COMMENT ON SCHEMA|COMMENT ON EXTENSION|CREATE TYPE|TRANSACTION|SAVEPOINT|RELEASE)\b",
    re.IGNORECASE,
)


def parse_sql(sql: str, dialect: Dialect) -> tuple[list[Table], list[str]]:
    """The tables a SQL file creates, in the file's order, and notes on the statements that create none."""
    if dialect not in DIALECTS:
        raise SqlImportError("unparseable", f"unknown dialect {dialect!r}; use {', '.join(map(repr, DIALECTS))}")
    if len(sql) > MAX_SQL_LENGTH:
        raise SqlImportError("unparseable", f"the SQL is longer than {MAX_SQL_LENGTH} characters")
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except (ParseError, TokenError) as exc:
        raise SqlImportError("unparseable", f"the SQL could not be parsed as {dialect}: {_parse_message(exc)}") from exc
    reader = _FileReader(dialect)
    for statement in statements:
        reader.first_pass(statement)
    if not reader.tables:
        if any(_create_kind(statement) == "TABLE" for statement in statements):  # only CREATE TABLE ... AS
            raise SqlImportError("not_create_table", f"no table to import: {reader.not_imported[0]}")
        kinds = ", ".join(sorted({statement_kind(s) for s in statements})) or "nothing"
        raise SqlImportError("not_create_table", f"expected a CREATE TABLE statement, found {kinds}")
    for statement in statements:
        reader.second_pass(statement)
    reader.resolve_implicit_keys()
    return list(reader.tables.values()), reader.notes()


def statement_kind(statement: exp.Expr) -> str:
    if isinstance(statement, exp.Create):
        return f"CREATE {statement.args.get('kind', '')}".strip()
    if isinstance(statement, exp.Command):
        return " ".join(statement.sql(comments=False).split()[:2]).upper()
    return statement.key.upper()


def _parse_message(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if errors:
        first = errors[0]
        description = _TOKEN.sub(lambda m: repr(m.group(1)), str(first.get("description", "")).strip())
        return f"{description} (line {first.get('line')}, column {first.get('col')})"
    return str(exc).splitlines()[0][:300]


def _create_kind(statement: exp.Expr) -> str:
    return str(statement.args.get("kind", "")).upper() if isinstance(statement, exp.Create) else ""


class _FileReader:
    """The tables of one file. First pass: enum types and CREATE TABLEs; second: what adds to them."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.tables: dict[str, Table] = {}
        self.enums: dict[str, list[str]] = {}
        self.ignored: Counter[str] = Counter()
        self.not_imported: list[str] = []
        self._second: dict[type[exp.Expr], Callable[[exp.Expr], None]] = {
            exp.Alter: self._alter,
            exp.Comment: self._comment,
            exp.Command: self._command,
        }

    # -- first pass: enum types and tables

    def first_pass(self, statement: exp.Expr) -> None:
        kind = _create_kind(statement)
        if kind == "TYPE" and isinstance(statement.expression, exp.DataType):
            labels = [str(e.this) for e in statement.expression.expressions if isinstance(e, exp.Literal)]
            if statement.expression.this is DType.ENUM and labels:
                self.enums[ident_name(statement.this.this, self.dialect)] = labels
        elif kind == "TABLE":
            table = self._create_table(statement)
            if table is not None:
                if table.name in self.tables:
                    raise SqlImportError("invalid_spec", f"the file creates the table {table.name!r} twice")
                self.tables[table.name] = table

    def _create_table(self, create: exp.Expr) -> Table | None:
        schema = create.this
        if not isinstance(schema, exp.Schema):
            self.not_imported.append(
                f"{create.sql(self.dialect)[:80]} (CREATE TABLE ... AS SELECT has no column definitions to import; "
                "paste the columns)"
            )
            return None
        table_expr = schema.this
        assert isinstance(table_expr, exp.Table)
        table = Table(ident_name(table_expr.this, self.dialect), is_quoted(table_expr.this), [])
        table.schema = ident_name(table_expr.args.get("db"), self.dialect)
        for item in schema.expressions:
            if isinstance(item, exp.ColumnDef):
                table.columns.append(self._column(item, table))
        if not table.columns:
            raise SqlImportError("not_create_table", f"the CREATE TABLE statement of {table.name!r} has no columns")
        for item in schema.expressions:
            if not isinstance(item, exp.ColumnDef):
                table_constraint(item, table, self.dialect)
        for prop in create.find_all(exp.SchemaCommentProperty):
            table.description = _string_value(prop.this) or table.description
        return table

    def _column(self, item: exp.ColumnDef, table: Table) -> Column:
        kind = item.args.get("kind")
        dtype = self._enum_type(kind) if isinstance(kind, exp.DataType) else None
        column = Column(ident_name(item.this, self.dialect), is_quoted(item.this), dtype)
        table.columns.append(column)  # for CHECKs naming it; the caller keeps the order
        for constraint in item.args.get("constraints") or []:
            found = constraint.args.get("kind") if isinstance(constraint, exp.ColumnConstraint) else constraint
            _column_constraint(found, column, table, self.dialect)
        table.columns.remove(column)
        return column

    def _enum_type(self, dtype: exp.DataType) -> exp.DataType:
        """A column of an enum type made by CREATE TYPE reads as ENUM('a', 'b', ...)."""
        if dtype.this is not DType.USERDEFINED:
            return dtype
        named = dtype.args.get("kind")
        name = named.name if isinstance(named, exp.Expr) else str(named or "")
        labels = self.enums.get(name.lower()) or self.enums.get(name)
        if not labels:
            return dtype
        return exp.DataType(this=DType.ENUM, expressions=[exp.Literal.string(label) for label in labels])

    # -- second pass: what adds to the tables

    def second_pass(self, statement: exp.Expr) -> None:
        kind = _create_kind(statement)
        if kind in ("TABLE", "TYPE"):
            if kind == "TYPE" and not self._is_enum(statement):
                self.not_imported.append(statement.sql(self.dialect)[:80])
            return
        if kind == "INDEX":
            self._create_index(statement)
            return
        handler = self._second.get(type(statement))
        if handler is not None:
            handler(statement)
            return
        self._other(statement)

    def _is_enum(self, statement: exp.Expr) -> bool:
        return isinstance(statement.expression, exp.DataType) and statement.expression.this is DType.ENUM

    def _other(self, statement: exp.Expr) -> None:
        shown = " ".join(statement.sql(self.dialect, comments=False).split())
        if not shown:
            return  # a comment only (e.g. MySQL's /*!40101 ... */ version comments)
        if _NO_TABLE.match(shown):
            self.ignored[statement_kind(statement)] += 1
        else:
            self.not_imported.append(shown[:80])

    def _table(self, target: exp.Expr | None, what: str) -> Table | None:
        """The file's table a statement is about, or None (noted) when the file does not create it."""
        name = ident_name(target.this, self.dialect) if isinstance(target, exp.Table) else ""
        table = self.tables.get(name)
        if table is None:
            self.not_imported.append(f"{what} on {name or 'an unknown table'} (the file does not create that table)")
        return table

    def _alter(self, statement: exp.Expr) -> None:
        if str(statement.args.get("kind", "")).upper() != "TABLE":
            self._other(statement)
            return
        table = self._table(statement.this, "ALTER TABLE")
        if table is None:
            return
        for action in statement.args.get("actions") or []:
            self._alter_action(action, table)

    def _alter_action(self, action: exp.Expr, table: Table) -> None:
        if isinstance(action, exp.AddConstraint):
            for item in action.expressions:
                table_constraint(item, table, self.dialect)
        elif isinstance(action, exp.AlterColumn):
            self._alter_column(action, table)
        elif isinstance(action, exp.ColumnDef):
            table.columns.append(self._column(action, table))
        else:
            table.warnings.append(f"ALTER TABLE ... {action.sql(self.dialect)[:120]} was not imported")

    def _alter_column(self, action: exp.AlterColumn, table: Table) -> None:
        column = table.column(ident_name(action.this, self.dialect))
        default = action.args.get("default")
        if column is not None and default is not None and not action.args.get("drop"):
            if _is_nextval(default):
                column.autoincrement = True
            else:
                column.default = default
            return
        if column is not None and action.args.get("allow_null") is False:
            column.nullable = False
            return
        table.warnings.append(f"ALTER TABLE ... {action.sql(self.dialect)[:120]} was not imported")

    def _comment(self, statement: exp.Expr) -> None:
        text = _string_value(statement.expression) or ""
        kind = str(statement.args.get("kind", "")).upper()
        target = statement.this
        if kind == "TABLE":
            table = self._table(target, "COMMENT ON TABLE")
            if table is not None:
                table.description = text
            return
        if kind == "COLUMN" and isinstance(target, exp.Column):
            table = self.tables.get(ident_name(target.args.get("table"), self.dialect))
            column = table.column(ident_name(target.this, self.dialect)) if table else None
            if column is not None:
                column.description = text
                return
        self._other(statement)

    def _command(self, statement: exp.Expr) -> None:
        """Statements sqlglot reads only as text; pg_dump's ADD GENERATED ... AS IDENTITY is one."""
        text = " ".join(str(statement.expression or "").split())
        found = _ADD_IDENTITY.match(text) if str(statement.this).upper() == "ALTER" else None
        if found:
            table = self.tables.get(found["table"].split(".")[-1].strip('"`').lower())
            column = table.column(found["column"].strip('"`')) if table else None
            if column is not None:
                column.autoincrement = True
                return
        self._other(statement)

    def _create_index(self, statement: exp.Expr) -> None:
        """CREATE [UNIQUE] INDEX name ON table (...) [INCLUDE (...)] [WHERE ...]."""
        node = statement.this
        if not isinstance(node, exp.Index):
            self.not_imported.append(statement.sql(self.dialect)[:80])
            return
        unique = bool(statement.args.get("unique"))
        index = Index("unique index" if unique else "index", ident_name(node.this, self.dialect) or None, unique)
        params = node.args.get("params")
        if isinstance(params, exp.IndexParameters):
            read_parts(params.args.get("columns") or [], index, self.dialect)
            using = params.args.get("using")
            if using is not None and using.name.upper() != "BTREE":
                index.dropped.append(f"USING {using.name}")
            if params.args.get("include"):
                index.dropped.append(f"INCLUDE ({', '.join(c.sql(self.dialect) for c in params.args['include'])})")
            where = params.args.get("where")
            if isinstance(where, exp.Where):
                partial(index, where.this, self.dialect)
        target = node.args.get("table")
        table = self.tables.get(ident_name(target.this, self.dialect)) if isinstance(target, exp.Table) else None
        schema = ident_name(target.args.get("db"), self.dialect) if isinstance(target, exp.Table) else ""
        if table is None or (schema and table.schema and schema != table.schema):
            shown = target.sql(self.dialect) if isinstance(target, exp.Table) else "another table"
            self.not_imported.append(f"{index.what} (it is on {shown}, which the file does not create)")
            return
        table.add_index(index)

    def resolve_implicit_keys(self) -> None:
        """`REFERENCES parent` without a column means the parent's primary key."""
        for table in self.tables.values():
            for column in table.columns:
                if column.references is None or column.references[1]:
                    continue
                parent_name, _, on_delete = column.references
                parent = self.tables.get(parent_name)
                keys = [c.name for c in parent.columns if c.primary_key] if parent else []
                if len(keys) == 1:
                    column.references = (parent_name, keys[0], on_delete)
                else:
                    column.references = None
                    table.warnings.append(
                        f"{column.name}: the foreign key to {parent_name} was not imported (name the referenced column)"
                    )

    def notes(self) -> list[str]:
        notes: list[str] = []
        if self.ignored:
            counted = ", ".join(f"{kind} ({count})" for kind, count in sorted(self.ignored.items()))
            notes.append(f"statements that define no table were skipped: {counted}")
        notes += [f"not imported: {what}" for what in self.not_imported]
        return notes


def _is_nextval(node: exp.Expr) -> bool:
    return isinstance(node, exp.Anonymous) and str(node.this).lower() == "nextval"


def _string_value(node: exp.Expr | None) -> str | None:
    if isinstance(node, exp.Literal) and node.is_string:
        return str(node.this)
    return None


def _column_constraint(found: exp.Expr | None, column: Column, table: Table, dialect: Dialect) -> None:
    if isinstance(found, exp.NotNullColumnConstraint):
        column.nullable = bool(found.args.get("allow_null"))
    elif isinstance(found, exp.PrimaryKeyColumnConstraint):
        column.primary_key = True
    elif isinstance(found, exp.UniqueColumnConstraint):
        column.unique = True
    elif isinstance(found, exp.DefaultColumnConstraint):
        if _is_nextval(found.this):
            column.autoincrement = True
        else:
            column.default = found.this
    elif isinstance(found, exp.AutoIncrementColumnConstraint | exp.GeneratedAsIdentityColumnConstraint):
        column.autoincrement = True
    elif isinstance(found, exp.CommentColumnConstraint):
        column.description = _string_value(found.this) or ""
    elif isinstance(found, exp.Reference):
        reference(column, found, dialect, table.warnings)
    elif isinstance(found, exp.CheckColumnConstraint):
        apply_check(found.this, table, dialect)


def table_constraint(item: exp.Expr, table: Table, dialect: Dialect, name: str | None = None) -> None:
    """PRIMARY KEY (...), UNIQUE (...), FOREIGN KEY, CHECK, KEY/INDEX at table level; `name` is the one a
    CONSTRAINT name ... clause gives."""
    if isinstance(item, exp.Constraint):
        for inner in item.expressions:
            table_constraint(inner, table, dialect, ident_name(item.this, dialect) or None)
        return
    reader = _TABLE_CONSTRAINTS.get(type(item))
    if reader is None:
        table.warnings.append(f"the table constraint {item.sql(dialect)[:120]} was not imported")
        return
    reader(item, table, dialect, name)


def _primary_key(item: exp.Expr, table: Table, dialect: Dialect, _name: str | None) -> None:
    for name in column_names(item.expressions, dialect):
        column = table.column(name)
        if column is None:
            raise SqlImportError("invalid_spec", f"{table.name}: the primary key names an unknown column {name!r}")
        column.primary_key = True


def _unique(item: exp.Expr, table: Table, dialect: Dialect, name: str | None) -> None:
    target = item.this
    if not isinstance(target, exp.Schema):
        return
    # MySQL's UNIQUE KEY name (...) names the index; that name wins over a CONSTRAINT name, as in MySQL.
    index = Index("unique constraint", ident_name(target.this, dialect) or name, True)
    read_parts(target.expressions, index, dialect)
    if item.args.get("nulls"):
        index.dropped.append("NULLS NOT DISTINCT (rows with a null in one of the fields are not compared)")
    include = item.args.get("include")
    if isinstance(include, exp.IndexParameters) and include.args.get("include"):
        index.dropped.append(f"INCLUDE ({', '.join(c.sql(dialect) for c in include.args['include'])})")
    if item.args.get("index_type"):
        index.dropped.append(f"USING {item.args['index_type']}")
    index.dropped += [str(option) for option in item.args.get("options") or []]
    table.add_index(index)


def _foreign_key(item: exp.Expr, table: Table, dialect: Dialect, _name: str | None) -> None:
    names = column_names(item.expressions, dialect)
    found = item.args.get("reference")
    column = table.column(names[0]) if len(names) == 1 else None
    if column is not None and isinstance(found, exp.Reference):
        reference(column, found, dialect, table.warnings)
        return
    to = found.this.sql(dialect) if isinstance(found, exp.Reference) else "another table"
    table.warnings.append(
        f"the foreign key ({', '.join(names)}) → {to} was not imported (only single-column foreign keys are)"
    )


def _index(item: exp.Expr, table: Table, dialect: Dialect, name: str | None) -> None:
    index = Index("index", ident_name(item.this, dialect) or name, False)
    read_parts(item.expressions, index, dialect)
    kind = item.args.get("kind")
    if kind:
        index.kind = f"{str(kind).lower()} index"
        index.blockers.append(f"a {kind} index is not a plain index on the columns")
    index.dropped += [option.sql(dialect) for option in item.args.get("options") or []]
    table.add_index(index)


def _check(item: exp.Expr, table: Table, dialect: Dialect, _name: str | None) -> None:
    apply_check(item.this, table, dialect)


_TABLE_CONSTRAINTS: dict[type[exp.Expr], Callable[[exp.Expr, Table, Dialect, str | None], None]] = {
    exp.PrimaryKey: _primary_key,
    exp.UniqueColumnConstraint: _unique,
    exp.ForeignKey: _foreign_key,
    exp.IndexColumnConstraint: _index,
    exp.CheckColumnConstraint: _check,
    exp.Check: _check,
}

ON_DELETE = {"RESTRICT": "restrict", "NO ACTION": "restrict", "CASCADE": "cascade", "SET NULL": "set null"}


def reference(column: Column, found: exp.Reference, dialect: Dialect, warnings: list[str]) -> None:
    """A single-column REFERENCES parent (key) becomes a foreign_key field; the schema service checks the
    parent when the table is created (a table of the same owner, created first or in the same set)."""
    target = found.this
    parent = target.this if isinstance(target, exp.Schema) else target
    keys = column_names(target.expressions, dialect) if isinstance(target, exp.Schema) else [""]
    if not isinstance(parent, exp.Table) or len(keys) != 1:
        warnings.append(
            f"{column.name}: the foreign key to {target.sql(dialect)} was not imported (name the one referenced column)"
        )
        return
    on_delete = "restrict"
    for option in found.args.get("options") or []:
        text = " ".join(str(option).upper().split())
        if text.startswith("ON DELETE "):
            mapped = ON_DELETE.get(text.removeprefix("ON DELETE "))
            if mapped is None:
                warnings.append(f"{column.name}: {text} is not supported; the foreign key uses ON DELETE RESTRICT")
            else:
                on_delete = mapped
    column.references = (ident_name(parent.this, dialect), keys[0], on_delete)


def read_parts(parts: list[exp.Expr], index: Index, dialect: Dialect) -> None:
    """The columns of an index as written: ASC/DESC and operator classes are dropped from a plain index
    with a warning; an expression keeps the index out, and so does a prefix of a unique one."""
    for part in parts:
        shown = part.sql(dialect)
        node: exp.Expr = part
        if isinstance(node, exp.Ordered):
            if node.args.get("desc"):
                index.dropped.append(f"the descending order of {node.this.sql(dialect)}")
            node = node.this
        if isinstance(node, exp.Opclass):
            index.dropped.append(f"the operator class {node.expression.sql(dialect)}")
            node = node.this
        if isinstance(node, exp.Column):
            node = node.this
        if isinstance(node, exp.ColumnPrefix):
            length = int(node.expression.this) if isinstance(node.expression, exp.Literal) else 0
            index.add_prefix(ident_name(node.this, dialect), length, shown)
        elif dialect == "mysql" and _is_prefix_call(node):
            # In CREATE INDEX, MySQL's `name(10)` prefix reads like a call of a function `name`.
            assert isinstance(node, exp.Anonymous)
            index.add_prefix(str(node.this).lower(), int(node.expressions[0].this))
        elif isinstance(node, exp.Identifier):
            index.add_column(ident_name(node, dialect), shown if shown != node.sql(dialect) else None)
        else:
            index.shown.append(shown)
            index.blockers.append(f"{shown} is an expression, not a column")


def _is_prefix_call(node: exp.Expr) -> bool:
    args = node.expressions if isinstance(node, exp.Anonymous) else []
    return len(args) == 1 and isinstance(args[0], exp.Literal) and not args[0].is_string


def partial(index: Index, condition: exp.Expr | str, dialect: Dialect) -> None:
    """An index on the rows WHERE `condition` only. Unique on those rows is not unique on all of them, so a
    partial unique index is not imported, unless its condition only leaves out rows with a null in its own
    columns (which a unique rule never compares anyway); a plain index loses only its condition."""
    if isinstance(condition, str):
        try:
            parsed: exp.Expr | None = sqlglot.parse_one(condition, read=dialect)
        except (ParseError, TokenError):
            parsed = None
    else:
        parsed = condition
    shown = condition if isinstance(condition, str) else condition.sql(dialect)  # as the database writes it
    if not index.unique:
        index.dropped.append(f"its condition WHERE {shown}")
    elif parsed is None or not _only_not_null(parsed, index.columns, dialect):
        index.blockers.append(f"it is unique only among the rows WHERE {shown}")


def _only_not_null(condition: exp.Expr, columns: list[str], dialect: Dialect) -> bool:
    """Whether `condition` is `c IS NOT NULL [AND ...]` for columns `c` of the index only."""
    node = condition.unnest()
    if isinstance(node, exp.And):
        return _only_not_null(node.this, columns, dialect) and _only_not_null(node.expression, columns, dialect)
    negated = isinstance(node, exp.Not)
    test = node.this.unnest() if negated else node
    return (
        isinstance(test, exp.Is)
        and negated != bool(test.args.get("negate"))  # NOT (c IS NULL), or c IS NOT NULL
        and isinstance(test.expression, exp.Null)
        and isinstance(test.this, exp.Column)
        and ident_name(test.this.this, dialect) in columns
    )
