"""Import a table definition: from a pasted CREATE TABLE statement, or from an existing table of a database.

The result is a proposal (a `TableSpec` plus warnings about what could not be carried over exactly) for the
user to review before anything is saved. Statements are read with sqlglot, a real SQL parser; existing
tables with SQLAlchemy's reflection, whose column types are then read by the same parser, so both paths
share one type mapping. Nothing here runs user SQL: the statement is only parsed, and reflection only reads
the catalogue.
"""

from __future__ import annotations

import contextlib
import re
import warnings as python_warnings
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import sqlalchemy as sa
import sqlglot
from dmb_contracts.fields import (
    DEFAULT_MAX_LENGTH,
    INTEGER_LIMITS,
    MAX_FIELDS,
    TYPE_TRAITS,
    FieldSpec,
    IndexSpec,
    JsonScalar,
    SpecError,
    StorageType,
    TableSpec,
)
from dmb_contracts.identifiers import MAX_IDENTIFIER_LENGTH, RESERVED_WORDS, identifier_problem
from pydantic import ValidationError
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.expressions.datatypes import DType

Dialect = Literal["postgres", "mysql"]

MAX_SQL_LENGTH = 200_000
_TOKEN = re.compile(r"<Token token_type: [^,]*, text: (.*?), line: \d+.*?>")
_MAX_LENGTH_LIMIT = 10_485_760
_MAX_PRECISION = 1000


@dataclass(frozen=True)
class ImportIssue:
    """One reason the import was refused: where (`table`, or `fields.<name>`), why, and a fix if we have one."""

    location: str
    message: str
    suggestion: str | None = None


