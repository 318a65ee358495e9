"""Commands: what a client asks a service to do. Names are imperative."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dmb_contracts.envelope import Command
from dmb_contracts.fields import TableSpec

MAX_ROWS_PER_JOB = 1_000_000
#: The largest seed: 2**53 - 1, the largest integer that a JavaScript number (the web UI) and a spreadsheet
#: cell hold exactly, so a seed read off any screen reproduces the same rows.
MAX_SEED = 2**53 - 1

Locale = Annotated[str, Field(pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$", examples=["en_US", "es_ES", "de_DE"])]


class ExportFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"
    JSONL = "jsonl"
    JSON = "json"
    PARQUET = "parquet"
    SQL = "sql"


#: The media type each format's file is stored and downloaded with (the exporter registers its formats with
#: these; the gateway documents its download with them).
EXPORT_CONTENT_TYPES: dict[ExportFormat, str] = {
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.JSONL: "application/x-ndjson",
    ExportFormat.JSON: "application/json",
    ExportFormat.PARQUET: "application/vnd.apache.parquet",
    ExportFormat.SQL: "application/sql; charset=utf-8",
}


class SqlDialect(StrEnum):
    """The database a SQL export's script is written for."""

    POSTGRES = "postgres"
    MYSQL = "mysql"  # MySQL and MariaDB
    SQLITE = "sqlite"


#: Formats one file of which can hold several tables (a workbook's sheets, a script's tables).
MULTI_TABLE_FORMATS = frozenset({ExportFormat.XLSX, ExportFormat.SQL})


class WriteMode(StrEnum):
    """What a job does with the rows a table already holds."""

    APPEND = "append"  # keep them; sequences continue after them
    REPLACE = "replace"  # remove them first


class AIOptions(BaseModel):
    """Where AI values come from. The key is encrypted with the platform key, never sent in clear."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    context: Annotated[str, Field(max_length=4000)] = ""
    base_url: Annotated[str, Field(max_length=500)] | None = None
    model: Annotated[str, Field(max_length=200)] = "gpt-4o-mini"
    api_key_encrypted: str | None = Field(default=None, description="Fernet token of the user's API key.")


class CreateTable(Command):
    type: Literal["schema.table.create"] = "schema.table.create"
    table_id: UUID
    spec: TableSpec


#: Tables one set (an imported schema) may hold.
MAX_TABLES_PER_SET = 50


class SetTable(BaseModel):
    """One table of a set: its id (chosen by the caller) and its definition."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table_id: UUID
    spec: TableSpec


class CreateTableSet(Command):
    """Create several tables in one action, parents before the tables that reference them: all of them, or
    (any one refused) none. Each table reports through TableCreated / TableRejected as if created alone; foreign
    keys may point at tables of the set or at the owner's existing tables."""

    type: Literal["schema.tables.create"] = "schema.tables.create"
    set_id: UUID
    tables: Annotated[list[SetTable], Field(min_length=1, max_length=MAX_TABLES_PER_SET)]

    @model_validator(mode="after")
    def _each_table_once(self) -> Self:
        names = [table.spec.table_name for table in self.tables]
        if len(set(names)) != len(names):
            raise ValueError("two tables of one set have the same name")
        if len({table.table_id for table in self.tables}) != len(names):
            raise ValueError("two tables of one set share an id")
        return self


class AlterTable(Command):
    type: Literal["schema.table.alter"] = "schema.table.alter"
    table_id: UUID
    expected_version: Annotated[int, Field(gt=0, description="The version the change was made against.")]
    spec: TableSpec


class RestoreTable(Command):
    """Bring a table back to an earlier version's definition: a reverse migration, recorded as a new version."""

    type: Literal["schema.table.restore"] = "schema.table.restore"
    table_id: UUID
    expected_version: Annotated[int, Field(gt=0, description="The version the restore was asked against.")]
    version: Annotated[int, Field(gt=0, description="The earlier version whose definition comes back.")]


class DropTable(Command):
    type: Literal["schema.table.drop"] = "schema.table.drop"
    table_id: UUID


#: Parent tables whose aggregates one job recomputes at most (as many as a batch holds tables).
MAX_AGGREGATE_PARENTS = 50


class GenerateRows(Command):
    """Fill a created table with `rows` rows; carries the definition version it was asked against."""

    type: Literal["generator.rows.generate"] = "generator.rows.generate"
    job_id: UUID
    table_id: UUID
    table_version: Annotated[int, Field(gt=0)]
    spec: TableSpec
    rows: Annotated[int, Field(gt=0, le=MAX_ROWS_PER_JOB)]
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)
    locale: Locale = "en_US"
    ai: AIOptions | None = None
    mode: WriteMode = Field(
        default=WriteMode.APPEND, description="append: keep the table's rows; replace: remove them first."
    )
    aggregate_parents: Annotated[list[TableSpec], Field(max_length=MAX_AGGREGATE_PARENTS)] = Field(
        default_factory=list,
        description="The owner's other created tables with an aggregate rule over this table (their child_table): "
        "their aggregates are computed again once the job completes, so a parent's totals follow its children.",
    )


#: Tables one multi-table job (a batch) may fill.
MAX_TABLES_PER_BATCH = 50


