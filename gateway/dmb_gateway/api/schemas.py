"""The REST API's request and response models (families per resource, as in the FastAPI template)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Self

from dmb_contracts.commands import (
    MAX_ROWS_PER_JOB,
    MAX_SEED,
    MAX_TABLES_PER_BATCH,
    ExportFormat,
    Locale,
    SqlDialect,
    WriteMode,
)
from dmb_contracts.events import ColumnReport, Problem
from dmb_contracts.fields import TableSpec
from dmb_contracts.generator_defaults import FieldGenerator, field_generators
from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field, SecretStr, computed_field, field_validator, model_validator

from dmb_gateway.accounts.schemas import StoredTime
from dmb_gateway.api.ai_schemas import http_url

#: Every integer the API takes is bounded where it is declared, so no value past what a database column holds
#: (64-bit at most) gets near a query: out of range is a 422 that names the bound.
MAX_VERSION = 2**31 - 1
MAX_OFFSET = 2**31 - 1
MAX_PAGE = 500
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="How many items to skip.")]
PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"How many items to return (1..{MAX_PAGE}).")]
VersionNumber = Annotated[int, Path(ge=1, le=MAX_VERSION, description="A version of the table's definition.")]


def expected_version(what: str) -> Any:
    """The `expected_version` field of a change: the table's version the caller last saw."""
    return Field(gt=0, le=MAX_VERSION, description=f"The table's version this {what} was made against.")


class _Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TablePublic(_Public):
    id: uuid.UUID = Field(validation_alias="table_id")
    table_name: str
    status: str = Field(description="pending, created, altering, rejected, dropping or dropped")
    version: int
    spec: TableSpec
    reason: str | None = None
    problems: list[Problem] = Field(default_factory=list)
    created_at: StoredTime
    updated_at: StoredTime

    @computed_field(  # type: ignore[prop-decorator]  # pydantic's documented form
        description="What makes each field's values, in field order: its own generator or the one chosen for it "
        "(from its pattern or choices, its name and type, or the other fields of the row)."
    )
    @property
    def generators(self) -> list[FieldGenerator]:
        return field_generators(self.spec)


class TablesPublic(BaseModel):
    items: list[TablePublic]
    total: int
    offset: int
    limit: int


class TableGenerators(BaseModel):
    generators: list[FieldGenerator] = Field(
        description="What makes each field's values, in field order (see TablePublic.generators)."
    )


class JobAIOptions(BaseModel):
    """Where a job's AI values come from. Unset endpoint and key: the platform's default (DMB_AI_*). The key
    is encrypted before it leaves the gateway and is never shown again."""

    model_config = ConfigDict(extra="forbid")

    context: str = Field(
        default="", max_length=4000, description="What the data is about, e.g. 'patients of a Spanish hospital'."
    )
    base_url: str | None = Field(
        default=None, max_length=500, description="An OpenAI-compatible endpoint; unset: OpenAI's."
    )
    model: str = Field(default="gpt-4o-mini", min_length=1, max_length=200)
    api_key: SecretStr | None = Field(default=None, description="Write-only: encrypted at once, never returned.")

    @field_validator("base_url")
    @classmethod
    def _valid_url(cls, url: str | None) -> str | None:
        return http_url(url)

    @field_validator("api_key")
    @classmethod
    def _short_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not 0 < len(value.get_secret_value()) <= 500:
            raise ValueError("the API key must have 1 to 500 characters")
        return value


class JobCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"rows": 1000, "seed": 42, "locale": "en_US"}]}
    )

    rows: int = Field(
        strict=True, gt=0, le=MAX_ROWS_PER_JOB, description=f"How many rows to add (1..{MAX_ROWS_PER_JOB:,})."
    )
    seed: int | None = Field(
        default=None,
        strict=True,
        ge=0,
        le=MAX_SEED,
        description=f"Same seed, same rows (0..{MAX_SEED}). Random if unset.",
    )
    locale: Locale = "en_US"
    mode: WriteMode = Field(
        default=WriteMode.APPEND,
        description="append (default): add to the rows already there, sequences continuing after them; replace: "
        "remove the table's rows first (refused while other tables reference it: replace them together with "
        "POST /api/v1/jobs).",
    )
    ai: JobAIOptions | None = Field(
        default=None, description="For the table's AI fields: the context, and the job's own endpoint and key."
    )


class JobPublic(_Public):
    id: uuid.UUID = Field(validation_alias="job_id")
    table_id: uuid.UUID
    rows: int
    rows_done: int
    status: str = Field(description="pending, running, completed, failed or cancelled")
    seed: int | None
    locale: str
    generator_version: str | None
    reason: str | None
    report: list[ColumnReport]
    table_rows: int | None = Field(
        description="Rows in the table when the report was made (earlier jobs' included): what its counts are out of."
    )
    fallbacks: list[str]
    seconds: float | None = Field(description="From the generator's start to the job's end (completed jobs).")
    rows_seconds: float | None = Field(description="Of `seconds`: generating and writing the rows.")
    report_seconds: float | None = Field(description="Of `seconds`: checking the written rows for the report.")
    created_at: StoredTime
    finished_at: StoredTime | None
    ai_values_made: int | None = Field(
        default=None, description="AI values made so far for the job's AI fields (None: no AI progress reported)."
    )
    ai_values_needed: int | None = Field(default=None, description="AI values the job's AI fields need.")


