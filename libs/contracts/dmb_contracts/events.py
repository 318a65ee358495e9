"""Events: what happened. Names are past tense; every field is additive from v1 on."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from dmb_contracts.commands import ExportFormat
from dmb_contracts.compositions import Composition
from dmb_contracts.envelope import Event
from dmb_contracts.fields import FieldSpec, JsonScalar, TableSpec


class Problem(BaseModel):
    """One reason a request was refused: where (field), which rule, and a sentence for the user."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str | None = None
    rule: str
    message: str


class TableCreated(Event):
    type: Literal["schema.table.created"] = "schema.table.created"
    table_id: UUID
    version: int
    spec: TableSpec
    migration_seconds: float = 0


class TableAltered(Event):
    type: Literal["schema.table.altered"] = "schema.table.altered"
    table_id: UUID
    version: int
    previous_version: int
    spec: TableSpec
    changes: list[str] = Field(
        default_factory=list, description="What changed from the previous version, one line per change."
    )
    migration_seconds: float = 0
    restored_from: int | None = Field(
        default=None, description="Set when this version restores an earlier version's definition."
    )


class TableDropped(Event):
    type: Literal["schema.table.dropped"] = "schema.table.dropped"
    table_id: UUID


class TableRejected(Event):
    type: Literal["schema.table.rejected"] = "schema.table.rejected"
    table_id: UUID
    reason: str
    problems: list[Problem] = Field(default_factory=list)


class MigrationRecorded(Event):
    """One migration the schema service ran (or tried) on a table in the datasets database, in plain words:
    the table page's migration log. A refused migration was rolled back as a whole; `reason` says why."""

    type: Literal["schema.migration.recorded"] = "schema.migration.recorded"
    table_id: UUID
    action: Literal["create", "alter", "restore", "drop"]
    from_version: int | None = Field(default=None, description="The version before (none for a create).")
    to_version: int | None = Field(default=None, description="The version after (none for a drop).")
    status: Literal["applied", "adopted", "rolled_back"] = Field(
        description="applied; adopted (the table already had that shape); rolled_back (refused, nothing changed)."
    )
    changes: list[str] = Field(default_factory=list, description="What the migration changes, one line each.")
    reason: str | None = Field(default=None, description="Why it was rolled back, in plain words.")
    seconds: float = Field(default=0, ge=0)


class JobStarted(Event):
    type: Literal["generator.job.started"] = "generator.job.started"
    job_id: UUID
    table_id: UUID
    rows: int
    chunks: int
    seed: int
    generator_version: str


class JobProgressed(Event):
    type: Literal["generator.job.progressed"] = "generator.job.progressed"
    job_id: UUID
    rows_done: int
    rows_total: int