class SqlImportError(ValueError):
    """The input cannot become a table definition. `rule` is one of: unparseable, not_create_table,
    identifier, too_many_fields, invalid_spec, not_found."""

    def __init__(self, rule: str, message: str, issues: list[ImportIssue] | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.issues = issues or []


@dataclass(frozen=True)
class InferredTable:
    spec: TableSpec
    warnings: list[str]


@dataclass
class _Column:
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


@dataclass
class _Index:
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
class _Table:
    name: str
    quoted: bool
    columns: list[_Column]
    description: str = ""
    warnings: list[str] = field(default_factory=list)
    indexes: list[_Index] = field(default_factory=list)
    #: The schema the statement names the table in (empty when it names none).
    schema: str = ""

    def column(self, name: str) -> _Column | None:
        return next((c for c in self.columns if c.name.lower() == name.lower()), None)


# -- a pasted statement ------------------------------------------------------------------------------------


def infer_from_sql(sql: str, dialect: Dialect = "postgres") -> InferredTable:
    """The table definition a CREATE TABLE statement describes (with PostgreSQL's COMMENT ON statements and
    CREATE [UNIQUE] INDEX statements on the table taken into account); SqlImportError when it cannot be one."""
    if dialect not in ("postgres", "mysql"):
        raise SqlImportError("unparseable", f"unknown dialect {dialect!r}; use 'postgres' or 'mysql'")
    if len(sql) > MAX_SQL_LENGTH:
        raise SqlImportError("unparseable", f"the statement is longer than {MAX_SQL_LENGTH} characters")
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except (ParseError, TokenError) as exc:
        raise SqlImportError("unparseable", f"the SQL could not be parsed as {dialect}: {_parse_message(exc)}") from exc
    creates = [s for s in statements if isinstance(s, exp.Create) and str(s.args.get("kind", "")).upper() == "TABLE"]
    if not creates:
        kinds = ", ".join(sorted({_statement_kind(s) for s in statements})) or "nothing"
        raise SqlImportError("not_create_table", f"expected a CREATE TABLE statement, found {kinds}")
    if len(creates) > 1:
        raise SqlImportError("not_create_table", f"paste one CREATE TABLE statement at a time (found {len(creates)})")
    create = creates[0]
    schema = create.this
    if not isinstance(schema, exp.Schema):
        raise SqlImportError(
            "not_create_table", "CREATE TABLE ... AS SELECT has no column definitions to import; paste the columns"
        )
    table_expr = schema.this
    assert isinstance(table_expr, exp.Table)
    table = _Table(_ident_name(table_expr.this, dialect), _is_quoted(table_expr.this), [])
    table.schema = _ident_name(table_expr.args.get("db"), dialect)
    for item in schema.expressions:
        if isinstance(item, exp.ColumnDef):
            table.columns.append(_column_from_def(item, dialect, table.warnings))
    if not table.columns:
        raise SqlImportError("not_create_table", "the CREATE TABLE statement has no columns")
    for item in schema.expressions:
        if not isinstance(item, exp.ColumnDef):
            _table_constraint(item, table, dialect)
    for prop in create.find_all(exp.SchemaCommentProperty):
        table.description = _string_value(prop.this) or table.description
    for other in statements:
        if other is not create:
            _other_statement(other, table, dialect)
    return _build(table, dialect)


def _parse_message(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if errors:
        first = errors[0]
        description = _TOKEN.sub(lambda m: repr(m.group(1)), str(first.get("description", "")).strip())
        return f"{description} (line {first.get('line')}, column {first.get('col')})"
    return str(exc).splitlines()[0][:300]


def _statement_kind(statement: exp.Expr) -> str:
    if isinstance(statement, exp.Create):
        return f"CREATE {statement.args.get('kind', '')}".strip()
    return statement.key.upper()


def _ident_name(ident: exp.Expression | None, dialect: Dialect) -> str:
    """A name as the database sees it: PostgreSQL folds unquoted names to lower case; MySQL compares column
    names (and, on most servers, table names) without regard to case, so lower case means the same."""
    if ident is None:
        return ""
    name = ident.name
    if dialect == "mysql" or not _is_quoted(ident):
        return name.lower()
    return name


def _is_quoted(ident: exp.Expression | None) -> bool:
    return bool(isinstance(ident, exp.Identifier) and ident.args.get("quoted"))


def _column_from_def(item: exp.ColumnDef, dialect: Dialect, warnings: list[str]) -> _Column:
    kind = item.args.get("kind")
    column = _Column(
        _ident_name(item.this, dialect), _is_quoted(item.this), kind if isinstance(kind, exp.DataType) else None
    )
    for constraint in item.args.get("constraints") or []:
        found = constraint.args.get("kind") if isinstance(constraint, exp.ColumnConstraint) else constraint
        if isinstance(found, exp.NotNullColumnConstraint):
            column.nullable = bool(found.args.get("allow_null"))
        elif isinstance(found, exp.PrimaryKeyColumnConstraint):
            column.primary_key = True
        elif isinstance(found, exp.UniqueColumnConstraint):
            column.unique = True
        elif isinstance(found, exp.DefaultColumnConstraint):
            column.default = found.this
        elif isinstance(found, exp.AutoIncrementColumnConstraint | exp.GeneratedAsIdentityColumnConstraint):
            column.autoincrement = True
        elif isinstance(found, exp.CommentColumnConstraint):
            column.description = _string_value(found.this) or ""
        elif isinstance(found, exp.Reference):
            _reference(column, found, dialect, warnings)
        elif isinstance(found, exp.CheckColumnConstraint):
            warnings.append(f"{column.name}: the CHECK constraint {found.this.sql(dialect)} was not imported")
    return column


def _names(expressions: list[exp.Expression], dialect: Dialect) -> list[str]:
    names: list[str] = []
    for item in expressions:
        target = item.this if isinstance(item, exp.Ordered | exp.Column) else item
        if isinstance(target, exp.Column):
            target = target.this
        names.append(_ident_name(target, dialect))
    return names


def _table_constraint(item: exp.Expression, table: _Table, dialect: Dialect, name: str | None = None) -> None:
    """PRIMARY KEY (...), UNIQUE (...), FOREIGN KEY, CHECK, KEY/INDEX at table level; `name` is the one a
    CONSTRAINT name ... clause gives."""
    if isinstance(item, exp.Constraint):
        for inner in item.expressions:
            _table_constraint(inner, table, dialect, _ident_name(item.this, dialect) or None)
        return
    if isinstance(item, exp.PrimaryKey):
        for name in _names(item.expressions, dialect):
            column = table.column(name)
            if column is None:
                raise SqlImportError("invalid_spec", f"the primary key names an unknown column {name!r}")
            column.primary_key = True
        return
    if isinstance(item, exp.UniqueColumnConstraint):
        target = item.this
        if not isinstance(target, exp.Schema):
            return
        # MySQL's UNIQUE KEY name (...) names the index; that name wins over a CONSTRAINT name, as in MySQL.
        index = _Index("unique constraint", _ident_name(target.this, dialect) or name, True)
        _read_parts(target.expressions, index, dialect)
        if item.args.get("nulls"):
            index.dropped.append("NULLS NOT DISTINCT (rows with a null in one of the fields are not compared)")
        include = item.args.get("include")
        if isinstance(include, exp.IndexParameters) and include.args.get("include"):
            index.dropped.append(f"INCLUDE ({', '.join(c.sql(dialect) for c in include.args['include'])})")
        if item.args.get("index_type"):
            index.dropped.append(f"USING {item.args['index_type']}")
        index.dropped += [str(option) for option in item.args.get("options") or []]
        _add_index(index, table)
        return
    if isinstance(item, exp.ForeignKey):
        names = _names(item.expressions, dialect)
        reference = item.args.get("reference")
        column = table.column(names[0]) if len(names) == 1 else None
        if column is not None and isinstance(reference, exp.Reference):
            _reference(column, reference, dialect, table.warnings)
            return
        to = reference.this.sql(dialect) if isinstance(reference, exp.Reference) else "another table"
        table.warnings.append(
            f"the foreign key ({', '.join(names)}) → {to} was not imported (only single-column foreign keys are)"
        )
        return
    if isinstance(item, exp.IndexColumnConstraint):
        index = _Index("index", _ident_name(item.this, dialect) or name, False)
        _read_parts(item.expressions, index, dialect)
        kind = item.args.get("kind")
        if kind:
            index.kind = f"{str(kind).lower()} index"
            index.blockers.append(f"a {kind} index is not a plain index on the columns")
        index.dropped += [option.sql(dialect) for option in item.args.get("options") or []]
        _add_index(index, table)
        return
    table.warnings.append(f"the table constraint {item.sql(dialect)[:120]} was not imported")


_ON_DELETE = {"RESTRICT": "restrict", "NO ACTION": "restrict", "CASCADE": "cascade", "SET NULL": "set null"}


def _reference(column: _Column, reference: exp.Reference, dialect: Dialect, warnings: list[str]) -> None:
    """A single-column REFERENCES parent (key) becomes a foreign_key field; the schema service checks the
    parent when the table is created (it must be a table of the same owner, created first)."""
    target = reference.this
    parent = target.this if isinstance(target, exp.Schema) else target
    keys = _names(target.expressions, dialect) if isinstance(target, exp.Schema) else []
    if not isinstance(parent, exp.Table) or len(keys) != 1:
        warnings.append(
            f"{column.name}: the foreign key to {target.sql(dialect)} was not imported (name the one referenced column)"
        )
        return
    on_delete = "restrict"
    for option in reference.args.get("options") or []:
        text = " ".join(str(option).upper().split())
        if text.startswith("ON DELETE "):
            found = _ON_DELETE.get(text.removeprefix("ON DELETE "))
            if found is None:
                warnings.append(f"{column.name}: {text} is not supported; the foreign key uses ON DELETE RESTRICT")
            else:
                on_delete = found
    column.references = (_ident_name(parent.this, dialect), keys[0], on_delete)
    warnings.append(
        f"{column.name}: a foreign key to {column.references[0]}.{keys[0]}; that table must exist on the platform "
        "before this one is created"
    )


def _read_parts(parts: list[exp.Expression], index: _Index, dialect: Dialect) -> None:
    """The columns of an index as written: plain columns go in; sort order and operator classes are dropped
    with a warning; an expression keeps the index out, and so does a prefix of a unique one."""
    for part in parts:
        shown = part.sql(dialect)
        node: exp.Expression = part
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
            index.add_prefix(_ident_name(node.this, dialect), length, shown)
        elif dialect == "mysql" and _is_prefix_call(node):
            # In CREATE INDEX, MySQL's `name(10)` prefix reads like a call of a function `name`.
            assert isinstance(node, exp.Anonymous)
            index.add_prefix(str(node.this).lower(), int(node.expressions[0].this))
        elif isinstance(node, exp.Identifier):
            index.add_column(_ident_name(node, dialect), shown if shown != node.sql(dialect) else None)
        else:
            index.shown.append(shown)
            index.blockers.append(f"{shown} is an expression, not a column")


def _is_prefix_call(node: exp.Expression) -> bool:
    args = node.expressions if isinstance(node, exp.Anonymous) else []
    return len(args) == 1 and isinstance(args[0], exp.Literal) and not args[0].is_string


def _add_index(index: _Index, table: _Table) -> None:
    """Keep an index for `_build`, or say why it was not imported."""
    if not index.columns and not index.blockers:
        return
    if index.blockers:
        table.warnings.append(f"{index.what} was not imported ({'; '.join(index.blockers)})")
        return
    table.indexes.append(index)


def _other_statement(statement: exp.Expr, table: _Table, dialect: Dialect) -> None:
    if isinstance(statement, exp.Comment):
        text = _string_value(statement.expression) or ""
        kind = str(statement.args.get("kind", "")).upper()
        target = statement.this
        if kind == "TABLE":
            table.description = text
            return
        if kind == "COLUMN" and isinstance(target, exp.Column):
            column = table.column(_ident_name(target.this, dialect))
            if column is not None:
                column.description = text
                return
    if isinstance(statement, exp.Create) and str(statement.args.get("kind", "")).upper() == "INDEX":
        _create_index(statement, table, dialect)
        return
    table.warnings.append(f"the statement {_statement_kind(statement)} was ignored")


def _create_index(statement: exp.Create, table: _Table, dialect: Dialect) -> None:
    """CREATE [UNIQUE] INDEX name ON table (...) [INCLUDE (...)] [WHERE ...]."""
    node = statement.this
    if not isinstance(node, exp.Index):
        table.warnings.append(f"the statement {statement.sql(dialect)[:120]} was ignored")
        return
    unique = bool(statement.args.get("unique"))
    index = _Index("unique index" if unique else "index", _ident_name(node.this, dialect) or None, unique)
    params = node.args.get("params")
    if isinstance(params, exp.IndexParameters):
        _read_parts(params.args.get("columns") or [], index, dialect)
        using = params.args.get("using")
        if using is not None and using.name.upper() != "BTREE":
            index.dropped.append(f"USING {using.name}")
        if params.args.get("include"):
            index.dropped.append(f"INCLUDE ({', '.join(c.sql(dialect) for c in params.args['include'])})")
        where = params.args.get("where")
        if isinstance(where, exp.Where):
            _partial(index, where.this, dialect)
    target = node.args.get("table")
    on = _ident_name(target.this, dialect) if isinstance(target, exp.Table) else ""
    schema = _ident_name(target.args.get("db"), dialect) if isinstance(target, exp.Table) else ""
    if on != table.name or (schema and table.schema and schema != table.schema):
        shown = target.sql(dialect) if isinstance(target, exp.Table) else "another table"
        table.warnings.append(f"{index.what} was not imported (it is on {shown}, not on {table.name})")
        return
    _add_index(index, table)


def _partial(index: _Index, condition: exp.Expr | str, dialect: Dialect) -> None:
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
        and _ident_name(test.this.this, dialect) in columns
    )


# -- an existing table -------------------------------------------------------------------------------------


def infer_from_database(url: str, table: str, schema: str | None = None) -> tuple[TableSpec, list[str]]:
    """The definition of an existing table, read through SQLAlchemy's reflection (nothing is written)."""
    engine = sa.create_engine(url)
    try:
        dialect: Dialect = "mysql" if engine.dialect.name in ("mysql", "mariadb") else "postgres"
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            if not inspector.has_table(table, schema=schema):
                where = f"{schema}.{table}" if schema else table
                raise SqlImportError("not_found", f"there is no table {where!r} in that database")
            reflected = _reflect(conn, inspector, table, schema, dialect)
    finally:
        engine.dispose()
    inferred = _build(reflected, dialect)
    return inferred.spec, inferred.warnings


def _reflect(conn: sa.Connection, inspector: Any, name: str, schema: str | None, dialect: Dialect) -> _Table:
    table = _Table(name.lower() if dialect == "mysql" else name, False, [])
    pk = set(inspector.get_pk_constraint(name, schema=schema).get("constrained_columns") or [])
    for info in inspector.get_columns(name, schema=schema):
        column_name = info["name"].lower() if dialect == "mysql" else info["name"]
        type_sql = info["type"].compile(dialect=conn.dialect)
        try:
            dtype: exp.DataType | None = exp.DataType.build(type_sql, dialect=dialect)
        except (ParseError, TokenError, ValueError):
            dtype = None
            table.warnings.append(f"{column_name}: the type {type_sql} is unknown to the parser")
        column = _Column(column_name, False, dtype, nullable=bool(info.get("nullable", True)))
        column.primary_key = info["name"] in pk
        column.description = info.get("comment") or ""
        default = info.get("default")
        if info.get("identity") is not None or (info.get("autoincrement") is True and column.primary_key):
            column.autoincrement = True
        if isinstance(default, str):
            if "nextval(" in default.lower():
                column.autoincrement = True
            else:
                try:
                    column.default = sqlglot.parse_one(default, read=dialect)
                except (ParseError, TokenError):
                    table.warnings.append(f"{column_name}: the default {default[:80]} was not imported")
        table.columns.append(column)
    _reflect_indexes(conn, inspector, table, name, schema, dialect)
    for fk in inspector.get_foreign_keys(name, schema=schema):
        constrained = [n.lower() if dialect == "mysql" else n for n in fk["constrained_columns"]]
        referred = fk["referred_columns"]
        child = table.column(constrained[0]) if len(constrained) == 1 and len(referred) == 1 else None
        if child is None:
            table.warnings.append(
                f"the foreign key ({', '.join(constrained)}) → {fk['referred_table']} was not imported "
                "(only single-column foreign keys are)"
            )
            continue
        on_delete = " ".join(str((fk.get("options") or {}).get("ondelete") or "RESTRICT").upper().split())
        if on_delete not in _ON_DELETE:
            table.warnings.append(f"{child.name}: ON DELETE {on_delete} is not supported; RESTRICT is used")
        parent = fk["referred_table"].lower() if dialect == "mysql" else fk["referred_table"]
        key = referred[0].lower() if dialect == "mysql" else referred[0]
        child.references = (parent, key, _ON_DELETE.get(on_delete, "restrict"))
        table.warnings.append(
            f"{child.name}: a foreign key to {parent}.{key}; that table must exist on the platform before this one "
            "is created"
        )
    with contextlib.suppress(NotImplementedError):  # dialects without table comments
        table.description = (inspector.get_table_comment(name, schema=schema) or {}).get("text") or ""
    return table


_SKIPPED_EXPRESSION = re.compile(r"Skipped unsupported reflection of expression-based index (\S+)")


def _reflect_indexes(
    conn: sa.Connection, inspector: Any, table: _Table, name: str, schema: str | None, dialect: Dialect
) -> None:
    """Unique constraints and indexes. A database lists a unique constraint's index too (PostgreSQL marks it
    `duplicates_constraint`); MySQL lists each unique key as both, and only the index says its prefix lengths,
    so there the index is read and the constraint (`duplicates_index`) skipped."""
    with python_warnings.catch_warnings(record=True) as caught:
        python_warnings.simplefilter("always")
        constraints = inspector.get_unique_constraints(name, schema=schema)
        indexes = inspector.get_indexes(name, schema=schema)
    skipped: dict[str, None] = {}  # in order, once each: both calls say it
    for warning in caught:
        found = _SKIPPED_EXPRESSION.search(str(warning.message))
        if found:  # SQLite: SQLAlchemy leaves expression indexes out, saying so only in this warning
            skipped[found.group(1)] = None
        else:
            python_warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    table.warnings += [f"the index {index} was not imported (it is on an expression)" for index in skipped]
    if conn.dialect.name == "sqlite":
        constraints = [*constraints, *_sqlite_unique_constraints(conn, name, schema)]
    for constraint in constraints:
        if constraint.get("duplicates_index"):
            continue
        index = _Index("unique constraint", constraint.get("name"), True)
        for column in constraint["column_names"]:
            index.add_column(column.lower() if dialect == "mysql" else column)
        _reflected_options(index, constraint.get("dialect_options") or {}, dialect)
        _add_index(index, table)
    for info in indexes:
        if info.get("duplicates_constraint"):
            continue
        unique = bool(info.get("unique"))
        index = _Index("unique index" if unique else "index", info.get("name"), unique)
        options = info.get("dialect_options") or {}
        lengths = options.get("mysql_length") or {}
        expressions = info.get("expressions") or []
        for position, column in enumerate(info["column_names"]):
            if column is None:
                shown = str(expressions[position]) if position < len(expressions) else "an expression"
                index.shown.append(shown)
                index.blockers.append(f"{shown} is an expression, not a column")
                continue
            own = column.lower() if dialect == "mysql" else column
            length = lengths.get(column) if isinstance(lengths, dict) else lengths
            if length:
                index.add_prefix(own, int(length))
            else:
                index.add_column(own)
            if "desc" in (info.get("column_sorting") or {}).get(column, ()):
                index.dropped.append(f"the descending order of {own}")
        _reflected_options(index, options, dialect)
        _add_index(index, table)


def _sqlite_unique_constraints(conn: sa.Connection, name: str, schema: str | None) -> list[dict[str, Any]]:
    """SQLite's own list of its UNIQUE constraints (the indexes it made for them): SQLAlchemy reads them from
    the CREATE TABLE text and misses some, e.g. `code VARCHAR(20) UNIQUE`. Repeats of what it found are
    removed later, as the same rule twice."""
    found: list[dict[str, Any]] = []
    listed = sa.text("SELECT name FROM pragma_index_list(:table, :schema) WHERE origin = 'u' AND \"unique\" = 1")
    columns = sa.text("SELECT name FROM pragma_index_info(:index, :schema) ORDER BY seqno")
    for (index,) in conn.execute(listed, {"table": name, "schema": schema or "main"}):
        names = [column for (column,) in conn.execute(columns, {"index": index, "schema": schema or "main"})]
        if names and None not in names:
            found.append({"name": None, "column_names": names})
    return found


def _reflected_options(index: _Index, options: dict[str, Any], dialect: Dialect) -> None:
    """The dialect-specific details SQLAlchemy reflects for an index or unique constraint."""
    where = options.get("postgresql_where", options.get("sqlite_where"))
    if where is not None:
        _partial(index, str(where).strip(), dialect)
    prefix = options.get("mysql_prefix")
    if prefix:
        index.kind = f"{str(prefix).lower()} index"
        index.blockers.append(f"a {prefix} index is not a plain index on the columns")
    using = options.get("postgresql_using") or options.get("mysql_using")
    if using and str(using).upper() != "BTREE":
        index.dropped.append(f"USING {using}")
    for column, opclass in (options.get("postgresql_ops") or {}).items():
        index.dropped.append(f"the operator class {opclass} of {column}")
    if options.get("postgresql_nulls_not_distinct"):
        index.dropped.append("NULLS NOT DISTINCT (rows with a null in one of the fields are not compared)")
    if options.get("postgresql_include"):
        index.dropped.append(f"INCLUDE ({', '.join(options['postgresql_include'])})")


# -- the common part: names, types, constraints → TableSpec ------------------------------------------------


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


def _check_names(table: _Table) -> None:
    issues: list[ImportIssue] = []
    problem = identifier_problem(table.name)
    if problem:
        issues.append(ImportIssue("table_name", problem, suggest_identifier(table.name)))
    for column in table.columns:
        problem = identifier_problem(column.name)
        if problem:
            issues.append(ImportIssue(f"fields.{column.name[:80]}", problem, suggest_identifier(column.name)))
    if issues:
        fixes = "; ".join(
            f"{issue.location}: {issue.message}" + (f" (suggested: {issue.suggestion!r})" if issue.suggestion else "")
            for issue in issues[:5]
        )
        raise SqlImportError("identifier", f"some names break the naming rules: {fixes}", issues)


def _build(table: _Table, dialect: Dialect) -> InferredTable:
    _check_names(table)
    if len(table.columns) > MAX_FIELDS:
        raise SqlImportError("too_many_fields", f"a table can have at most {MAX_FIELDS} fields ({len(table.columns)})")
    indexes = _settle_indexes(table)
    warnings = list(table.warnings)
    fields: list[FieldSpec] = []
    for column in table.columns:
        values = _field_values(column, dialect, warnings)
        try:
            fields.append(FieldSpec.model_validate(values))
        except ValidationError as exc:
            # A constraint we inferred does not hold together (e.g. a default outside our rules): drop it.
            values.pop("default", None)
            try:
                fields.append(FieldSpec.model_validate(values))
            except ValidationError:
                raise SqlImportError("invalid_spec", f"{column.name}: {_first_error(exc)}") from exc
            warnings.append(f"{column.name}: the default was not imported ({_first_error(exc)})")
    try:
        spec = TableSpec(table_name=table.name, description=table.description[:5000], fields=fields)
    except (ValidationError, SpecError) as exc:
        message = _first_error(exc) if isinstance(exc, ValidationError) else str(exc)
        raise SqlImportError("invalid_spec", message) from exc
    return InferredTable(_with_indexes(spec, indexes, warnings), warnings)


def _settle_indexes(table: _Table) -> list[_Index]:
    """What the definition's own keys already say goes there: a unique index or constraint on the primary key
    is the key's own, one on a single column is that field's `unique`. The rest, for `_with_indexes`."""
    primary_key = {column.name for column in table.columns if column.primary_key}
    rest: list[_Index] = []
    for index in table.indexes:
        if index.unique and set(index.columns) == primary_key:
            continue
        column = table.column(index.columns[0]) if index.unique and len(index.columns) == 1 else None
        if column is not None and column.name == index.columns[0]:
            column.unique = True
            _note_dropped(index, table.warnings)
            continue
        rest.append(index)
    return rest


def _note_dropped(index: _Index, warnings: list[str]) -> None:
    if index.dropped:
        warnings.append(f"{index.what} was imported without {'; '.join(index.dropped)}")


def _with_indexes(spec: TableSpec, indexes: list[_Index], warnings: list[str]) -> TableSpec:
    """`spec` with each index that keeps it valid; one that breaks a rule of the definitions (a field of a
    type that cannot be indexed, too many fields ...) is left out with a warning naming it, and one whose
    name is taken or breaks the naming rules gets its derived name instead."""
    accepted: list[IndexSpec] = []
    shapes: set[tuple[tuple[str, ...], bool]] = set()
    for index in indexes:
        shape = (tuple(index.columns), index.unique)
        if shape in shapes:
            continue  # the same rule twice (e.g. a constraint and an index on the same columns)
        names: list[str | None] = [None]
        if index.name is not None:
            problem = identifier_problem(index.name)
            if problem:
                warnings.append(f"{index.what}: the name {problem}; it gets a derived one")
            else:
                names.insert(0, index.name)
        first_error: str | None = None
        for name in names:
            try:
                candidate = IndexSpec(name=name, fields=index.columns, unique=index.unique)
                checked = TableSpec(
                    table_name=spec.table_name,
                    description=spec.description,
                    fields=spec.fields,
                    indexes=[*accepted, candidate],
                )
            except (ValidationError, SpecError) as exc:
                first_error = first_error or _spec_problem(exc)
                continue
            accepted = list(checked.indexes)
            shapes.add(shape)
            _note_dropped(index, warnings)
            if first_error is not None:
                warnings.append(f"{index.what} was imported as {accepted[-1].name} ({first_error})")
            break
        else:
            warnings.append(f"{index.what} was not imported ({first_error})")
    if not accepted:
        return spec
    return TableSpec(table_name=spec.table_name, description=spec.description, fields=spec.fields, indexes=accepted)


def _spec_problem(exc: ValidationError | SpecError) -> str:
    if isinstance(exc, SpecError):
        return exc.message
    errors = exc.errors()
    cause = errors[0].get("ctx", {}).get("error") if errors else None
    return cause.message if isinstance(cause, SpecError) else _first_error(exc)


def _first_error(exc: ValidationError) -> str:
    errors = exc.errors()
    return str(errors[0]["msg"]).removeprefix("Value error, ") if errors else str(exc)


_TEXT = {DType.TEXT, DType.MEDIUMTEXT, DType.LONGTEXT, DType.TINYTEXT, DType.NAME}
_STRINGS = {DType.VARCHAR, DType.NVARCHAR, DType.CHAR, DType.NCHAR, DType.BPCHAR}
_SMALL_INTEGERS: dict[DType, tuple[int, int]] = {
    DType.TINYINT: (-128, 127),
    DType.UTINYINT: (0, 255),
    DType.SMALLINT: (-32768, 32767),
    DType.USMALLINT: (0, 65535),
    DType.MEDIUMINT: (-8388608, 8388607),
    DType.UMEDIUMINT: (0, 16777215),
    DType.SMALLSERIAL: (1, 32767),
}
_INTEGERS = {DType.INT, DType.SERIAL}
_BIG_INTEGERS = {DType.BIGINT, DType.BIGSERIAL}
_FLOATS = {DType.FLOAT, DType.DOUBLE}
_DATETIMES = {DType.DATETIME, DType.TIMESTAMP, DType.DATETIME2, DType.SMALLDATETIME, DType.TIMESTAMPNTZ}
_ZONED = {DType.TIMESTAMPTZ, DType.TIMESTAMPLTZ}
_SERIALS = {DType.SERIAL, DType.BIGSERIAL, DType.SMALLSERIAL}
_EMAIL_NAME = re.compile(r"(^|_)e_?mail(_|$)")
_URL_NAME = re.compile(r"(^|_)(url|uri|website|homepage|link)(_|$)")


def _params(dtype: exp.DataType) -> list[int]:
    numbers: list[int] = []
    for param in dtype.expressions:
        value = param.this if isinstance(param, exp.DataTypeParam) else param
        if isinstance(value, exp.Literal) and not value.is_string:
            try:
                numbers.append(int(value.this))
            except ValueError:
                continue
    return numbers


def _field_values(column: _Column, dialect: Dialect, warnings: list[str]) -> dict[str, Any]:
    """The FieldSpec (as a dict) of one column; what does not fit our types goes to `warnings`."""
    name = column.name
    values: dict[str, Any] = {"name": name, "description": column.description[:1000]}
    dtype = column.dtype
    kind = dtype.this if dtype is not None else None
    shown = dtype.sql(dialect) if dtype is not None else "an unknown type"
    params = _params(dtype) if dtype is not None else []

    def nearest(storage: StorageType, why: str) -> None:
        values["type"] = storage
        warnings.append(f"{name}: {shown} is not supported; imported as {storage.value} ({why})")

    if kind in _STRINGS:
        length = params[0] if params else None
        if length is None and kind in (DType.VARCHAR, DType.NVARCHAR):
            values["type"] = StorageType.TEXT  # PostgreSQL's varchar without a length is unlimited
        else:
            values["type"] = StorageType.STRING
            values["max_length"] = min(length or 1, _MAX_LENGTH_LIMIT)
            if kind in (DType.CHAR, DType.NCHAR, DType.BPCHAR):
                warnings.append(f"{name}: fixed-length {shown} imported as a string of at most {length or 1}")
    elif kind in _TEXT:
        values["type"] = StorageType.TEXT
    elif kind is DType.TINYINT and dialect == "mysql" and params == [1]:
        values["type"] = StorageType.BOOLEAN  # MySQL's BOOLEAN is TINYINT(1)
    elif (kind is DType.BIT and params in ([], [1])) or kind is DType.BOOLEAN:
        values["type"] = StorageType.BOOLEAN
    elif kind in _SMALL_INTEGERS:
        values["type"] = StorageType.INTEGER
        values["min"], values["max"] = _SMALL_INTEGERS[kind]
    elif kind in _INTEGERS:
        values["type"] = StorageType.INTEGER
    elif kind is DType.UINT:
        values["type"], values["min"], values["max"] = StorageType.BIG_INTEGER, 0, 2**32 - 1
    elif kind in _BIG_INTEGERS:
        values["type"] = StorageType.BIG_INTEGER
    elif kind is DType.UBIGINT:
        values["type"], values["min"] = StorageType.BIG_INTEGER, 0
        warnings.append(f"{name}: {shown} imported as big_integer; values above {2**63 - 1} cannot be stored")
    elif kind in (DType.DECIMAL, DType.UDECIMAL, DType.BIGDECIMAL):
        values["type"] = StorageType.DECIMAL
        if params:
            precision = min(params[0], _MAX_PRECISION)
            values["precision"], values["scale"] = precision, min(params[1] if len(params) > 1 else 0, precision)
        else:
            warnings.append(f"{name}: {shown} has no precision; imported as decimal(18,2), check the scale")
        if kind is DType.UDECIMAL:
            values["min"] = 0
    elif kind is DType.MONEY:
        values["type"], values["precision"], values["scale"] = StorageType.DECIMAL, 19, 2
        warnings.append(f"{name}: money imported as decimal(19,2)")
    elif kind in _FLOATS:
        values["type"] = StorageType.FLOAT
    elif kind is DType.DATE:
        values["type"] = StorageType.DATE
    elif kind in _DATETIMES:
        values["type"] = StorageType.DATETIME
    elif kind in _ZONED:
        values["type"] = StorageType.DATETIME
        warnings.append(f"{name}: {shown} imported as datetime without a time zone")
    elif kind is DType.YEAR:
        values["type"], values["min"], values["max"] = StorageType.INTEGER, 1901, 2155
        warnings.append(f"{name}: year imported as an integer between 1901 and 2155")
    elif kind is DType.UUID:
        values["type"] = StorageType.UUID
    elif kind is DType.TIME:
        values["type"] = StorageType.TIME
    elif kind is DType.TIMETZ:
        values["type"] = StorageType.TIME
        warnings.append(f"{name}: {shown} imported as time without a time zone")
    elif kind in (DType.JSON, DType.JSONB):
        values["type"] = StorageType.JSON
    elif kind in (DType.ENUM, DType.ENUM8, DType.ENUM16):
        choices = [_string_value(e) for e in (dtype.expressions if dtype is not None else [])]
        labels = [c for c in choices if c is not None]
        values["type"] = StorageType.STRING
        values["max_length"] = max((len(c) for c in labels), default=1) or 1
        if labels:
            values["choices"] = labels
    else:
        nearest(StorageType.TEXT, "stored as text")
    if values["type"] is StorageType.STRING and "choices" not in values and "generator" not in values:
        limit = values.get("max_length", DEFAULT_MAX_LENGTH[StorageType.STRING])
        if _EMAIL_NAME.search(name) and limit >= 6:
            values["type"] = StorageType.EMAIL
        elif _URL_NAME.search(name) and limit >= 12:
            values["type"] = StorageType.URL
    if column.references is not None:
        parent, key, on_delete = column.references
        # The column takes the parent key's type when the table is created; the SQL type is not kept.
        values = {"name": name, "description": values["description"], "type": StorageType.FOREIGN_KEY}
        values["references"] = {"table": parent, "field": key, "on_delete": on_delete}
        if on_delete == "set null" and not column.nullable:
            values["references"]["on_delete"] = "restrict"
            warnings.append(f"{name}: ON DELETE SET NULL on a NOT NULL column; RESTRICT is used")
    values["primary_key"] = column.primary_key
    values["nullable"] = column.nullable and not column.primary_key
    values["unique"] = column.unique and not column.primary_key and TYPE_TRAITS[values["type"]].key
    if column.unique and not TYPE_TRAITS[values["type"]].key and values["type"] is not StorageType.BOOLEAN:
        warnings.append(f"{name}: a {values['type'].value} field cannot be unique; the unique constraint was dropped")
    if column.references is not None:
        if column.default is not None or column.autoincrement:
            warnings.append(f"{name}: a foreign key takes its values from the parent's keys; its default was dropped")
    elif column.autoincrement or kind in _SERIALS:
        values["generator"] = {"kind": "sequence"}
    elif column.default is not None:
        default = _default_value(column.default, values["type"])
        if default is _UNSUPPORTED:
            warnings.append(
                f"{name}: the default {column.default.sql(dialect)[:80]} was not imported (only constant defaults are)"
            )
        else:
            values["default"] = default
    return values


_UNSUPPORTED: Any = object()


def _string_value(node: exp.Expression | None) -> str | None:
    if isinstance(node, exp.Literal) and node.is_string:
        return str(node.this)
    return None


def _default_value(node: exp.Expr, storage: StorageType) -> JsonScalar | Any:
    """A constant default as a JSON value of the field's type, else _UNSUPPORTED."""
    while isinstance(node, exp.Cast | exp.Paren):
        node = node.this
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Boolean):
        value: bool = bool(node.this)
        if storage is StorageType.BOOLEAN:
            return value
        return _UNSUPPORTED
    negative = isinstance(node, exp.Neg)
    if negative:
        node = node.this
    if not isinstance(node, exp.Literal):
        return _UNSUPPORTED
    text = ("-" if negative else "") + str(node.this)
    if storage is StorageType.BOOLEAN:
        lowered = text.strip().lower()
        if lowered in ("1", "t", "true", "y", "yes"):
            return True
        if lowered in ("0", "f", "false", "n", "no"):
            return False
        return _UNSUPPORTED
    if storage in INTEGER_LIMITS or storage in (StorageType.DECIMAL, StorageType.FLOAT):
        try:
            number = Decimal(text)
        except InvalidOperation:
            return _UNSUPPORTED
        if not number.is_finite():
            return _UNSUPPORTED
        if storage in INTEGER_LIMITS:
            return int(number) if number == number.to_integral_value() else _UNSUPPORTED
        if storage is StorageType.FLOAT:
            return float(number)
        return str(number)  # decimal: exact, as text
    if node.is_string or storage in (StorageType.DATE, StorageType.DATETIME):
        return text
    return _UNSUPPORTED