class JobsPublic(BaseModel):
    items: list[JobPublic]


class BatchTableCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    table_id: uuid.UUID
    rows: int = Field(
        strict=True, gt=0, le=MAX_ROWS_PER_JOB, description=f"How many rows to add (1..{MAX_ROWS_PER_JOB:,})."
    )


class BatchCreate(BaseModel):
    """Fill several tables in one request: parents are filled before the tables that reference them."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "tables": [
                        {"table_id": "5f0c6c8e-8a4e-4d43-9d0b-3f3f0b3c1a01", "rows": 100},
                        {"table_id": "0b7e4d2c-3c7f-4a35-8c4e-2a9b6f1d2e02", "rows": 1000},
                    ],
                    "seed": 42,
                }
            ]
        },
    )

    tables: list[BatchTableCreate] = Field(min_length=1, max_length=MAX_TABLES_PER_BATCH)
    seed: int | None = Field(
        default=None,
        strict=True,
        ge=0,
        le=MAX_SEED,
        description=f"Same seed, same rows in every table (0..{MAX_SEED}). Random if unset.",
    )
    locale: Locale = "en_US"
    mode: WriteMode = Field(
        default=WriteMode.APPEND,
        description="replace: empty every table of the batch first (children before parents), then fill them; "
        "tables outside the batch that reference one of them must be in it too.",
    )
    ai: JobAIOptions | None = Field(
        default=None,
        description="For the AI fields of every table of the batch: the context, and the batch's own endpoint and "
        "key. Unset endpoint: your saved AI settings, else the platform's default.",
    )

    @model_validator(mode="after")
    def _each_table_once(self) -> Self:
        ids = [table.table_id for table in self.tables]
        if len(set(ids)) != len(ids):
            raise ValueError("a table appears twice in the batch: list each table once, with its rows")
        return self


class BatchJobPublic(BaseModel):
    table_id: uuid.UUID
    job_id: uuid.UUID


class BatchPublic(BaseModel):
    id: uuid.UUID
    jobs: list[BatchJobPublic] = Field(
        description="One job per table, in the request's order; follow each at /jobs/{id}."
    )


class ExportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"format": "xlsx"}]})

    format: ExportFormat = ExportFormat.XLSX
    job_id: uuid.UUID | None = Field(default=None, description="The job whose seed and provenance to record.")
    csv_excel_bom: bool = Field(
        default=False,
        description="CSV only: start the file with a UTF-8 byte-order mark, so Excel opens it as UTF-8.",
    )
    sql_dialect: SqlDialect | None = Field(
        default=None,
        description="sql only: the database the script is written for (postgres, mysql for MySQL/MariaDB, sqlite); "
        "postgres when left out.",
    )
    sql_copy: bool = Field(default=False, description="sql with the postgres dialect only: load rows with COPY.")

    @model_validator(mode="after")
    def _options_match_the_format(self) -> Self:
        if self.csv_excel_bom and self.format is not ExportFormat.CSV:
            raise ValueError(f"csv_excel_bom applies to CSV exports only, not {self.format.value}")
        if self.sql_dialect is not None and self.format is not ExportFormat.SQL:
            raise ValueError(f"sql_dialect applies to sql exports only, not {self.format.value}")
        if self.sql_copy and (self.format is not ExportFormat.SQL or self.dialect is not SqlDialect.POSTGRES):
            raise ValueError("sql_copy applies to sql exports for the postgres dialect only")
        return self

    @property
    def dialect(self) -> SqlDialect:
        """The SQL dialect asked for, postgres by default."""
        return self.sql_dialect or SqlDialect.POSTGRES


class ExportPublic(_Public):
    id: uuid.UUID = Field(validation_alias="export_id")
    table_id: uuid.UUID
    job_id: uuid.UUID | None
    table_ids: list[uuid.UUID] = Field(
        description="Every table exported, in sheet order: `table_id`, then the others of a multi-table export."
    )
    format: str
    csv_excel_bom: bool = Field(description="CSV only: the file starts with a UTF-8 byte-order mark.")
    sql_dialect: str | None = Field(default=None, description="sql only: the database the script is written for.")
    sql_copy: bool = Field(default=False, description="sql only: whether the script loads its rows with COPY.")
    status: str = Field(
        description="pending, running, completed, failed or expired. `reason` says why an export failed or "
        "expired; on a completed export it is a note (e.g. cells cut to Excel's limit)."
    )
    size_bytes: int | None
    sha256: str | None
    rows: int | None
    rows_written: int | None = Field(default=None, description="While running: rows written to the file so far.")
    rows_total: int | None = Field(default=None, description="While running: rows the export holds in all.")
    seconds: float | None
    reason: str | None
    created_at: StoredTime
    finished_at: StoredTime | None
    download_url: str | None = None


class ExportsPublic(BaseModel):
    items: list[ExportPublic]
    total: int
    offset: int
    limit: int


class ErrorDetail(BaseModel):
    location: str
    message: str


class ErrorResponse(BaseModel):
    message: str
    errors: list[ErrorDetail] = Field(default_factory=list)
