"""What an export says about itself: the provenance shown on the workbook's "About" sheet."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from dmb_contracts.commands import RequestExport
from dmb_contracts.fields import (
    FieldSpec,
    TableSpec,
)
from dmb_contracts.generator_defaults import FieldGenerator, field_generators
from pydantic import BaseModel, ConfigDict, Field


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ExportAbout(BaseModel):
    """Provenance of one export: enough to reproduce the rows (definition version + seed + generator version)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table_name: str
    display_name: str = ""
    description: str = ""
    fields: Annotated[list[FieldSpec], Field(min_length=1)]
    definition_version: int | None = None
    seed: int | None = None
    locale: str | None = None
    row_count: int | None = Field(
        default=None, description="Rows the table was asked to hold (the export counts its own)."
    )
    generator_version: str | None = None
    created_at: dt.datetime = Field(default_factory=_utc_now)
    timings: dict[str, float] = Field(default_factory=dict, description="Seconds per phase, e.g. generation.")
    constraint_report: list[str] = Field(default_factory=list, description="Summary lines of the constraint report.")
    fallbacks: list[str] = Field(default_factory=list, description="Fields that fell back to Faker or stayed empty.")

    @property
    def generators(self) -> list[FieldGenerator]:
        """What made each field's values, in field order: the generator service runs the same choice."""
        return field_generators(TableSpec(table_name=self.table_name, fields=self.fields))

    @classmethod
    def for_request(cls, cmd: RequestExport, *, rows: int | None = None, **provenance: Any) -> ExportAbout:
        """The about-record of an export request; `rows` is how many rows the table holds."""
        phases = {
            "generation": cmd.generation_seconds,
            "generation, rows": cmd.rows_seconds,
            "generation, constraint report": cmd.report_seconds,
        }
        timings = {phase: seconds for phase, seconds in phases.items() if seconds is not None}
        return cls.for_spec(
            cmd.spec,
            definition_version=cmd.table_version,
            seed=cmd.seed,
            locale=cmd.locale,
            generator_version=cmd.generator_version,
            row_count=rows,
            timings=timings,
            constraint_report=list(cmd.constraint_report),
            fallbacks=list(cmd.fallbacks),
            **provenance,
        )

    @classmethod
    def for_spec(cls, spec: TableSpec, **provenance: Any) -> ExportAbout:
        """The about-record of a table spec; `provenance` sets the remaining fields (seed, version, ...)."""
        return cls(
            table_name=spec.table_name,
            display_name=spec.display_name,
            description=spec.description,
            fields=spec.fields,
            **provenance,
        )
