"""DDL on the datasets database: the only place in the platform that creates or drops users' tables."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from dmb_common.datasets import table_for
from dmb_contracts.fields import TableSpec
from dmb_schema.adapters import alter
from dmb_schema.domain.diff import AlterPlan
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

    def create_table(self, spec: TableSpec) -> MigrationOutcome:
        """Create the table in one transaction. A table that already matches the spec is adopted, so a
        redelivered command after a crash between DDL and bookkeeping does not fail."""
        started = time.perf_counter()
        try:
            with self.engine.begin() as conn:
                operations, adopted = self._create_or_adopt(conn, spec)
        except SQLAlchemyError as exc:
            raise MigrationFailed(f"the database refused to create {spec.table_name!r}: {_short(exc)}") from exc
        return MigrationOutcome(operations, time.perf_counter() - started, adopted)

    def create_tables(self, specs: list[TableSpec]) -> SetOutcome:
        """Create the tables in this order (parents first), all or none: in one transaction where DDL is
        transactional (PostgreSQL, SQLite); MySQL/MariaDB commit each CREATE TABLE on their own, so there the
        tables created before a failure are dropped again (in reverse order) before MigrationFailed."""
        started = time.perf_counter()
        if self.engine.dialect.name in ("mysql", "mariadb"):
            per_table = self._create_compensating(specs)
        else:
            try:
                with self.engine.begin() as conn:
                    per_table = [self._create_or_adopt(conn, spec)[0] for spec in specs]
            except SQLAlchemyError as exc:
                raise MigrationFailed(f"the database refused to create the tables: {_short(exc)}") from exc
        return SetOutcome(per_table, time.perf_counter() - started)

    def _create_compensating(self, specs: list[TableSpec]) -> list[list[str]]:
        created: list[TableSpec] = []
        per_table: list[list[str]] = []
        try:
            for spec in specs:
                with self.engine.begin() as conn:
                    operations, adopted = self._create_or_adopt(conn, spec)
                if not adopted:
                    created.append(spec)
                per_table.append(operations)
        except (SQLAlchemyError, MigrationFailed) as exc:
            for spec in reversed(created):
                with self.engine.begin() as conn:
                    table_for(spec, self.schema).drop(conn, checkfirst=True)
            if isinstance(exc, MigrationFailed):
                raise
            raise MigrationFailed(f"the database refused to create the tables: {_short(exc)}") from exc
        return per_table

    def _create_or_adopt(self, conn: sa.Connection, spec: TableSpec) -> tuple[list[str], bool]:
        """CREATE TABLE with its indexes, or adopt a table of that name that has the spec's columns."""
        table = table_for(spec, self.schema)
        inspector = sa.inspect(conn)
        if inspector.has_table(spec.table_name, schema=self.schema):
            existing = [column["name"] for column in inspector.get_columns(spec.table_name, schema=self.schema)]
            if existing == [field.name for field in spec.fields]:
                return [f"adopt table {spec.table_name}"], True
            raise MigrationFailed(f"a table named {spec.table_name!r} already exists in the datasets database")
        _refuse_taken_index_names(conn, {alter.index_name(index, spec) for index in spec.indexes}, self.schema)
        table.create(conn)
        return [str(sa.schema.CreateTable(table).compile(self.engine)).strip()], False

    def drop_table(self, spec: TableSpec) -> MigrationOutcome:
        started = time.perf_counter()
        table = table_for(spec, self.schema)
        try:
            with self.engine.begin() as conn:
                table.drop(conn, checkfirst=True)
        except SQLAlchemyError as exc:
            raise MigrationFailed(f"the database refused to drop {spec.table_name!r}: {_short(exc)}") from exc
        return MigrationOutcome([f"DROP TABLE {spec.table_name}"], time.perf_counter() - started)

    def alter_table(self, plan: AlterPlan) -> MigrationOutcome:
        """Apply `plan` in one transaction: checks of the existing rows, then the DDL. Anything refused or
        failed rolls the whole change back (MySQL/MariaDB: the DDL is one ALTER TABLE statement, which the
        server applies completely or not at all). A table that already has the new shape (a redelivered command
        after a crash between the DDL and the bookkeeping) is adopted."""
        started = time.perf_counter()
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


def _refuse_taken_index_names(conn: sa.Connection, names: set[str], schema: str | None) -> None:
    taken = sorted(alter.taken_names(conn, names, schema))
    if taken:
        raise MigrationFailed(
            f"index name {taken[0]!r} is already used by another table in the datasets database; "
            "give the index another name",
            taken[0],
            "index",
        )


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