class ColumnReport(BaseModel):
    """What was actually inserted into one column."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    nulls: int
    distinct: int | None = None
    min: JsonScalar = None
    max: JsonScalar = None
    violations: int = 0


class JobCompleted(Event):
    type: Literal["generator.job.completed"] = "generator.job.completed"
    job_id: UUID
    table_id: UUID
    rows: int
    seconds: float = Field(description="From the job's start to its end: rows_seconds + report_seconds.")
    rows_seconds: float | None = Field(
        default=None, description="From the job's start to its last row written (None from older generators)."
    )
    report_seconds: float | None = Field(
        default=None, description="Checking the written rows for the constraint report (None from older generators)."
    )
    seed: int
    generator_version: str
    columns: list[ColumnReport] = Field(default_factory=list)
    table_rows: int | None = Field(
        default=None,
        description="Rows in the table when `columns` was made, earlier jobs' included: what its counts are out of "
        "(None from older generators).",
    )
    fallbacks: list[str] = Field(default_factory=list, description="Why some fields fell back to Faker.")


class JobFailed(Event):
    type: Literal["generator.job.failed"] = "generator.job.failed"
    job_id: UUID
    reason: str


class JobCancelled(Event):
    type: Literal["generator.job.cancelled"] = "generator.job.cancelled"
    job_id: UUID
    rows_done: int = 0


class AIValuesRequested(Event):
    """The generator needs `count` values for each AI field; the AI service answers with a pool."""

    type: Literal["ai.values.requested"] = "ai.values.requested"
    request_id: UUID
    job_id: UUID
    table: TableSpec
    fields: list[FieldSpec]
    count: Annotated[int, Field(gt=0, le=10_000)]
    locale: str = "en_US"
    context: str = ""
    base_url: str | None = None
    model: str = "gpt-4o-mini"
    api_key_encrypted: str | None = None
    rows: int | None = Field(
        default=None,
        gt=0,
        description="The job's row count (None from older generators): a unique AI field needing more distinct "
        "values than `count` gets a composition.",
    )
    seed: int | None = Field(
        default=None,
        description="The job's seed (None from older generators): identifiers the AI service makes by code "
        "(ISBNs, IBANs, card numbers) are drawn with it, so the same job makes the same values.",
    )


class AIValuesGenerated(Event):
    type: Literal["ai.values.generated"] = "ai.values.generated"
    request_id: UUID
    job_id: UUID
    values: dict[str, list[JsonScalar]]
    notes: list[str] = Field(
        default_factory=list,
        description="What the user should know about these values (fields made by code instead, a short pool), "
        "in plain words; the generator adds them to the job's notes.",
    )
    compositions: dict[str, Composition] = Field(
        default_factory=dict,
        description="Per unique AI field, parts combined by code: the generator enumerates them for distinct values "
        "past the pool.",
    )


class AIValuesProgressed(Event):
    """An AI request is under way: `made` of the `needed` values are ready. Each one restarts the generator's
    wait deadline, so a job waits for a slow model as long as its values keep coming."""

    type: Literal["ai.values.progressed"] = "ai.values.progressed"
    request_id: UUID
    job_id: UUID
    made: Annotated[int, Field(ge=0)]
    needed: Annotated[int, Field(gt=0)]


class AIValuesFailed(Event):
    type: Literal["ai.values.failed"] = "ai.values.failed"
    request_id: UUID
    job_id: UUID
    reason: str


class ExportProgressed(Event):
    """An export is being written: sent when it starts (rows_written 0) and about every second after, so its
    state shows `running` with its progress; sent again from 0 when a redelivered export is taken over."""

    type: Literal["exporter.export.progressed"] = "exporter.export.progressed"
    export_id: UUID
    table_id: UUID
    rows_written: int = Field(ge=0)
    rows_total: int = Field(ge=0, description="Rows of every table in the export when it started.")


class ExportCompleted(Event):
    type: Literal["exporter.export.completed"] = "exporter.export.completed"
    export_id: UUID
    table_id: UUID
    format: ExportFormat
    object_key: str
    size_bytes: int
    sha256: str
    content_type: str
    rows: int
    seconds: float
    truncated_cells: int = Field(
        default=0, ge=0, description="xlsx: cells cut to Excel's limit of 32,767 characters (noted on the About sheet)."
    )


class ExportFailed(Event):
    type: Literal["exporter.export.failed"] = "exporter.export.failed"
    export_id: UUID
    table_id: UUID
    reason: str


class ExportExpired(Event):
    """A completed export's file was deleted from the object store because it outlived the retention period."""

    type: Literal["exporter.export.expired"] = "exporter.export.expired"
    export_id: UUID
    table_id: UUID
    object_key: str
    reason: str


class RowsPreviewed(Event):
    """The answer to PreviewRows: the rows as text for display (null stays null), or why none could be made."""

    type: Literal["generator.rows.previewed"] = "generator.rows.previewed"
    request_id: UUID
    columns: list[str] = Field(default_factory=list)
    rows: list[list[str | None]] = Field(default_factory=list)
    problem: str | None = Field(default=None, description="Why the rows could not be made, in plain words.")
    generator_version: str | None = None
    seconds: float = Field(default=0, ge=0, description="How long the generator took to make the rows.")
