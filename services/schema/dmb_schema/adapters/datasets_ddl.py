"""DDL on the datasets database: the only place in the platform that creates or drops users' tables.

Every method takes the owner's spec or plan and the owner, and works on the physical names
(dmb_common.namespaces); a refusal names the tables as their owner does."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import sqlalchemy as sa
from dmb_common.datasets import table_for
from dmb_common.namespaces import hide_physical_names, physical_field, physical_index, physical_spec
from dmb_contracts.fields import FieldSpec, IndexSpec, TableSpec
from dmb_contracts.table_order import parents_first
from dmb_schema.adapters import alter
from dmb_schema.domain.diff import AlterPlan
from dmb_schema.domain.table_sets import back_references
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError


class MigrationFailed(Exception):
    """The database refused the change; it was rolled back and nothing changed."""

    def __init__(self, message: str, field: str | None = None, rule: str = "migration") -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule


@dataclass(frozen=True)
class MigrationOutcome:
    operations: list[str]
    seconds: float
    adopted: bool = False


@dataclass(frozen=True)
class SetOutcome:
    """The operations of each table of a set, in the order created, and the time the whole set took."""

    per_table: list[list[str]]
    seconds: float


P = ParamSpec("P")
R = TypeVar("R")


def _in_owner_names(method: Callable[P, R]) -> Callable[P, R]:
    """A refusal's message (ours or the database's) with the physical names taken out."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except MigrationFailed as exc:
            raise MigrationFailed(hide_physical_names(str(exc)), exc.field, exc.rule) from exc

    return wrapper


def physical_plan(plan: AlterPlan, owner_id: uuid.UUID | None) -> AlterPlan:
    """The plan with every table, index and referenced-table name the database's (columns keep theirs)."""

    def field(spec: FieldSpec) -> FieldSpec:
        return physical_field(spec, owner_id)

    def old_index(index: IndexSpec) -> IndexSpec:
        return physical_index(index, plan.old.table_name, owner_id)

    def new_index(index: IndexSpec) -> IndexSpec:
        return physical_index(index, plan.new.table_name, owner_id)

    return dataclasses.replace(
        plan,
        old=physical_spec(plan.old, owner_id),
        new=physical_spec(plan.new, owner_id),
        added=[field(spec) for spec in plan.added],
        dropped=[field(spec) for spec in plan.dropped],
        kept=[dataclasses.replace(change, old=field(change.old), new=field(change.new)) for change in plan.kept],
        added_indexes=[new_index(index) for index in plan.added_indexes],
        dropped_indexes=[old_index(index) for index in plan.dropped_indexes],
        rebuilt_indexes=[(old_index(old), new_index(new)) for old, new in plan.rebuilt_indexes],
    )


