"""What an export says about itself: the provenance shown on the workbook's "About" sheet."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from dmb_contracts.commands import RequestExport
from dmb_contracts.fields import (
    AIGenerator,
    ChoicesGenerator,
    ConstantGenerator,
    FakerGenerator,
    FieldSpec,
    GeneratorSpec,
    JsonObjectGenerator,
    RangeGenerator,
    ReferenceGenerator,
    RegexGenerator,
    SequenceGenerator,
    StorageType,
    TableSpec,
)
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

    @classmethod
    def for_request(cls, cmd: RequestExport, *, rows: int | None = None, **provenance: Any) -> ExportAbout:
        """The about-record of an export request; `rows` is how many rows the table holds."""
        timings = {} if cmd.generation_seconds is None else {"generation": cmd.generation_seconds}
        return cls.for_spec(
            cmd.spec,
            definition_version=cmd.table_version,
            seed=cmd.seed,
            locale=cmd.locale,
            generator_version=cmd.generator_version,
            row_count=rows,
            timings=timings,
            constraint_report=list(cmd.constraint_report),
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


def _bound(value: object) -> str:
    return "" if value is None else str(value)


def summarize_constraints(field: FieldSpec) -> str:
    """The field's constraints in one readable line, e.g. "unique; required; length ≤ 100"."""
    parts: list[str] = []
    if field.primary_key:
        parts.append("primary key")
    elif field.unique:
        parts.append("unique")
    if field.nullable:
        parts.append(f"nullable ({field.null_percentage:g}% null)" if field.null_percentage else "nullable")
    else:
        parts.append("required")
    if field.min_length is not None or field.max_length is not None:
        if field.min_length is not None and field.max_length is not None:
            parts.append(f"length {field.min_length} … {field.max_length}")
        elif field.max_length is not None:
            parts.append(f"length ≤ {field.max_length}")
        else:
            parts.append(f"length ≥ {field.min_length}")
    if field.min is not None and field.max is not None:
        parts.append(f"range {field.min} … {field.max}")
    elif field.min is not None:
        parts.append(f"≥ {field.min}")
    elif field.max is not None:
        parts.append(f"≤ {field.max}")
    if field.references is not None:
        reference = field.references
        parts.append(f"references {reference.table}.{reference.field} (on delete {reference.on_delete})")
    if field.type is StorageType.DECIMAL:
        precision = field.precision or 18
        scale = field.scale if field.scale is not None else 2
        parts.append(f"precision {precision}, scale {scale}")
    if field.choices:
        parts.append("choices: " + ", ".join(str(choice) for choice in field.choices))
    if field.pattern:
        parts.append(f"pattern {field.pattern}")
    if field.default is not None:
        parts.append(f"default {field.default}")
    return "; ".join(parts)


def summarize_generator(generator: GeneratorSpec | None) -> str:
    """How the field's values are made, in one line."""
    match generator:
        case None:
            return "default for the type"
        case FakerGenerator(provider=provider, args=args):
            arguments = ", ".join(f"{name}={value!r}" for name, value in args.items())
            return f"faker {provider}({arguments})"
        case SequenceGenerator(start=start, step=step):
            return f"sequence from {start}, step {step}"
        case RangeGenerator(min=low, max=high):
            if low is None and high is None:
                return "range (field bounds)"
            return f"range {_bound(low)} … {_bound(high)}"
        case ChoicesGenerator(values=values, weights=weights):
            listed = ", ".join(str(value) for value in values)
            return f"choices: {listed}" + (" (weighted)" if weights else "")
        case RegexGenerator(pattern=pattern):
            return f"regex {pattern}"
        case ConstantGenerator(value=value):
            return f"constant {value!r}"
        case AIGenerator(instructions=instructions):
            return f"AI: {instructions}" if instructions else "AI"
        case JsonObjectGenerator(keys=keys):
            return "JSON objects" + (f" with keys {', '.join(keys)}" if keys else "")
        case ReferenceGenerator(children_per_parent=children):
            if children is None:
                return "parent keys, drawn uniformly"
            return f"parent keys, {children.min} … {children.max} rows per parent"
    raise TypeError(f"unknown generator {generator!r}")