class BatchTable(BaseModel):
    """One table of a batch: the job that fills it (its id chosen by the caller) and its definition."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    job_id: UUID
    table_id: UUID
    table_version: Annotated[int, Field(gt=0)]
    spec: TableSpec
    rows: Annotated[int, Field(gt=0, le=MAX_ROWS_PER_JOB)]
    aggregate_parents: Annotated[list[TableSpec], Field(max_length=MAX_AGGREGATE_PARENTS)] = Field(
        default_factory=list,
        description="As GenerateRows.aggregate_parents, for the owner's tables outside the batch (those in the "
        "batch are known from it).",
    )


class GenerateTables(Command):
    """Fill several created tables, parents before the tables that reference them, one job per table.

    Each table's job reports through the ordinary job events; its seed is derived from the batch's seed and
    the table's position in the dependency order, so the same batch with the same seed gives the same rows.
    """

    type: Literal["generator.tables.generate"] = "generator.tables.generate"
    batch_id: UUID
    tables: Annotated[list[BatchTable], Field(min_length=1, max_length=MAX_TABLES_PER_BATCH)]
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)
    locale: Locale = "en_US"
    mode: WriteMode = Field(
        default=WriteMode.APPEND,
        description="replace: every table of the batch is emptied first, the tables that reference others before "
        "them, then filled parents first.",
    )
    ai: AIOptions | None = Field(
        default=None, description="Where the AI fields of every table of the batch get their values (as GenerateRows)."
    )

    @model_validator(mode="after")
    def _each_table_once(self) -> Self:
        ids = [table.table_id for table in self.tables]
        if len(set(ids)) != len(ids):
            raise ValueError("a table appears twice in one batch")
        if len({table.job_id for table in self.tables}) != len(ids):
            raise ValueError("two tables of one batch share a job id")
        return self


class GenerateChunk(Command):
    """One slice of a job on the generator's work queue; any generator process may take it."""

    type: Literal["generator.chunk.generate"] = "generator.chunk.generate"
    job_id: UUID
    chunk_index: Annotated[int, Field(ge=0)]
    first_row: Annotated[int, Field(ge=0)]
    rows: Annotated[int, Field(gt=0)]


class CancelJob(Command):
    type: Literal["generator.job.cancel"] = "generator.job.cancel"
    job_id: UUID


#: Rows one preview may ask for: a screenful, so a preview never competes with real jobs.
MAX_PREVIEW_ROWS = 50


class PreviewRows(Command):
    """Make the first rows a job with this definition, seed and locale would write, without writing them.

    The generator answers with RowsPreviewed (same `request_id`); nothing is stored. Foreign keys draw from
    the parent tables' rows as a job would (`references.key_type` must be resolved by the sender)."""

    type: Literal["generator.rows.preview"] = "generator.rows.preview"
    request_id: UUID
    spec: TableSpec
    rows: Annotated[int, Field(gt=0, le=MAX_PREVIEW_ROWS)] = 10
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    locale: Locale = "en_US"


#: Tables one workbook may hold (the first plus `more_tables`).
MAX_TABLES_PER_EXPORT = 50


class ExportTable(BaseModel):
    """A further table of a multi-table export, with the provenance its part of the About sheet shows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table_id: UUID
    table_version: Annotated[int, Field(gt=0)]
    spec: TableSpec
    seed: int | None = None
    locale: str | None = None
    generator_version: str | None = None


class RequestExport(Command):
    """Export a table's rows; carries the spec and the provenance shown on the workbook's About sheet."""

    type: Literal["exporter.export.request"] = "exporter.export.request"
    export_id: UUID
    table_id: UUID
    table_version: Annotated[int, Field(gt=0)]
    spec: TableSpec
    format: ExportFormat = ExportFormat.XLSX
    job_id: UUID | None = None
    seed: int | None = None
    locale: str | None = None
    generator_version: str | None = None
    csv_excel_bom: bool = Field(
        default=False, description="CSV only: start the file with a UTF-8 byte-order mark, so Excel reads it as UTF-8."
    )
    sql_dialect: SqlDialect = Field(
        default=SqlDialect.POSTGRES, description="sql only: the database the script's DDL and inserts are written for."
    )
    sql_copy: bool = Field(
        default=False, description="sql with the postgres dialect only: load the rows with COPY ... FROM stdin."
    )
    more_tables: Annotated[list[ExportTable], Field(max_length=MAX_TABLES_PER_EXPORT - 1)] = Field(
        default_factory=list,
        description="xlsx and sql only: further tables for the same workbook or script, each after the first "
        "table's, in this order (parents before the tables that reference them).",
    )
    generation_seconds: Annotated[float, Field(ge=0)] | None = Field(
        default=None, description="How long the job (job_id) took to generate the rows, shown on the About sheet."
    )
    rows_seconds: Annotated[float, Field(ge=0)] | None = Field(
        default=None, description="Of generation_seconds: generating and writing the rows (About sheet)."
    )
    report_seconds: Annotated[float, Field(ge=0)] | None = Field(
        default=None, description="Of generation_seconds: checking the written rows for the report (About sheet)."
    )
    fallbacks: Annotated[list[Annotated[str, Field(max_length=2000)]], Field(max_length=200)] = Field(
        default_factory=list,
        description="The job's notes on fields that fell back to Faker or were left empty, for the About sheet.",
    )
    constraint_report: Annotated[list[Annotated[str, Field(max_length=1000)]], Field(max_length=2000)] = Field(
        default_factory=list, description="The job's constraint report, one line per column, for the About sheet."
    )

    @model_validator(mode="after")
    def _more_tables_in_one_workbook(self) -> Self:
        if self.more_tables and self.format not in MULTI_TABLE_FORMATS:
            raise ValueError(f"several tables go into one xlsx workbook or sql script, not a {self.format.value} file")
        if self.sql_copy and (self.format is not ExportFormat.SQL or self.sql_dialect is not SqlDialect.POSTGRES):
            raise ValueError("sql_copy applies to sql exports for the postgres dialect only")
        ids = [self.table_id, *(table.table_id for table in self.more_tables)]
        if len(set(ids)) != len(ids):
            raise ValueError("a table appears twice in one export")
        return self