class DatasetsDDL:
    def __init__(self, engine: Engine, schema: str | None) -> None:
        self.engine = engine
        self.schema = schema
        if engine.dialect.name == "sqlite":
            # pysqlite runs DDL outside any transaction by default; take the transaction into our own hands
            # so a failed migration (create, copy, drop, rename of a batch alter) rolls back as a whole.
            event.listen(engine, "begin", _sqlite_begin)

    def ensure_schema(self) -> None:
        if self.schema and self.engine.dialect.name == "postgresql":
            with self.engine.begin() as conn:
                conn.execute(sa.schema.CreateSchema(self.schema, if_not_exists=True))

    @_in_owner_names
    def create_table(self, spec: TableSpec, owner_id: uuid.UUID | None) -> MigrationOutcome:
        """Create the table in one transaction. A table that already matches the spec is adopted, so a
        redelivered command after a crash between DDL and bookkeeping does not fail."""
        started = time.perf_counter()
        spec = physical_spec(spec, owner_id)
        try:
            with self.engine.begin() as conn:
                operations, adopted = self._create_or_adopt(conn, spec)
        except SQLAlchemyError as exc:
            raise MigrationFailed(f"the database refused to create {spec.table_name!r}: {_short(exc)}") from exc
        return MigrationOutcome(operations, time.perf_counter() - started, adopted)

    @_in_owner_names
    def create_tables(self, specs: list[TableSpec], owner_id: uuid.UUID | None) -> SetOutcome:
        """Create the tables in this order (parents first), all or none: in one transaction where DDL is
        transactional (PostgreSQL, SQLite); MySQL/MariaDB commit each CREATE TABLE on their own, so there the
        tables created before a failure are dropped again (in reverse order) before MigrationFailed."""
        started = time.perf_counter()
        specs = [physical_spec(spec, owner_id) for spec in specs]
        deferred = back_references(specs)
        if self.engine.dialect.name in ("mysql", "mariadb"):
            per_table = self._create_compensating(specs, deferred)
        else:
            try:
                with self.engine.begin() as conn:
                    per_table = [self._create_or_adopt(conn, spec, deferred)[0] for spec in specs]
                    self._add_back_references(conn, specs, deferred, per_table)
            except SQLAlchemyError as exc:
                raise MigrationFailed(f"the database refused to create the tables: {_short(exc)}") from exc
        return SetOutcome(per_table, time.perf_counter() - started)

    def _add_back_references(
        self, conn: sa.Connection, specs: list[TableSpec], deferred: dict[str, list[str]], per_table: list[list[str]]
    ) -> None:
        """The foreign keys that close a circle, once every table exists (SQLite has them in CREATE TABLE
        already: it accepts a reference to a table created later, and cannot add a constraint afterwards)."""
        if not deferred or not self.engine.dialect.supports_alter:
            return
        for position, spec in enumerate(specs):
            for constraint in _deferred_constraints(table_for(spec, self.schema), deferred.get(spec.table_name, [])):
                conn.execute(sa.schema.AddConstraint(constraint))
                per_table[position].append(str(sa.schema.AddConstraint(constraint).compile(self.engine)).strip())

    def _create_compensating(self, specs: list[TableSpec], deferred: dict[str, list[str]]) -> list[list[str]]:
        created: list[TableSpec] = []
        per_table: list[list[str]] = []
        try:
            for spec in specs:
                with self.engine.begin() as conn:
                    operations, adopted = self._create_or_adopt(conn, spec, deferred)
                if not adopted:
                    created.append(spec)
                per_table.append(operations)
            with self.engine.begin() as conn:
                self._add_back_references(conn, specs, deferred, per_table)
        except (SQLAlchemyError, MigrationFailed) as exc:
            for spec in reversed(created):
                with self.engine.begin() as conn:
                    table_for(spec, self.schema).drop(conn, checkfirst=True)
            if isinstance(exc, MigrationFailed):
                raise
            raise MigrationFailed(f"the database refused to create the tables: {_short(exc)}") from exc
        return per_table

    def _create_or_adopt(
        self, conn: sa.Connection, spec: TableSpec, deferred: dict[str, list[str]] | None = None
    ) -> tuple[list[str], bool]:
        """CREATE TABLE with its indexes, or adopt a table of that name that has the spec's columns. The
        foreign keys in `deferred` (a circle's closing edges) are left out where they can be added later."""
        table = table_for(spec, self.schema)
        if self.engine.dialect.supports_alter:
            for constraint in _deferred_constraints(table, (deferred or {}).get(spec.table_name, [])):
                constraint.use_alter = True  # Table.create leaves it out; _add_back_references adds it
        inspector = sa.inspect(conn)
        if inspector.has_table(spec.table_name, schema=self.schema):
            existing = [column["name"] for column in inspector.get_columns(spec.table_name, schema=self.schema)]
            if existing == [field.name for field in spec.fields]:
                return [f"adopt table {spec.table_name}"], True
            raise MigrationFailed(f"a table named {spec.table_name!r} already exists in the datasets database")
        _refuse_taken_index_names(conn, {alter.index_name(index, spec) for index in spec.indexes}, self.schema)
        table.create(conn)
        return [str(sa.schema.CreateTable(table).compile(self.engine)).strip()], False

    @_in_owner_names
    def drop_table(self, spec: TableSpec, owner_id: uuid.UUID | None) -> MigrationOutcome:
        started = time.perf_counter()
        spec = physical_spec(spec, owner_id)
        table = table_for(spec, self.schema)
        try:
            with self.engine.begin() as conn:
                table.drop(conn, checkfirst=True)
        except SQLAlchemyError as exc:
            raise MigrationFailed(f"the database refused to drop {spec.table_name!r}: {_short(exc)}") from exc
        return MigrationOutcome([f"DROP TABLE {spec.table_name}"], time.perf_counter() - started)

    @_in_owner_names
    def alter_table(self, plan: AlterPlan, owner_id: uuid.UUID | None) -> MigrationOutcome:
        """Apply `plan` in one transaction: checks of the existing rows, then the DDL. Anything refused or
        failed rolls the whole change back (MySQL/MariaDB: the DDL is one ALTER TABLE statement, which the
        server applies completely or not at all). A table that already has the new shape (a redelivered command
        after a crash between the DDL and the bookkeeping) is adopted."""
        started = time.perf_counter()
        plan = physical_plan(plan, owner_id)
        name = plan.old.table_name
        try:
            with _transaction_for_rebuilds(self.engine) as conn:
                new_indexes = frozenset(alter.index_name(index, plan.new) for index in plan.new.indexes)
                old_indexes = frozenset(alter.index_name(index, plan.old) for index in plan.old.indexes)
                done = alter.has_shape(conn, plan.new, self.schema, absent_indexes=old_indexes - new_indexes)
                if done and not alter.has_shape(conn, plan.old, self.schema, absent_indexes=new_indexes - old_indexes):
                    return MigrationOutcome([f"adopt table {plan.new.table_name}"], time.perf_counter() - started, True)
                if not sa.inspect(conn).has_table(name, schema=self.schema):
                    raise MigrationFailed(f"table {name!r} is missing from the datasets database")
                _refuse_taken_index_names(
                    conn, {alter.index_name(index, plan.new) for index in plan.added_indexes} - old_indexes, self.schema
                )
                alter.lock(conn, plan.old, self.schema)
                problem = alter.check_rows(conn, plan, self.schema)
                if problem is not None:
                    raise MigrationFailed(problem.message, problem.field, problem.rule)
                statements = alter.apply(conn, plan, self.schema)
                _check_foreign_keys(conn)
                if not alter.has_shape(
                    conn, plan.new, self.schema, types=False, absent_indexes=old_indexes - new_indexes
                ):
                    raise MigrationFailed(
                        f"after the change {plan.new.table_name!r} does not have the new fields and indexes"
                    )
        except SQLAlchemyError as exc:
            raise MigrationFailed(f"the database refused to alter {name!r}: {_short(exc)}") from exc
        return MigrationOutcome(statements, time.perf_counter() - started)

    def move_into_namespace(self, specs: list[TableSpec], owner_id: uuid.UUID) -> list[str]:
        """Tables made before owners had namespaces, still under their owner's names, moved to their physical
        names with their rows (parents first, so foreign keys hold); returns the names moved. A table already
        moved is left alone; a half-made copy of an interrupted move (MariaDB commits each DDL statement) is
        made again. One transaction where the database has transactional DDL (PostgreSQL, SQLite)."""
        order = parents_first(specs, cycles="keep_given_order")
        moved: list[str] = []
        with _transaction_for_rebuilds(self.engine) as conn, _no_foreign_key_checks_on_mysql(conn):
            present = set(sa.inspect(conn).get_table_names(schema=self.schema))
            legacy = [specs[i] for i in order if specs[i].table_name in present]
            for spec in legacy:
                physical = physical_spec(spec, owner_id)
                table, old = table_for(physical, self.schema), table_for(spec, self.schema)
                if physical.table_name in present:
                    if conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one():
                        continue  # moved already, and written to since: the old table is a leftover
                    table.drop(conn)
                table.create(conn)
                columns = [field.name for field in spec.fields]
                conn.execute(sa.insert(table).from_select(columns, sa.select(*(old.c[name] for name in columns))))
                moved.append(spec.table_name)
            for spec in reversed(legacy):
                if spec.table_name in moved:
                    table_for(spec, self.schema).drop(conn)
        return moved


@contextlib.contextmanager
def _no_foreign_key_checks_on_mysql(conn: sa.Connection) -> Iterator[None]:
    """MySQL/MariaDB check a foreign key per row of an INSERT ... SELECT: a self-reference to a later row
    would fail mid-copy. The rows are copied as they are, so the checks add nothing."""
    if conn.dialect.name not in ("mysql", "mariadb"):
        yield
        return
    conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS=0")
    try:
        yield
    finally:
        conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS=1")


def _refuse_taken_index_names(conn: sa.Connection, names: set[str], schema: str | None) -> None:
    taken = sorted(alter.taken_names(conn, names, schema))
    if taken:
        raise MigrationFailed(
            f"index name {taken[0]!r} is already used by another table in the datasets database; "
            "give the index another name",
            taken[0],
            "index",
        )


def _deferred_constraints(table: sa.Table, fields: list[str]) -> list[sa.ForeignKeyConstraint]:
    return [
        constraint
        for constraint in table.foreign_key_constraints
        if any(column.name in fields for column in constraint.columns)
    ]


def _sqlite_begin(conn: sa.Connection) -> None:
    driver = conn.connection.driver_connection
    if driver is not None and driver.isolation_level is not None:
        driver.isolation_level = None  # no implicit transactions: BEGIN is ours
    conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextlib.contextmanager
def _transaction_for_rebuilds(engine: Engine) -> Iterator[sa.Connection]:
    """A transaction in which SQLite may rebuild tables safely.

    SQLite alters a table by rebuilding it (create a copy, drop the original, rename): with foreign keys
    enforced, dropping a parent would run its children's ON DELETE actions (CASCADE deletes their rows).
    SQLite's documented procedure: enforcement off for the rebuild (the pragma only takes effect outside a
    transaction, so it is set on the driver's connection before BEGIN), `foreign_key_check` before commit
    (_check_foreign_keys), enforcement back on for the connection's next user."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    with engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                yield conn
        finally:
            driver.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(conn: sa.Connection) -> None:
    """SQLite, enforcement being off during the change: refuse (and so roll back) a change that left any row
    pointing at a missing parent key."""
    if conn.dialect.name != "sqlite":
        return
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
    if broken is not None:
        raise MigrationFailed(f"the change would leave rows of {broken[0]!r} pointing at missing {broken[2]!r} keys")


def _short(exc: SQLAlchemyError) -> str:
    """The driver's first line, without SQL or parameters (they may hold user data)."""
    original = getattr(exc, "orig", None) or exc
    return str(original).strip().splitlines()[0][:300]
